// SPDX-License-Identifier: MIT
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

export type OnInvalidUtf8 = 'fail' | 'replace';

/** How many bytes a UTF-8 sequence starting with `lead` has; 1 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return lead <= 0xf4 ? 4 : 1;
  if (lead >= 0xe0) return 3;
  return lead >= 0xc2 ? 2 : 1;
}

/** Where the sequence that `bytes` ends in the middle of starts; `bytes.length` when it ends between sequences. */
function completeEnd(bytes: Buffer): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 3; i--) {
    const b = bytes[i] as number;
    if (b < 0x80) break;
    if (b >= 0xc0) return i + sequenceLength(b) > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}

/**
 * The invalid sequences of `bytes[0, end)`, counted as a UTF-8 decoder
 * (`Buffer#toString`, csv-parse) replaces them: one U+FFFD for each maximal
 * part of an ill-formed sequence (WHATWG Encoding, "decoder"). `first` is
 * the offset of the first one, or -1.
 */
export function invalidSequences(bytes: Uint8Array, end = bytes.length): { count: number; first: number } {
  let count = 0;
  let first = -1;
  let i = 0;
  while (i < end) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(b);
    // The second byte's range rules out overlong forms, surrogates and code points beyond U+10FFFF.
    let lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    let upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    let j = i + 1;
    if (length > 1) {
      for (; j < i + length && j < end; j++) {
        const c = bytes[j] as number;
        if (c < lower || c > upper) break;
        lower = 0x80;
        upper = 0xbf;
      }
      if (j === i + length) {
        i = j;
        continue;
      }
    }
    if (first === -1) first = i;
    count++;
    i = j;
  }
  return { count, first };
}

/**
 * Passes a file's bytes through unchanged while checking that they are
 * UTF-8. A valid chunk costs one `isUtf8` (SIMD) call; only a chunk that
 * fails it is scanned byte by byte. A sequence cut by a chunk boundary is
 * checked with the next chunk.
 *
 * With `fail`, the stream errors with `fail(offset)` at the first invalid
 * sequence; with `replace`, it counts them (the decoder downstream turns
 * each into U+FFFD).
 */
export class Utf8Check extends Transform {
  readonly #mode: OnInvalidUtf8;
  readonly #fail: (offset: number) => Promise<Error>;
  /** The start of a sequence the previous chunk ended in. */
  #carry: Buffer | undefined;
  #off = false;
  /** File offset of the next byte to check (the carry's first, when there is one). */
  #offset = 0;
  /** Invalid sequences seen so far (with `replace`). */
  count = 0;
  /** File offset of the first invalid sequence, or -1. */
  first = -1;

  constructor(mode: OnInvalidUtf8, fail: (offset: number) => Promise<Error>) {
    super();
    this.#mode = mode;
    this.#fail = fail;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // csv-parse reads a file that starts with a UTF-16LE byte-order mark as UTF-16LE, whatever the encoding.
    if (this.#offset === 0 && this.#carry === undefined && chunk[0] === 0xff && chunk[1] === 0xfe) this.#off = true;
    if (!this.#off) {
      const bytes = this.#carry === undefined ? chunk : Buffer.concat([this.#carry, chunk]);
      const end = completeEnd(bytes);
      this.#carry = end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined;
      const invalid = this.#check(bytes, end);
      if (invalid !== undefined) {
        this.#fail(invalid).then(callback, callback);
        return;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const rest = this.#carry;
    this.#carry = undefined;
    const invalid = rest === undefined ? undefined : this.#check(rest, rest.length);
    if (invalid === undefined) callback();
    else this.#fail(invalid).then(callback, callback);
  }

  /** Checks `bytes[0, end)`; returns the file offset to fail at (with `fail`), else undefined. */
  #check(bytes: Buffer, end: number): number | undefined {
    const offset = this.#offset;
    this.#offset += end;
    if (isUtf8(bytes.subarray(0, end))) return undefined;
    const found = invalidSequences(bytes, end);
    if (this.first === -1) this.first = offset + found.first;
    if (this.#mode === 'fail') return offset + found.first;
    this.count += found.count;
    return undefined;
  }
}

/**
 * The 1-based line a byte offset of a file is on (`\n`, `\r\n` and `\r`
 * each end a line, as for the records). Reads the file up to the offset:
 * for error messages only.
 */
export async function lineAt(file: string, offset: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let line = 1;
    let position = 0;
    let afterCr = false;
    while (position < offset) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, offset - position), position);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const b = buffer[i];
        if (b === 0x0a) {
          if (!afterCr) line++;
          afterCr = false;
        } else {
          afterCr = b === 0x0d;
          if (afterCr) line++;
        }
      }
      position += bytesRead;
    }
    return line;
  } finally {
    await handle.close();
  }
}
