// SPDX-License-Identifier: MIT
import { isUtf8 } from 'node:buffer';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { ColumnKind, TextBatch } from '@osiris/runner';
import { malformedBatch, oversizedBatch, RowEncodingError, textBatchBytes } from './copy-encode';

/**
 * COPY binary format, written straight from {@link TextBatch}es. Postgres
 * takes binary rows with less work than text (no escapes to scan, no
 * number or date parsing: about a quarter less server time for a typical
 * table), and the server is what limits a bulk load. Each value is written
 * in the binary form of its target column's type (the type's `recv`
 * function, which still applies the column's typmod and domain checks), so
 * only pairs of input kind and target type listed in {@link writerFor} take
 * this path; a load with any other pair stays on COPY text.
 *
 * Stream layout: a header, then per row a 16-bit field count and per field a
 * 32-bit length (-1 for NULL) and that many bytes, then a 16-bit -1.
 */

/** How a value is written. */
const INT2 = 0;
const INT4 = 1;
const INT8 = 2;
const NUMERIC = 3;
/** UTF-8 text as it is (text, varchar, bpchar, json), invalid sequences replaced as COPY text would. */
const TEXT = 4;
/** jsonb: a version byte, then the text. */
const JSONB = 5;
/** bytea: the bytes as they are. */
const BYTES = 6;
const DATE = 7;
/** timestamp and timestamptz (naive input is UTC, as the writer's session says): microseconds since 2000. */
const TIMESTAMP = 8;
const UUID = 9;
/** float8 from a decimal: the IEEE 754 bits of the double it stands for. */
const FLOAT8 = 10;

type Writer = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar']);

/** The writer for an input kind loaded into a column of base type `typname`, or undefined to use COPY text. */
function writerFor(kind: ColumnKind, typname: string): Writer | undefined {
  switch (kind) {
    case 'integer':
    case 'bigint':
      if (typname === 'int2') return INT2;
      if (typname === 'int4') return INT4;
      if (typname === 'int8') return INT8;
      return typname === 'numeric' ? NUMERIC : undefined;
    case 'decimal':
      return typname === 'numeric' ? NUMERIC : undefined;
    case 'text':
    case 'json':
      if (TEXT_TYPES.has(typname) || typname === 'json') return TEXT;
      return typname === 'jsonb' ? JSONB : undefined;
    case 'uuid':
      if (TEXT_TYPES.has(typname)) return TEXT;
      return typname === 'uuid' ? UUID : undefined;
    case 'bytes':
      return typname === 'bytea' ? BYTES : undefined;
    case 'date':
      if (typname === 'date') return DATE;
      return typname === 'timestamp' || typname === 'timestamptz' ? TIMESTAMP : undefined;
    case 'timestamp':
      return typname === 'timestamp' || typname === 'timestamptz' ? TIMESTAMP : undefined;
    case 'float':
      // Not float4: Postgres rounds a decimal straight to 32 bits, through a double it could round twice.
      return typname === 'float8' ? FLOAT8 : undefined;
    default:
      return undefined;
  }
}

const TYPE_NAMES: Readonly<Record<Writer, string>> = {
  [INT2]: 'smallint',
  [INT4]: 'integer',
  [INT8]: 'bigint',
  [NUMERIC]: 'numeric',
  [TEXT]: 'text',
  [JSONB]: 'jsonb',
  [BYTES]: 'bytea',
  [DATE]: 'date',
  [TIMESTAMP]: 'timestamp',
  [UUID]: 'uuid',
  [FLOAT8]: 'double precision',
};

const HEADER = Buffer.from([
  // PGCOPY\n\377\r\n\0, flags (no OIDs), header extension length
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
const TRAILER = Buffer.from([0xff, 0xff]);

const TWO_32 = 0x100000000;
const TWO_26 = 0x4000000;
/** Days from 1970-01-01 to 2000-01-01, Postgres's epoch. */
const PG_EPOCH_DAYS = 10957;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (any year). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** A value the target type cannot take; the encoder adds the row and the column. */
class ValueError extends OsirisError {
  override readonly name = 'ValueError';
  constructor(message: string) {
    super(OsirisErrorCode.Run, message);
  }
}

function invalid(writer: Writer, src: Buffer, off: number, end: number): ValueError {
  return new ValueError(`invalid input syntax for type ${TYPE_NAMES[writer]}: "${src.toString('utf8', off, end)}"`);
}

function outOfRange(writer: Writer, src: Buffer, off: number, end: number): ValueError {
  return new ValueError(`value "${src.toString('utf8', off, end)}" is out of range for type ${TYPE_NAMES[writer]}`);
}

/** Big-endian 32 bits of `v` (signed or unsigned); typed-array stores keep the low 8 bits of each. */
function put32(buf: Buffer, pos: number, v: number): void {
  buf[pos] = v >>> 24;
  buf[pos + 1] = v >>> 16;
  buf[pos + 2] = v >>> 8;
  buf[pos + 3] = v;
}

function put16(buf: Buffer, pos: number, v: number): void {
  buf[pos] = v >>> 8;
  buf[pos + 1] = v;
}

/** An int8 field (length and value) from a safe integer; returns the position after it. */
export function putInt8Field(buf: Buffer, pos: number, v: number): number {
  const high = (v | 0) === v ? (v < 0 ? -1 : 0) : Math.floor(v / TWO_32);
  put32(buf, pos, 8);
  put32(buf, pos + 4, high);
  put32(buf, pos + 8, v - high * TWO_32);
  return pos + 12;
}

/** The two decimal digits at `at`, or -1. */
function twoDigits(src: Buffer, at: number): number {
  const a = (src[at] as number) - 48;
  const b = (src[at + 1] as number) - 48;
  return a >>> 0 > 9 || b >>> 0 > 9 ? -1 : a * 10 + b;
}

/** A decimal integer (`-` first when negative) as int2, int4 or int8; out of range is an error, as with COPY text. */
function putInteger(writer: Writer, buf: Buffer, pos: number, src: Buffer, off: number, end: number): number {
  let p = off;
  const sign = src[p];
  if (sign === 45 || sign === 43) p++;
  if (p === end || end - p > 20) throw invalid(writer, src, off, end);
  let v = 0;
  for (; p < end; p++) {
    const d = (src[p] as number) - 48;
    if (d >>> 0 > 9) throw invalid(writer, src, off, end);
    v = v * 10 + d;
  }
  if (sign === 45) v = -v;
  if (writer === INT4) {
    if (v > 0x7fffffff || v < -0x80000000) throw outOfRange(writer, src, off, end);
    put32(buf, pos, 4);
    put32(buf, pos + 4, v);
    return pos + 8;
  }
  if (writer === INT8) {
    if (Number.isSafeInteger(v)) return putInt8Field(buf, pos, v);
    // Beyond 2^53 a double is not exact: redo it with BigInt.
    const big = BigInt(src.toString('latin1', off, end));
    if (big > 0x7fffffffffffffffn || big < -0x8000000000000000n) throw outOfRange(writer, src, off, end);
    put32(buf, pos, 8);
    buf.writeBigInt64BE(big, pos + 4);
    return pos + 12;
  }
  if (v > 0x7fff || v < -0x8000) throw outOfRange(writer, src, off, end);
  put32(buf, pos, 2);
  put16(buf, pos + 4, v);
  return pos + 6;
}

/** Base-10000 digits of the numeric being written (grown for longer values). */
let groups = new Uint16Array(32);

/**
 * A decimal (`-12.50`) as numeric: 16-bit digit count, weight (of the first
 * base-10000 digit), sign and display scale, then the base-10000 digits,
 * grouped from the decimal point, without leading or trailing zero groups.
 * Needs at most 12 + len / 2 + 4 bytes.
 */
function putNumeric(buf: Buffer, pos: number, src: Buffer, off: number, end: number): number {
  return putShortNumeric(buf, pos, src, off, end) ?? putAnyNumeric(buf, pos, src, off, end);
}

/**
 * {@link putNumeric} for the common case, in one pass: at most 15 integer
 * digits and 12 decimals, so that both parts and the fraction padded to
 * whole groups are exact doubles. Undefined for anything else.
 */
function putShortNumeric(buf: Buffer, pos: number, src: Buffer, off: number, end: number): number | undefined {
  let p = off;
  const sign = src[p];
  if (sign === 45 || sign === 43) p++;
  let whole = 0;
  let significant = 0;
  let seen = 0;
  for (; p < end; p++) {
    const d = (src[p] as number) - 48;
    if (d >>> 0 > 9) break;
    whole = whole * 10 + d;
    if (whole > 0) significant++;
    seen++;
  }
  let fraction = 0;
  let scale = 0;
  if (p < end) {
    if (src[p] !== 46) return undefined;
    for (p++; p < end; p++) {
      const d = (src[p] as number) - 48;
      if (d >>> 0 > 9) return undefined;
      fraction = fraction * 10 + d;
      scale++;
      seen++;
    }
  }
  if (seen === 0 || significant > 15 || scale > 12) return undefined;
  // Whole groups go below index 8, least significant last; fraction groups from index 8 on.
  let wholeGroups = 0;
  for (let n = whole; n > 0; wholeGroups++) {
    const g = n % 10000;
    n = (n - g) / 10000;
    groups[7 - wholeGroups] = g;
  }
  const fractionGroups = (scale + 3) >> 2;
  let padded = fraction * (scale % 4 === 0 ? 1 : scale % 4 === 1 ? 1000 : scale % 4 === 2 ? 100 : 10);
  for (let k = fractionGroups - 1; k >= 0; k--) {
    const g = padded % 10000;
    padded = (padded - g) / 10000;
    groups[8 + k] = g;
  }
  return putGroups(buf, pos, 8 - wholeGroups, 8 + fractionGroups, wholeGroups - 1, sign === 45, scale);
}

/** {@link putNumeric} for any length. */
function putAnyNumeric(buf: Buffer, pos: number, src: Buffer, off: number, end: number): number {
  let p = off;
  const sign = src[p];
  if (sign === 45 || sign === 43) p++;
  let dot = -1;
  for (let k = p; k < end; k++) {
    const c = src[k] as number;
    if (c - 48 > 9 || c < 48) {
      if (c === 46 && dot < 0) dot = k;
      else throw invalid(NUMERIC, src, off, end);
    }
  }
  const intEnd = dot < 0 ? end : dot;
  const fracStart = dot < 0 ? end : dot + 1;
  if (intEnd === p && fracStart === end) throw invalid(NUMERIC, src, off, end);
  while (p < intEnd && src[p] === 48) p++;
  const intDigits = intEnd - p;
  const scale = end - fracStart;
  if (scale > 0x3fff) throw invalid(NUMERIC, src, off, end);
  if (groups.length < (intDigits + scale) / 4 + 2)
    groups = new Uint16Array(groups.length * 2 + (intDigits + scale) / 4);
  let count = 0;
  // Integer part: the first group takes what is left over from groups of four.
  let group = 0;
  let inGroup = intDigits % 4 || 4;
  for (let k = p; k < intEnd; k++) {
    group = group * 10 + (src[k] as number) - 48;
    if (--inGroup === 0) {
      groups[count++] = group;
      group = 0;
      inGroup = 4;
    }
  }
  const weight = count - 1;
  // Fraction: groups of four from the point, the last one padded with zeros.
  group = 0;
  inGroup = 4;
  for (let k = fracStart; k < end; k++) {
    group = group * 10 + (src[k] as number) - 48;
    if (--inGroup === 0) {
      groups[count++] = group;
      group = 0;
      inGroup = 4;
    }
  }
  if (inGroup < 4) groups[count++] = group * (inGroup === 1 ? 10 : inGroup === 2 ? 100 : 1000);
  return putGroups(buf, pos, 0, count, weight, sign === 45, scale);
}

/**
 * Writes the numeric whose base-10000 digits are `groups[from, to)`, the
 * first of weight `weight`: leading and trailing zero groups are dropped
 * (and zero is positive, as Postgres keeps it).
 */
function putGroups(
  buf: Buffer,
  pos: number,
  from: number,
  to: number,
  weightOfFirst: number,
  negative: boolean,
  scale: number,
): number {
  let first = from;
  let weight = weightOfFirst;
  while (first < to && groups[first] === 0) {
    first++;
    weight--;
  }
  let last = to;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = last - first;
  put32(buf, pos, 8 + 2 * digits);
  put16(buf, pos + 4, digits);
  put16(buf, pos + 6, digits === 0 ? 0 : weight);
  put16(buf, pos + 8, negative && digits > 0 ? 0x4000 : 0);
  put16(buf, pos + 10, scale);
  let q = pos + 12;
  for (let k = first; k < last; k++) {
    put16(buf, q, groups[k] as number);
    q += 2;
  }
  return q;
}

/**
 * `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS[.ffffff]` (as MySQL prints them) as a
 * date (days since 2000-01-01) or a timestamp (microseconds since then).
 * Impossible dates and times are errors, as they are to Postgres's parser.
 */
function putDateTime(writer: Writer, buf: Buffer, pos: number, src: Buffer, off: number, end: number): number {
  const len = end - off;
  if (len < 10 || src[off + 4] !== 45 || src[off + 7] !== 45) throw invalid(writer, src, off, end);
  const century = twoDigits(src, off);
  const yy = twoDigits(src, off + 2);
  const month = twoDigits(src, off + 5);
  const day = twoDigits(src, off + 8);
  if (century < 0 || yy < 0 || month < 0 || day < 0) throw invalid(writer, src, off, end);
  const year = century * 100 + yy;
  if (
    year === 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    (day > (DAYS_IN_MONTH[month - 1] as number) && !(month === 2 && day === 29 && isLeap(year)))
  ) {
    throw outOfRange(writer, src, off, end);
  }
  const days = daysFromCivil(year, month, day) - PG_EPOCH_DAYS;
  if (writer === DATE) {
    if (len !== 10) throw invalid(writer, src, off, end);
    put32(buf, pos, 4);
    put32(buf, pos + 4, days);
    return pos + 8;
  }
  let seconds = 0;
  let micros = 0;
  if (len > 10) {
    if (len < 19 || src[off + 10] !== 32 || src[off + 13] !== 58 || src[off + 16] !== 58) {
      throw invalid(writer, src, off, end);
    }
    const hour = twoDigits(src, off + 11);
    const minute = twoDigits(src, off + 14);
    const second = twoDigits(src, off + 17);
    if (hour < 0 || minute < 0 || second < 0) throw invalid(writer, src, off, end);
    if (hour > 23 || minute > 59 || second > 59) throw outOfRange(writer, src, off, end);
    seconds = hour * 3600 + minute * 60 + second;
    if (len > 19) {
      if (src[off + 19] !== 46 || len === 20 || len > 26) throw invalid(writer, src, off, end);
      for (let k = off + 20; k < off + 26; k++) {
        const d = k < end ? (src[k] as number) - 48 : 0;
        if (d >>> 0 > 9) throw invalid(writer, src, off, end);
        micros = micros * 10 + d;
      }
    }
  }
  // days * 86400 s * 10^6 µs overflows a double's 53 bits far from 2000: split 10^6 = 15625 * 2^6,
  // keep whole seconds times 15625 exact, and carry into the two 32-bit words by hand.
  const units = (days * 86400 + seconds) * 15625;
  let high = Math.floor(units / TWO_26);
  let low = (units - high * TWO_26) * 64 + micros;
  if (low >= TWO_32) {
    low -= TWO_32;
    high++;
  }
  put32(buf, pos, 8);
  put32(buf, pos + 4, high);
  put32(buf, pos + 8, low);
  return pos + 12;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** A UUID in hex, with or without hyphens or braces, as its 16 bytes. */
function putUuid(buf: Buffer, pos: number, src: Buffer, off: number, end: number): number {
  let start = off;
  let stop = end;
  if (src[start] === 123 && src[stop - 1] === 125) {
    start++;
    stop--;
  }
  let p = pos + 4;
  let nibble = -1;
  let count = 0;
  for (let k = start; k < stop; k++) {
    const c = src[k] as number;
    if (c === 45) continue;
    const v = hexValue(c);
    if (v < 0 || count === 32) throw invalid(UUID, src, off, end);
    count++;
    if (nibble < 0) nibble = v;
    else {
      buf[p++] = (nibble << 4) | v;
      nibble = -1;
    }
  }
  if (count !== 32) throw invalid(UUID, src, off, end);
  put32(buf, pos, 16);
  return p;
}

/** Whether `src[off, end)` is a decimal: `[+-]digits[.digits][(e|E)[+-]digits]`, digits on at least one side of the point. */
function isDecimal(src: Buffer, off: number, end: number): boolean {
  let p = off;
  if (src[p] === 45 || src[p] === 43) p++;
  let digits = 0;
  for (; p < end && (src[p] as number) - 48 >= 0 && (src[p] as number) - 48 <= 9; p++) digits++;
  if (p < end && src[p] === 46) {
    for (p++; p < end && (src[p] as number) - 48 >= 0 && (src[p] as number) - 48 <= 9; p++) digits++;
  }
  if (digits === 0) return false;
  if (p < end && (src[p] === 101 || src[p] === 69)) {
    p++;
    if (p < end && (src[p] === 45 || src[p] === 43)) p++;
    const start = p;
    for (; p < end && (src[p] as number) - 48 >= 0 && (src[p] as number) - 48 <= 9; p++);
    if (p === start) return false;
  }
  return p === end;
}

/**
 * A decimal (or `NaN`, `Infinity`, `-Infinity`) as float8: `Number` rounds
 * correctly, as Postgres's parser does, so the bits are those the text would
 * load. A finite decimal that overflows, or underflows to zero, is out of
 * range, as it is to Postgres.
 */
function putFloat8(buf: Buffer, pos: number, src: Buffer, off: number, end: number): number {
  const text = src.toString('latin1', off, end);
  const value = Number(text);
  if (!isDecimal(src, off, end)) {
    if (text !== 'NaN' && text !== 'Infinity' && text !== '-Infinity') throw invalid(FLOAT8, src, off, end);
  } else if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(text.split(/[eE]/)[0] as string))) {
    throw new ValueError(`"${text}" is out of range for type double precision`);
  }
  put32(buf, pos, 8);
  buf.writeDoubleBE(value, pos + 4);
  return pos + 12;
}

/**
 * Whether a load of these input kinds into these target base types can go
 * as COPY binary; the plan for {@link BinaryCopyEncoder} when it can.
 */
export function binaryCopyPlan(
  kinds: readonly ColumnKind[],
  typnames: readonly string[],
): readonly Writer[] | undefined {
  if (kinds.length !== typnames.length) return undefined;
  const plan: Writer[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const writer = writerFor(kinds[i] as ColumnKind, typnames[i] as string);
    if (writer === undefined) return undefined;
    plan.push(writer);
  }
  return plan;
}

/**
 * Encodes text batches as COPY binary. The first chunk starts with the
 * header; {@link trailer} ends the stream. The table it loads holds exactly
 * what the same rows sent as COPY text would give.
 */
export class BinaryCopyEncoder {
  readonly #plan: readonly Writer[];
  readonly #names: readonly string[];
  #headerSent = false;
  #bytesPerRow = 64;

  constructor(plan: readonly Writer[], columnNames: readonly string[]) {
    this.#plan = plan;
    this.#names = columnNames;
  }

  /** The end of the stream (with the header when no rows came). */
  trailer(): Buffer {
    return this.#headerSent ? TRAILER : Buffer.concat([HEADER, TRAILER]);
  }

  /** The rows of `batch` as COPY binary; with `sequenceStart`, each row ends with a running row number (int8). */
  encodeText(batch: TextBatch, rowOffset: number, sequenceStart?: number): Buffer {
    const plan = this.#plan;
    const n = plan.length;
    const src = textBatchBytes(batch);
    const srcEnd = src.length;
    const withSequence = sequenceStart !== undefined;
    const fields = withSequence ? n + 1 : n;
    let seq = sequenceStart ?? 0;
    let buf = Buffer.allocUnsafe(
      Math.max(4096, Math.ceil(Math.max(this.#bytesPerRow * batch.rowCount, srcEnd * 1.5) * 1.1) + 64),
    );
    let pos = 0;
    if (!this.#headerSent) {
      HEADER.copy(buf, 0);
      pos = HEADER.length;
      this.#headerSent = true;
    }
    /** Room for `bytes` more bytes after `pos`. */
    const reserve = (bytes: number) => {
      if (pos + bytes <= buf.length) return;
      const grown = Buffer.allocUnsafe(Math.max(pos + bytes, buf.length * 2));
      buf.copy(grown, 0, 0, pos);
      buf = grown;
    };
    const malformed = (r: number) => malformedBatch(rowOffset, r);
    let off = 0;
    let r = 0;
    let i = 0;
    try {
      for (r = 0; r < batch.rowCount; r++) {
        if (pos + 14 > buf.length) reserve(14);
        put16(buf, pos, fields);
        pos += 2;
        for (i = 0; i < n; i++) {
          if (off >= srcEnd) throw malformed(r);
          let len = src[off++] as number;
          if (len >= 0xfb) {
            if (len === 0xfb) {
              if (pos + 4 > buf.length) reserve(4);
              put32(buf, pos, -1);
              pos += 4;
              continue;
            }
            const size = len === 0xfc ? 2 : len === 0xfd ? 3 : len === 0xfe ? 8 : 0;
            if (size === 0 || off + size > srcEnd) throw malformed(r);
            len = size === 8 ? src.readUInt32LE(off) + src.readUInt32LE(off + 4) * TWO_32 : src.readUIntLE(off, size);
            off += size;
          }
          const end = off + len;
          if (end > srcEnd) throw malformed(r);
          // The longest any writer makes of `len` bytes: a numeric's header and padding, or a jsonb's version byte.
          if (pos + len + 24 > buf.length) reserve(len + 24);
          switch (plan[i]) {
            case TEXT:
            case JSONB: {
              const start = pos;
              let p = pos + 4;
              if (plan[i] === JSONB) buf[p++] = 1;
              let high = 0;
              if (len < 64) {
                for (let k = off; k < end; k++) {
                  const c = src[k] as number;
                  high |= c;
                  buf[p++] = c;
                }
              } else {
                src.copy(buf, p, off, end);
                p += len;
                for (let k = off; k < end && high < 0x80; k++) high |= src[k] as number;
              }
              if (high >= 0x80 && !isUtf8(src.subarray(off, end))) {
                // What decoding the bytes into a string gives (U+FFFD for each bad sequence), as COPY text writes.
                const fixed = Buffer.from(src.toString('utf8', off, end), 'utf8');
                pos = start;
                reserve(fixed.length + 5);
                p = pos + 4;
                if (plan[i] === JSONB) buf[p++] = 1;
                fixed.copy(buf, p);
                p += fixed.length;
              }
              put32(buf, start, p - start - 4);
              pos = p;
              break;
            }
            case BYTES:
              put32(buf, pos, len);
              src.copy(buf, pos + 4, off, end);
              pos += 4 + len;
              break;
            case NUMERIC:
              pos = putNumeric(buf, pos, src, off, end);
              break;
            case DATE:
            case TIMESTAMP:
              pos = putDateTime(plan[i] as Writer, buf, pos, src, off, end);
              break;
            case UUID:
              pos = putUuid(buf, pos, src, off, end);
              break;
            case FLOAT8:
              pos = putFloat8(buf, pos, src, off, end);
              break;
            default:
              pos = putInteger(plan[i] as Writer, buf, pos, src, off, end);
          }
          off = end;
        }
        if (withSequence) pos = putInt8Field(buf, pos, seq++);
      }
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      throw new RowEncodingError(`input row ${rowOffset + r + 1}, column '${this.#names[i]}': ${err.message}`);
    }
    if (off !== srcEnd) {
      throw oversizedBatch(batch, rowOffset, n);
    }
    if (batch.rowCount > 0) this.#bytesPerRow = Math.max(8, Math.ceil(pos / batch.rowCount));
    return buf.subarray(0, pos);
  }
}
