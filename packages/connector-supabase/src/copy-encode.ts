// SPDX-License-Identifier: MIT
import { isUtf8 } from 'node:buffer';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { ColumnKind, Row, TextBatch } from '@osiris/runner';
import type { TargetCategory } from './types';

/**
 * COPY text format: one line per row, fields separated by tabs, `\N` for
 * NULL; a backslash, tab, newline or carriage return inside a value is
 * written as `\\`, `\t`, `\n`, `\r`. An empty string is an empty field (not
 * NULL); the text `\N` becomes `\\N` and the text `NULL` stays as it is.
 */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPE_ALL = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeChar = (c: string): string => ESCAPES[c] as string;

export function escapeCopyText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPE_ALL, escapeChar) : value;
}

/** bytea in hex form; the backslash of `\x` is itself escaped for COPY. */
function hexBytes(value: Uint8Array): string {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return `\\\\x${buf.toString('hex')}`;
}

function numberText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** 0 and 1 as a boolean; any other number would lose its value in a boolean column. */
function boolOfNumber(value: number | bigint): string {
  if (value === 0 || value === 0n) return 'f';
  if (value === 1 || value === 1n) return 't';
  throw new TypeError(
    `the number ${String(value)} as a boolean: only 0 (false) and 1 (true) can be; to keep the value, make the column an integer type (smallint)`,
  );
}

/**
 * Whether a time (`[-]HH:MM:SS[.ffffff]`, MySQL's hours up to 838) fits a
 * Postgres `time`: not negative, and under 24 hours or 24:00:00 exactly.
 * Anything else that is not a time is left to the server's parser.
 */
function isTimeOfDay(at: (k: number) => number, len: number): boolean {
  let hours = 0;
  let k = 0;
  for (; k < len; k++) {
    const d = at(k) - 48;
    if (d >>> 0 > 9) break;
    hours = hours * 10 + d;
  }
  if (k === 0) return !(len > 0 && at(0) === 45);
  if (hours !== 24) return hours < 24;
  for (; k < len; k++) {
    const c = at(k);
    if (c !== 48 && c !== 58 && c !== 46) return false;
  }
  return true;
}

/** Why a MySQL TIME that is a duration cannot go into a `time` column (Postgres would say "time zone displacement"). */
function notTimeOfDay(value: string): string {
  return `the time ${value} into a time column, which holds only times of day (00:00:00 to 24:00:00); for a duration, such as a MySQL TIME, use an interval column`;
}

function timeOfDay(value: string): string {
  if (!isTimeOfDay((k) => value.charCodeAt(k), value.length)) throw new TypeError(notTimeOfDay(value));
  return value;
}

/** A value of any runtime type, written for a column of the given target category. */
function encodeAny(value: unknown, target: TargetCategory): string {
  switch (typeof value) {
    case 'string':
      return target === 'bytea' ? hexBytes(Buffer.from(value, 'utf8')) : escapeCopyText(value);
    case 'number':
      if (target === 'bool') return boolOfNumber(value);
      return numberText(value);
    case 'boolean':
      if (target === 'number') return value ? '1' : '0';
      if (target === 'text' || target === 'json') return value ? 'true' : 'false';
      return value ? 't' : 'f';
    case 'bigint':
      if (target === 'bool') return boolOfNumber(value);
      return value.toString();
    case 'object':
      if (value instanceof Uint8Array) return hexBytes(value);
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError('an invalid Date');
        return value.toISOString();
      }
      return escapeCopyText(JSON.stringify(value));
    default:
      throw new TypeError(`a value of type ${typeof value}`);
  }
}

export type FieldEncoder = (value: unknown) => string;

/** How {@link CopyEncoder} writes a column whose value has the runtime type its kind promises. */
const AS_IS = 0; // a string printed by a database (decimal, bigint, dates, uuid): no escaping
const TEXT = 1; // a string that may hold a tab, a newline or a backslash
const NUMBER = 2; // a number, as `numberText` prints it
const ENCODER = 3; // anything else: the column's FieldEncoder, whose output is already escaped
const BYTES = 4; // a Buffer, as bytea hex (`\\x…`)
const TIME = 5; // a time into a time column: as AS_IS, once it is known to be a time of day

type Plan = 0 | 1 | 2 | 3 | 4 | 5;

function planOf(encoder: FieldEncoder): Plan {
  return (PLANS.get(encoder) ?? ENCODER) as Plan;
}

/** Which encoders {@link fieldEncoder} built for the common cases, and how to write their values directly. */
const PLANS = new WeakMap<FieldEncoder, Plan>();

/**
 * Picks the encoder of one column from its input kind and the target column's
 * type: the common case (the runtime type the kind promises) is one `typeof`
 * test; anything else goes through {@link encodeAny}.
 */
export function fieldEncoder(kind: ColumnKind, target: TargetCategory): FieldEncoder {
  const fallback: FieldEncoder = (v) => encodeAny(v, target);
  const planned = (plan: Plan, encoder: FieldEncoder): FieldEncoder => {
    PLANS.set(encoder, plan);
    return encoder;
  };
  switch (kind) {
    case 'integer':
    case 'float':
      if (target === 'bool') return (v) => (typeof v === 'number' ? boolOfNumber(v) : fallback(v));
      return planned(NUMBER, (v) => (typeof v === 'number' ? numberText(v) : fallback(v)));
    case 'boolean':
      if (target === 'number') return (v) => (v === true ? '1' : v === false ? '0' : fallback(v));
      if (target === 'text' || target === 'json')
        return (v) => (v === true ? 'true' : v === false ? 'false' : fallback(v));
      return (v) => (v === true ? 't' : v === false ? 'f' : fallback(v));
    case 'bytes':
      return planned(BYTES, (v) => (Buffer.isBuffer(v) ? hexBytes(v) : fallback(v)));
    case 'time':
      if (target === 'time') return planned(TIME, (v) => (typeof v === 'string' ? timeOfDay(v) : fallback(v)));
      if (target === 'bytea') return fallback;
      return planned(AS_IS, (v) => (typeof v === 'string' ? v : fallback(v)));
    case 'bigint':
    case 'decimal':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'uuid':
      // Printed by a database in a fixed format: no tab, newline or backslash to escape.
      if (target === 'bytea') return fallback;
      return planned(AS_IS, (v) => (typeof v === 'string' ? v : fallback(v)));
    default:
      if (target === 'bytea') return fallback;
      return planned(TEXT, (v) => (typeof v === 'string' ? escapeCopyText(v) : fallback(v)));
  }
}

/** Raised for a row that cannot be encoded; the writer wraps it with the step and table. */
export class RowEncodingError extends OsirisError {
  override readonly name = 'RowEncodingError';
  constructor(message: string) {
    super(OsirisErrorCode.Run, message);
  }
}

/** The bytes of a text batch, as a Buffer over the same memory. */
export function textBatchBytes(batch: TextBatch): Buffer {
  return Buffer.isBuffer(batch.data)
    ? batch.data
    : Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
}

/** A value of row `r` (counted from `rowOffset`) runs past the end of its batch. */
export function malformedBatch(rowOffset: number, r: number): RowEncodingError {
  return new RowEncodingError(
    `input row ${rowOffset + r + 1}: the text batch is malformed (a value runs past its end)`,
  );
}

/** The batch holds bytes after its last row. */
export function oversizedBatch(batch: TextBatch, rowOffset: number, columns: number): RowEncodingError {
  return new RowEncodingError(
    `input rows ${rowOffset + 1}–${rowOffset + batch.rowCount}: the text batch holds more than ${batch.rowCount} rows of ${columns} values`,
  );
}

/**
 * Encodes a batch into COPY text. With `sequenceStart`, each line ends with
 * one more column holding a running row number (the merge's row order).
 * The same bytes as {@link CopyEncoder}, as a string.
 */
export function encodeBatch(
  batch: readonly Row[],
  encoders: readonly FieldEncoder[],
  columnNames: readonly string[],
  rowOffset: number,
  sequenceStart?: number,
): string {
  return new CopyEncoder(encoders, columnNames).encode(batch, rowOffset, sequenceStart).toString('utf8');
}

const SMALL_INT = 0x7fffffff;
const BACKSLASH = 92;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** True when `src[start, end)` is all ASCII. */
function isAscii(src: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if ((src[k] as number) >= 0x80) return false;
  return true;
}

/** Writes the ASCII digits of an integer `v` with `|v| <= SMALL_INT`, `v` not -0. */
function writeSmallInt(buf: Buffer, at: number, value: number): number {
  let p = at;
  let v = value;
  if (v < 0) {
    buf[p++] = 45;
    v = -v;
  }
  if (v < 10) {
    buf[p++] = 48 + v;
    return p;
  }
  let digits = 0;
  for (let n = v; n > 0; n = (n / 10) | 0) digits++;
  const end = p + digits;
  for (let q = end; v > 0; ) {
    const next = (v / 10) | 0;
    buf[--q] = 48 + (v - next * 10);
    v = next;
  }
  return end;
}

/**
 * COPY text straight into bytes, with no string per field or per row: one
 * Buffer per batch, ASCII copied character by character (escaping text on
 * the way), UTF-8 written by the runtime only for strings that need it. The
 * output is byte for byte what writing {@link FieldEncoder} strings as UTF-8
 * gives; a value of an unexpected type goes through its column's encoder.
 */
export class CopyEncoder {
  readonly #encoders: readonly FieldEncoder[];
  readonly #plans: Plan[];
  readonly #names: readonly string[];
  #buf: Buffer = Buffer.allocUnsafe(0);
  #pos = 0;
  /** Bytes per row of the last batch: the next batch's buffer is sized from it. */
  #bytesPerRow = 64;

  constructor(encoders: readonly FieldEncoder[], columnNames: readonly string[]) {
    this.#encoders = encoders;
    this.#plans = encoders.map(planOf);
    this.#names = columnNames;
  }

  /**
   * The COPY text of `batch` in a new Buffer (the previous one may still wait
   * for the socket). With `sequenceStart`, each line ends with a running row number.
   */
  encode(batch: readonly Row[], rowOffset: number, sequenceStart?: number): Buffer {
    const n = this.#encoders.length;
    const plans = this.#plans;
    const encoders = this.#encoders;
    const withSequence = sequenceStart !== undefined;
    let seq = sequenceStart ?? 0;
    this.#buf = Buffer.allocUnsafe(Math.max(4096, Math.ceil(this.#bytesPerRow * 1.25 * batch.length) + 64));
    this.#pos = 0;
    let r = 0;
    let i = 0;
    try {
      for (r = 0; r < batch.length; r++) {
        const row = batch[r] as Row;
        if (row.length !== n) {
          throw new RowEncodingError(
            `input row ${rowOffset + r + 1} has ${row.length} values but the input declares ${n} columns`,
          );
        }
        for (i = 0; i < n; i++) {
          if (i > 0) this.#byte(9);
          const v = row[i];
          if (v === null || v === undefined) {
            this.#null();
            continue;
          }
          switch (plans[i]) {
            case AS_IS:
              if (typeof v === 'string') this.#string(v, false);
              else this.#string((encoders[i] as FieldEncoder)(v), false);
              break;
            case TIME:
              this.#string((encoders[i] as FieldEncoder)(v), false);
              break;
            case TEXT:
              if (typeof v === 'string') this.#string(v, true);
              else this.#string((encoders[i] as FieldEncoder)(v), false);
              break;
            case NUMBER:
              if (typeof v === 'number') this.#number(v);
              else this.#string((encoders[i] as FieldEncoder)(v), false);
              break;
            case BYTES:
              if (Buffer.isBuffer(v)) this.#hex(v, 0, v.length);
              else this.#string((encoders[i] as FieldEncoder)(v), false);
              break;
            default:
              this.#string((encoders[i] as FieldEncoder)(v), false);
          }
        }
        if (withSequence) {
          this.#byte(9);
          this.#number(seq++);
        }
        this.#byte(10);
      }
    } catch (err) {
      if (err instanceof RowEncodingError) throw err;
      throw new RowEncodingError(
        `input row ${rowOffset + r + 1}, column '${this.#names[i]}': cannot write ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const out = this.#buf.subarray(0, this.#pos);
    if (batch.length > 0) this.#bytesPerRow = Math.max(8, Math.ceil(this.#pos / batch.length));
    this.#buf = Buffer.allocUnsafe(0);
    return out;
  }

  /**
   * Whether {@link encodeText} can write columns of these kinds into target
   * columns of these base types: every column is written as it is, escaped or
   * as hex (not through its FieldEncoder), and a float only into a float8. A
   * float's text is a decimal that reads back as its double, not necessarily
   * `String(value)`: both load the same float8, but a numeric keeps the
   * decimal as it is spelled, and a float4 may round the two apart.
   */
  readsText(kinds: readonly ColumnKind[], typnames: readonly string[]): boolean {
    return (
      kinds.length === this.#plans.length &&
      this.#plans.every((plan, i) =>
        plan === NUMBER
          ? kinds[i] === 'integer' || (kinds[i] === 'float' && typnames[i] === 'float8')
          : plan === AS_IS || plan === TEXT || plan === BYTES || plan === TIME,
      )
    );
  }

  /**
   * The COPY text of a {@link TextBatch} (see {@link readsText}): byte for
   * byte what {@link encode} writes for the same rows as values, except that
   * a float keeps the source's decimal (which loads the same double).
   */
  encodeText(batch: TextBatch, rowOffset: number, sequenceStart?: number): Buffer {
    const plans = this.#plans;
    const n = plans.length;
    const src = textBatchBytes(batch);
    const srcEnd = src.length;
    const withSequence = sequenceStart !== undefined;
    let seq = sequenceStart ?? 0;
    this.#buf = Buffer.allocUnsafe(
      Math.max(4096, Math.ceil(Math.max(this.#bytesPerRow * batch.rowCount, srcEnd) * 1.25) + 64),
    );
    this.#pos = 0;
    const malformed = (r: number) => malformedBatch(rowOffset, r);
    let off = 0;
    for (let r = 0; r < batch.rowCount; r++) {
      for (let i = 0; i < n; i++) {
        if (off >= srcEnd) throw malformed(r);
        let len = src[off++] as number;
        if (len >= 0xfb) {
          if (len === 0xfb) {
            this.#reserve(3);
            if (i > 0) this.#buf[this.#pos++] = 9;
            this.#buf[this.#pos++] = BACKSLASH;
            this.#buf[this.#pos++] = 78; // N
            continue;
          }
          const size = len === 0xfc ? 2 : len === 0xfd ? 3 : len === 0xfe ? 8 : 0;
          if (size === 0 || off + size > srcEnd) throw malformed(r);
          len =
            size === 8 ? src.readUInt32LE(off) + src.readUInt32LE(off + 4) * 0x100000000 : src.readUIntLE(off, size);
          off += size;
        }
        const end = off + len;
        if (end > srcEnd) throw malformed(r);
        // Escaping at most doubles a value; hex is two bytes a byte plus `\\x`.
        this.#reserve(2 * len + 4);
        const buf = this.#buf;
        let p = this.#pos;
        if (i > 0) buf[p++] = 9;
        const plan = plans[i];
        if (plan === TIME && !isTimeOfDay((k) => src[off + k] as number, len)) {
          throw new RowEncodingError(
            `input row ${rowOffset + r + 1}, column '${this.#names[i]}': cannot write ${notTimeOfDay(src.toString('latin1', off, end))}`,
          );
        }
        if (plan === BYTES) {
          this.#pos = p;
          this.#hex(src, off, end);
        } else {
          const start = p;
          let high = 0;
          if (plan === TEXT) {
            for (let k = off; k < end; k++) {
              const c = src[k] as number;
              high |= c;
              if (c === BACKSLASH || c === 9 || c === 10 || c === 13) {
                buf[p++] = BACKSLASH;
                buf[p++] = c === BACKSLASH ? BACKSLASH : c === 9 ? 116 : c === 10 ? 110 : 114;
              } else {
                buf[p++] = c;
              }
            }
          } else if (len < 64) {
            for (let k = off; k < end; k++) {
              const c = src[k] as number;
              high |= c;
              buf[p++] = c;
            }
          } else {
            src.copy(buf, p, off, end);
            p += len;
            if (!isAscii(src, off, end)) high = 0x80;
          }
          this.#pos = p;
          if (high >= 0x80 && !isUtf8(src.subarray(off, end))) {
            // What decoding and encoding the string gives: U+FFFD for each bad sequence.
            this.#pos = start;
            const value = src.toString('utf8', off, end);
            this.#string(plan === TEXT ? escapeCopyText(value) : value, false);
          }
        }
        off = end;
      }
      this.#reserve(22);
      if (withSequence) {
        this.#buf[this.#pos++] = 9;
        this.#number(seq++);
      }
      this.#buf[this.#pos++] = 10;
    }
    if (off !== srcEnd) {
      throw oversizedBatch(batch, rowOffset, n);
    }
    const out = this.#buf.subarray(0, this.#pos);
    if (batch.rowCount > 0) this.#bytesPerRow = Math.max(8, Math.ceil(this.#pos / batch.rowCount));
    this.#buf = Buffer.allocUnsafe(0);
    return out;
  }

  /** bytea hex of `src[start, end)`: the bytes of {@link hexBytes}. */
  #hex(src: Uint8Array, start: number, end: number): void {
    this.#reserve(3 + 2 * (end - start));
    const buf = this.#buf;
    let p = this.#pos;
    buf[p++] = BACKSLASH;
    buf[p++] = BACKSLASH;
    buf[p++] = 120; // x
    for (let k = start; k < end; k++) {
      const b = src[k] as number;
      buf[p++] = HEX_DIGITS[b >> 4] as number;
      buf[p++] = HEX_DIGITS[b & 15] as number;
    }
    this.#pos = p;
  }

  /** Room for `bytes` more bytes. */
  #reserve(bytes: number): void {
    const need = this.#pos + bytes;
    if (need <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2, 4096));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }

  #byte(b: number): void {
    this.#reserve(1);
    this.#buf[this.#pos++] = b;
  }

  #null(): void {
    this.#reserve(2);
    this.#buf[this.#pos++] = BACKSLASH;
    this.#buf[this.#pos++] = 78; // N
  }

  #number(v: number): void {
    if (v <= SMALL_INT && v >= -SMALL_INT && (v | 0) === v && !(v === 0 && 1 / v < 0)) {
      this.#reserve(11);
      this.#pos = writeSmallInt(this.#buf, this.#pos, v);
    } else {
      this.#string(numberText(v), false);
    }
  }

  /**
   * Writes a string: ASCII byte by byte (with COPY escapes when `escape`),
   * and from its first non-ASCII character on, as UTF-8 through the runtime.
   */
  #string(s: string, withEscapes: boolean): void {
    const len = s.length;
    // Worst case: every character escaped (2 bytes) or a UTF-16 unit written as 3 bytes of UTF-8.
    this.#reserve(len * 3);
    const buf = this.#buf;
    let p = this.#pos;
    for (let k = 0; k < len; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) {
        const rest = s.slice(k);
        this.#pos = p + buf.write(withEscapes ? escapeCopyText(rest) : rest, p, 'utf8');
        return;
      }
      if (withEscapes && (c === BACKSLASH || c === 9 || c === 10 || c === 13)) {
        buf[p++] = BACKSLASH;
        buf[p++] = c === BACKSLASH ? BACKSLASH : c === 9 ? 116 : c === 10 ? 110 : 114;
      } else {
        buf[p++] = c;
      }
    }
    this.#pos = p;
  }
}
