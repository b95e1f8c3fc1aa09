// SPDX-License-Identifier: MIT
import { CopyBinaryFraming, type CopyBinaryPart } from '@osiris/runner';
import { putInt8Field } from './copy-binary';
import { RowEncodingError } from './copy-encode';

const EMPTY = Buffer.alloc(0);
/** A field of 8 bytes: its length word, then an int8. */
const SEQUENCE_FIELD = 12;

/**
 * Passes a source's COPY binary stream (`TabularStream.copyBinary`) on to
 * `COPY … FROM STDIN (FORMAT binary)`, counting its rows and checking its
 * framing: each tuple must have one field per input column. With a
 * `sequenceStart`, appends a running row number (an int8 field) to each
 * tuple, which merge's staging table needs to let the last row of a key win;
 * that copies each chunk once, the plain pass-through copies nothing.
 */
export class CopyPassThrough {
  readonly #framing: CopyBinaryFraming;
  readonly #fields: number;
  #sequence: number | undefined;
  /** Bytes since the end of the last part (header, tuple), when a chunk ended inside one. */
  #pending: Buffer = EMPTY;
  readonly #ends: number[] = [];
  readonly #parts: CopyBinaryPart[] = [];

  constructor(fields: number, sequenceStart?: number) {
    this.#fields = fields;
    this.#framing = new CopyBinaryFraming(fields);
    this.#sequence = sequenceStart;
  }

  /** Tuples passed so far. */
  get rows(): number {
    return this.#framing.tuples;
  }

  /** The bytes to send for the next chunk of the input (possibly none yet). */
  pass(chunk: Uint8Array, rowOffset: number): Uint8Array {
    const ends = this.#ends;
    const parts = this.#parts;
    ends.length = 0;
    parts.length = 0;
    const onEnd =
      this.#sequence === undefined
        ? undefined
        : (offset: number, part: CopyBinaryPart) => {
            ends.push(offset);
            parts.push(part);
          };
    try {
      this.#framing.push(chunk, onEnd);
    } catch (err) {
      throw new RowEncodingError(
        `the input's COPY binary stream is malformed after ${rowOffset} rows: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (this.#sequence === undefined) return chunk;
    return this.#appendSequence(chunk);
  }

  /** Checks that the stream ended with its trailer. */
  finish(): void {
    if (!this.#framing.complete) {
      throw new RowEncodingError(
        `the input's COPY binary stream ended after ${this.#framing.tuples} rows without its trailer`,
      );
    }
  }

  #appendSequence(chunk: Uint8Array): Buffer {
    const ends = this.#ends;
    const parts = this.#parts;
    const input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const pending = this.#pending;
    if (ends.length === 0) {
      this.#pending = pending.length === 0 ? Buffer.from(input) : Buffer.concat([pending, input]);
      return EMPTY;
    }
    // The bytes from the end of the last part; the current part's first bytes may be pending from earlier chunks.
    const data = pending.length === 0 ? input : Buffer.concat([pending, input]);
    const shift = pending.length;
    let tuples = 0;
    for (const part of parts) if (part === 'tuple') tuples++;
    const last = (ends[ends.length - 1] as number) + shift;
    const out = Buffer.allocUnsafe(last + tuples * SEQUENCE_FIELD);
    let from = 0;
    let pos = 0;
    let seq = this.#sequence as number;
    for (let k = 0; k < ends.length; k++) {
      const to = (ends[k] as number) + shift;
      pos += data.copy(out, pos, from, to);
      if (parts[k] === 'tuple') {
        // A tuple starts with its field count: one more, the sequence, goes at its end.
        out.writeInt16BE(this.#fields + 1, pos - (to - from));
        pos = putInt8Field(out, pos, seq++);
      }
      from = to;
    }
    this.#sequence = seq;
    this.#pending = from < data.length ? Buffer.from(data.subarray(from)) : EMPTY;
    return out.subarray(0, pos);
  }
}
