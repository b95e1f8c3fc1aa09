// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { CopyBinaryFraming, type CopyBinaryPart } from '../src/copy-binary-framing';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

function header(extension: Buffer = Buffer.alloc(0), flags = 0): Buffer {
  const words = Buffer.alloc(8);
  words.writeUInt32BE(flags, 0);
  words.writeUInt32BE(extension.length, 4);
  return Buffer.concat([SIGNATURE, words, extension]);
}

/** One tuple: a 16-bit field count, then each field as a 32-bit length (-1 for NULL) and its bytes. */
function tuple(fields: readonly (Buffer | null)[]): Buffer {
  const count = Buffer.alloc(2);
  count.writeInt16BE(fields.length);
  const parts: Buffer[] = [count];
  for (const field of fields) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(field === null ? -1 : field.length);
    parts.push(len);
    if (field !== null) parts.push(field);
  }
  return Buffer.concat(parts);
}

const TRAILER = Buffer.from([0xff, 0xff]);

/** A stream and the offset just past each of its parts, as `push` reports them. */
function stream(head: Buffer, tuples: readonly Buffer[]): { bytes: Buffer; ends: [number, CopyBinaryPart][] } {
  const ends: [number, CopyBinaryPart][] = [[head.length, 'header']];
  let at = head.length;
  for (const t of tuples) {
    at += t.length;
    ends.push([at, 'tuple']);
  }
  ends.push([at + 2, 'trailer']);
  return { bytes: Buffer.concat([head, ...tuples, TRAILER]), ends };
}

/** Feeds `bytes` cut at `cuts`; the tuples counted per chunk and every end, at its offset in the whole stream. */
function feed(framing: CopyBinaryFraming, bytes: Buffer, cuts: readonly number[]) {
  const ends: [number, CopyBinaryPart][] = [];
  const counts: number[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const base = from;
    counts.push(framing.push(bytes.subarray(from, to), (offset, part) => ends.push([base + offset, part])));
    from = to;
  }
  return { counts, ends };
}

const rows = [
  tuple([Buffer.from([0, 0, 0, 7]), Buffer.from('hello'), null]),
  tuple([Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(0), Buffer.from('x'.repeat(300))]),
  tuple([null, null, null]),
  tuple([Buffer.from([0xff, 0xff]), Buffer.from([0x00]), null]),
];

describe('CopyBinaryFraming', () => {
  it('counts the tuples of a stream cut anywhere into two or three chunks, and reports where each part ends', () => {
    const { bytes, ends } = stream(header(), rows);
    for (let a = 0; a <= bytes.length; a++) {
      for (const b of [a, Math.min(bytes.length, a + 1), Math.min(bytes.length, a + 5), bytes.length]) {
        const framing = new CopyBinaryFraming(3);
        const fed = feed(framing, bytes, [a, b]);
        expect(fed.ends).toEqual(ends);
        expect(fed.counts.reduce((x, y) => x + y, 0)).toBe(4);
        expect(framing.tuples).toBe(4);
        expect(framing.complete).toBe(true);
      }
    }
  });

  it('counts byte by byte, a tuple in the chunk where its last byte is', () => {
    const { bytes, ends } = stream(header(Buffer.from('ext')), rows);
    const framing = new CopyBinaryFraming();
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    const fed = feed(framing, bytes, cuts);
    expect(fed.ends).toEqual(ends);
    const tupleEnds = ends.filter(([, part]) => part === 'tuple').map(([offset]) => offset - 1);
    expect(fed.counts.flatMap((n, i) => (n === 1 ? [i] : []))).toEqual(tupleEnds);
  });

  it('ends a tuple whose last field is NULL in the chunk that holds its length', () => {
    const last = tuple([Buffer.from('a'), null]);
    const { bytes } = stream(header(), [last]);
    const framing = new CopyBinaryFraming(2);
    expect(framing.push(bytes.subarray(0, bytes.length - 2))).toBe(1);
    expect(framing.complete).toBe(false);
    expect(framing.push(bytes.subarray(bytes.length - 2))).toBe(0);
    expect(framing.complete).toBe(true);
  });

  it('counts tuples without fields, and an empty stream', () => {
    const empty = stream(header(), []);
    const framing = new CopyBinaryFraming();
    expect(framing.push(empty.bytes)).toBe(0);
    expect(framing.complete).toBe(true);
    const noFields = stream(header(), [tuple([]), tuple([])]);
    expect(new CopyBinaryFraming(0).push(noFields.bytes)).toBe(2);
  });

  it('is not complete before the trailer', () => {
    const { bytes } = stream(header(), rows);
    const framing = new CopyBinaryFraming(3);
    expect(framing.push(bytes.subarray(0, bytes.length - 2))).toBe(4);
    expect(framing.complete).toBe(false);
  });

  it.each([
    ['a wrong signature', Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\x01', 'latin1'), Buffer.alloc(8)]), /signature/],
    ['OIDs', header(Buffer.alloc(0), 0x10000), /OIDs/],
    ['an unknown critical flag', header(Buffer.alloc(0), 0x1), /critical/],
    ['another number of fields', Buffer.concat([header(), tuple([null, null])]), /tuple 1 has 2 fields, not 3/],
    [
      'a negative length',
      Buffer.concat([header(), Buffer.from([0, 3, 0xff, 0xff, 0xff, 0xfe])]),
      /tuple 1 has length -2/,
    ],
    ['bytes after the trailer', Buffer.concat([stream(header(), []).bytes, Buffer.from([0])]), /after the trailer/],
  ])('refuses %s', (_what, bytes, message) => {
    expect(() => new CopyBinaryFraming(3).push(bytes)).toThrow(message);
  });
});
