// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { RowEncodingError } from './copy-encode';
import { CopyPassThrough } from './copy-pass';

const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);

/** One tuple of COPY binary: the field count, then each field's length (-1 for NULL) and bytes. */
function tuple(fields: readonly (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, fields.length])];
  for (const field of fields) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(field === null ? -1 : field.length);
    parts.push(len);
    if (field !== null) parts.push(field);
  }
  return Buffer.concat(parts);
}

const int8 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

const rows: (Buffer | null)[][] = [
  [Buffer.from('a'), null],
  [Buffer.alloc(0), Buffer.from('x'.repeat(40))],
  [null, null],
];
const stream = Buffer.concat([HEADER, ...rows.map(tuple), TRAILER]);

/** Passes `bytes` cut at `cuts`; the bytes sent. */
function passAll(pass: CopyPassThrough, bytes: Buffer, cuts: readonly number[]): Buffer {
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    out.push(Buffer.from(pass.pass(bytes.subarray(from, to), pass.rows)));
    from = to;
  }
  pass.finish();
  return Buffer.concat(out);
}

describe('CopyPassThrough', () => {
  it('passes the chunks on as they are and counts the rows', () => {
    const pass = new CopyPassThrough(2);
    const chunk = stream.subarray(0, 30);
    expect(pass.pass(chunk, 0)).toBe(chunk);
    expect(Buffer.from(passAll(pass, stream.subarray(30), []))).toEqual(stream.subarray(30));
    expect(pass.rows).toBe(3);
  });

  it('appends a running int8 to every tuple, wherever the chunks are cut', () => {
    const expected = Buffer.concat([
      HEADER,
      ...rows.map((fields, i) => tuple([...fields, int8(BigInt(i + 5))])),
      TRAILER,
    ]);
    for (let a = 0; a <= stream.length; a++) {
      for (const b of [a, Math.min(stream.length, a + 3), stream.length]) {
        const pass = new CopyPassThrough(2, 5);
        expect(passAll(pass, stream, [a, b])).toEqual(expected);
        expect(pass.rows).toBe(3);
      }
    }
  });

  it('writes sequence numbers beyond 32 bits', () => {
    const pass = new CopyPassThrough(2, 2 ** 40);
    const out = passAll(pass, stream, []);
    expect(out.subarray(HEADER.length, HEADER.length + tuple([...(rows[0] ?? []), int8(2n ** 40n)]).length)).toEqual(
      tuple([...(rows[0] ?? []), int8(2n ** 40n)]),
    );
  });

  it('refuses a tuple with another number of fields, and a stream without its trailer', () => {
    expect(() => new CopyPassThrough(3).pass(stream, 0)).toThrow(RowEncodingError);
    expect(() => new CopyPassThrough(3).pass(stream, 0)).toThrow(
      /malformed after 0 rows: .*tuple 1 has 2 fields, not 3/,
    );
    const pass = new CopyPassThrough(2, 1);
    pass.pass(stream.subarray(0, stream.length - 2), 0);
    expect(() => pass.finish()).toThrow(/ended after 3 rows without its trailer/);
  });
});
