// SPDX-License-Identifier: MIT

/** What ends at an offset reported by {@link CopyBinaryFraming.push}. */
export type CopyBinaryPart = 'header' | 'tuple' | 'trailer';

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
/** Signature, flags and the header extension's length. */
const HEADER_SIZE = 19;
/** Flag bits 0–15 are critical: a reader must refuse a stream that sets one it does not know (bit 16: OIDs). */
const CRITICAL_FLAGS = 0xffff;
const OIDS_FLAG = 0x10000;

const HEADER = 0;
const EXTENSION = 1;
const COUNT = 2;
const LENGTH = 3;
const VALUE = 4;
const END = 5;

type State = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * Follows the framing of a Postgres COPY binary stream (a {@link CopyBinaryStream})
 * chunk by chunk, wherever the chunks are cut, and counts its tuples without
 * looking at a value: a 16-bit field count opens each tuple (-1 is the
 * trailer), a 32-bit length (-1 for NULL) each field. Throws a `RangeError`
 * on a malformed stream: a wrong signature, an unknown critical flag or OIDs,
 * a negative length, a tuple with another number of fields than `fields`
 * (when given), or bytes after the trailer.
 *
 * @example
 * const framing = new CopyBinaryFraming(columns.length);
 * for await (const chunk of stream.copyBinary.chunks) rows += framing.push(chunk);
 * if (!framing.complete) throw new Error('the stream ended early');
 */
export class CopyBinaryFraming {
  readonly #fields: number | undefined;
  #state: State = HEADER;
  /** Bytes of a header, count or length word read so far, when a chunk ended inside it. */
  readonly #word = Buffer.alloc(HEADER_SIZE);
  #wordBytes = 0;
  /** Bytes of the current value (or header extension) still to skip. */
  #skip = 0;
  /** Fields of the current tuple still to read. */
  #fieldsLeft = 0;
  #tuples = 0;

  /** `fields`: the number of fields every tuple must have. */
  constructor(fields?: number) {
    this.#fields = fields;
  }

  /** Tuples read in full so far. */
  get tuples(): number {
    return this.#tuples;
  }

  /** Whether the trailer has been read: the stream is complete. */
  get complete(): boolean {
    return this.#state === END;
  }

  /**
   * Reads the next chunk; returns the number of tuples that ended in it.
   * `onEnd`, when given, is called with the offset just past the last byte of
   * the header, of each tuple and of the trailer that end in this chunk.
   */
  push(chunk: Uint8Array, onEnd?: (offset: number, part: CopyBinaryPart) => void): number {
    const end = chunk.length;
    let pos = 0;
    let ended = 0;
    let state = this.#state;
    let fieldsLeft = this.#fieldsLeft;
    let skip = this.#skip;
    try {
      for (;;) {
        // A value is skipped even at the end of the chunk, so that a tuple ending in a NULL ends here.
        if (state === VALUE) {
          if (skip > end - pos) {
            skip -= end - pos;
            pos = end;
            break;
          }
          pos += skip;
          skip = 0;
          if (--fieldsLeft > 0) {
            state = LENGTH;
          } else {
            this.#tuples++;
            ended++;
            onEnd?.(pos, 'tuple');
            state = COUNT;
          }
          continue;
        }
        if (pos >= end) break;
        if (state === LENGTH) {
          let len: number;
          if (this.#wordBytes === 0 && pos + 4 <= end) {
            len =
              ((chunk[pos] as number) << 24) |
              ((chunk[pos + 1] as number) << 16) |
              ((chunk[pos + 2] as number) << 8) |
              (chunk[pos + 3] as number);
            pos += 4;
          } else {
            pos += this.#gather(chunk, pos, 4);
            if (this.#wordBytes < 4) break;
            this.#wordBytes = 0;
            len = this.#word.readInt32BE(0);
          }
          if (len < -1) throw new RangeError(`COPY binary: a field of tuple ${this.#tuples + 1} has length ${len}`);
          // A NULL is a value of no bytes.
          skip = len === -1 ? 0 : len;
          state = VALUE;
          continue;
        }
        if (state === COUNT) {
          let count: number;
          if (this.#wordBytes === 0 && pos + 2 <= end) {
            count = (((chunk[pos] as number) << 24) | ((chunk[pos + 1] as number) << 16)) >> 16;
            pos += 2;
          } else {
            pos += this.#gather(chunk, pos, 2);
            if (this.#wordBytes < 2) break;
            this.#wordBytes = 0;
            count = this.#word.readInt16BE(0);
          }
          if (count === -1) {
            state = END;
            onEnd?.(pos, 'trailer');
            continue;
          }
          if (count < 0 || (this.#fields !== undefined && count !== this.#fields)) {
            throw new RangeError(
              `COPY binary: tuple ${this.#tuples + 1} has ${count} fields${this.#fields === undefined ? '' : `, not ${this.#fields}`}`,
            );
          }
          if (count === 0) {
            this.#tuples++;
            ended++;
            onEnd?.(pos, 'tuple');
          } else {
            fieldsLeft = count;
            state = LENGTH;
          }
          continue;
        }
        if (state === EXTENSION) {
          const take = Math.min(skip, end - pos);
          pos += take;
          skip -= take;
          if (skip === 0) {
            onEnd?.(pos, 'header');
            state = COUNT;
          }
          continue;
        }
        if (state === END) throw new RangeError('COPY binary: bytes after the trailer');
        // HEADER
        pos += this.#gather(chunk, pos, HEADER_SIZE);
        if (this.#wordBytes < HEADER_SIZE) break;
        this.#wordBytes = 0;
        skip = this.#header(this.#word);
        if (skip === 0) {
          onEnd?.(pos, 'header');
          state = COUNT;
        } else {
          state = EXTENSION;
        }
      }
    } finally {
      this.#state = state;
      this.#fieldsLeft = fieldsLeft;
      this.#skip = skip;
    }
    return ended;
  }

  /** Copies up to `size` bytes of a word at `pos` (completing one begun in an earlier chunk); returns how many. */
  #gather(chunk: Uint8Array, pos: number, size: number): number {
    const take = Math.min(size - this.#wordBytes, chunk.length - pos);
    for (let k = 0; k < take; k++) this.#word[this.#wordBytes + k] = chunk[pos + k] as number;
    this.#wordBytes += take;
    return take;
  }

  /** Checks the header; returns the length of its extension. */
  #header(header: Buffer): number {
    for (let k = 0; k < SIGNATURE.length; k++) {
      if (header[k] !== SIGNATURE[k])
        throw new RangeError('COPY binary: the stream does not start with the PGCOPY signature');
    }
    const flags = header.readUInt32BE(11);
    if ((flags & OIDS_FLAG) !== 0) throw new RangeError('COPY binary: the stream carries OIDs');
    if ((flags & CRITICAL_FLAGS) !== 0)
      throw new RangeError(`COPY binary: unknown critical flags ${flags & CRITICAL_FLAGS}`);
    const extension = header.readUInt32BE(15);
    if (extension > 0x7fffffff) throw new RangeError('COPY binary: the header extension length is negative');
    return extension;
  }
}
