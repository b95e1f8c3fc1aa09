// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { ColumnDescriptor, ColumnKind, Row } from '@osiris/runner';

/**
 * The rows of a write as the text `LOAD DATA LOCAL INFILE` reads with
 * {@link LOAD_DATA_FORMAT}: fields separated by a tab, rows ended by a
 * newline, backslash escapes, `\N` for NULL. Values are written exactly
 * (README, "Writing: value formats"); one that MySQL could not store as it is
 * (a NaN, an infinite double) is an error naming the row and column.
 */
export const LOAD_DATA_FORMAT =
  "CHARACTER SET binary FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'";

/** A value that cannot be written: the message names the row (1-based, over the whole input) and the column. */
export class ValueEncodingError extends OsirisError {
  override readonly name = 'ValueEncodingError';
  constructor(message: string) {
    super(OsirisErrorCode.Run, message);
  }
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPES = /[\\\t\n\r\0]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

function escapeText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPES, (c) => ESCAPED[c] as string) : s;
}

/** Bytes with the five special bytes escaped (a copy only when one occurs). */
function escapeBytes(b: Uint8Array): Uint8Array {
  let specials = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0x5c || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x00) specials++;
  }
  if (specials === 0) return b;
  const out = Buffer.allocUnsafe(b.length + specials);
  let j = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0x5c || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x00) {
      out[j++] = 0x5c;
      out[j++] = c === 0x09 ? 0x74 : c === 0x0a ? 0x6e : c === 0x0d ? 0x72 : c === 0x00 ? 0x30 : 0x5c;
    } else {
      out[j++] = c;
    }
  }
  return out;
}

const ZONED = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d{1,9})?\s*(Z|[+-]\d\d(?::?\d\d)?(?::?\d\d)?)$/i;

/**
 * A `timestamptz` value (ISO 8601 with an offset, as Postgres prints it in UTC: `2024-05-01 10:00:00.5+00`)
 * as the UTC date-time MySQL's DATETIME takes (`2024-05-01 10:00:00.5`), keeping every fractional digit.
 */
export function utcDateTime(value: string): string {
  const m = ZONED.exec(value);
  if (m === null) return value; // no offset: already a date-time (the server checks it)
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  let offsetSeconds = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(/:/g, '');
    offsetSeconds =
      (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60 + Number(digits.slice(4, 6) || '0')) *
      (zone[0] === '-' ? -1 : 1);
  }
  const base = `${y}-${mo}-${d} ${h}:${mi}:${s}`;
  if (offsetSeconds === 0) return base + frac;
  const t = new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetSeconds * 1000,
  );
  if (Number(y) < 100) t.setUTCFullYear(t.getUTCFullYear()); // Date.UTC maps years 0–99 onto 1900–1999
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.getUTCFullYear(), 4)}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}${frac}`;
}

type FieldWriter = (value: unknown, row: number) => string | Uint8Array;

function fieldWriter(column: ColumnDescriptor): FieldWriter {
  const fail = (row: number, what: string) => new ValueEncodingError(`row ${row}, column '${column.name}': ${what}`);
  const generic = (v: unknown, row: number): string | Uint8Array => {
    if (typeof v === 'string') return escapeText(v);
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (v instanceof Uint8Array) return escapeBytes(v);
    throw fail(row, `a ${typeof v} is not a value of a ${column.kind} column`);
  };
  const kind: ColumnKind = column.kind;
  switch (kind) {
    case 'float':
      return (v, row) => {
        if (typeof v !== 'number') return generic(v, row);
        if (!Number.isFinite(v)) {
          throw fail(
            row,
            `${v} cannot be stored: MySQL has no NaN or infinite doubles (leave such rows out in the source)`,
          );
        }
        return Object.is(v, -0) ? '-0' : String(v);
      };
    case 'boolean':
      return (v, row) => (typeof v === 'boolean' ? (v ? '1' : '0') : generic(v, row));
    case 'timestamptz':
      return (v, row) => (typeof v === 'string' ? utcDateTime(v) : generic(v, row));
    case 'bytes':
      return (v, row) => (v instanceof Uint8Array ? escapeBytes(v) : generic(v, row));
    default:
      return generic;
  }
}

/** Encodes row batches into LOAD DATA text; one instance per load (it counts rows). */
export class LoadDataEncoder {
  readonly #writers: readonly FieldWriter[];
  #rows = 0;

  constructor(columns: readonly ColumnDescriptor[]) {
    this.#writers = columns.map(fieldWriter);
  }

  /** Rows encoded so far. */
  get rows(): number {
    return this.#rows;
  }

  /** One batch as bytes. */
  encode(batch: readonly Row[]): Buffer {
    const parts: Buffer[] = [];
    let text = '';
    const writers = this.#writers;
    for (const row of batch) {
      const n = ++this.#rows;
      if (!Array.isArray(row) || row.length !== writers.length) {
        throw new ValueEncodingError(
          `row ${n}: expected ${writers.length} values, got ${Array.isArray(row) ? row.length : typeof row}`,
        );
      }
      for (let i = 0; i < writers.length; i++) {
        if (i > 0) text += '\t';
        const v = row[i];
        if (v === null || v === undefined) {
          text += '\\N';
          continue;
        }
        const field = (writers[i] as FieldWriter)(v, n);
        if (typeof field === 'string') {
          text += field;
        } else {
          parts.push(Buffer.from(text, 'utf8'), Buffer.from(field.buffer, field.byteOffset, field.byteLength));
          text = '';
        }
      }
      text += '\n';
    }
    if (parts.length === 0) return Buffer.from(text, 'utf8');
    parts.push(Buffer.from(text, 'utf8'));
    return Buffer.concat(parts);
  }
}
