// SPDX-License-Identifier: MIT
import type { ColumnKind, Row } from '@osiris/runner';
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

/** A value of any runtime type, written for a column of the given target category. */
function encodeAny(value: unknown, target: TargetCategory): string {
  switch (typeof value) {
    case 'string':
      return target === 'bytea' ? hexBytes(Buffer.from(value, 'utf8')) : escapeCopyText(value);
    case 'number':
      if (target === 'bool') return value === 0 ? 'f' : 't';
      return numberText(value);
    case 'boolean':
      if (target === 'number') return value ? '1' : '0';
      if (target === 'text' || target === 'json') return value ? 'true' : 'false';
      return value ? 't' : 'f';
    case 'bigint':
      if (target === 'bool') return value === 0n ? 'f' : 't';
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

/**
 * Picks the encoder of one column from its input kind and the target column's
 * type: the common case (the runtime type the kind promises) is one `typeof`
 * test; anything else goes through {@link encodeAny}.
 */
export function fieldEncoder(kind: ColumnKind, target: TargetCategory): FieldEncoder {
  const fallback: FieldEncoder = (v) => encodeAny(v, target);
  switch (kind) {
    case 'integer':
    case 'float':
      if (target === 'bool') return (v) => (typeof v === 'number' ? (v === 0 ? 'f' : 't') : fallback(v));
      return (v) => (typeof v === 'number' ? numberText(v) : fallback(v));
    case 'boolean':
      if (target === 'number') return (v) => (v === true ? '1' : v === false ? '0' : fallback(v));
      if (target === 'text' || target === 'json')
        return (v) => (v === true ? 'true' : v === false ? 'false' : fallback(v));
      return (v) => (v === true ? 't' : v === false ? 'f' : fallback(v));
    case 'bytes':
      return (v) => (Buffer.isBuffer(v) ? hexBytes(v) : fallback(v));
    case 'bigint':
    case 'decimal':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
    case 'uuid':
      // Printed by a database in a fixed format: no tab, newline or backslash to escape.
      if (target === 'bytea') return fallback;
      return (v) => (typeof v === 'string' ? v : fallback(v));
    default:
      if (target === 'bytea') return fallback;
      return (v) => (typeof v === 'string' ? escapeCopyText(v) : fallback(v));
  }
}

/** Raised for a row that cannot be encoded; the writer wraps it with the step and table. */
export class RowEncodingError extends Error {
  override readonly name = 'RowEncodingError';
}

/**
 * Encodes a batch into COPY text. With `sequenceStart`, each line ends with
 * one more column holding a running row number (the merge's row order).
 */
export function encodeBatch(
  batch: readonly Row[],
  encoders: readonly FieldEncoder[],
  columnNames: readonly string[],
  rowOffset: number,
  sequenceStart?: number,
): string {
  const n = encoders.length;
  const last = n - 1;
  const withSequence = sequenceStart !== undefined;
  let seq = sequenceStart ?? 0;
  let out = '';
  for (let r = 0; r < batch.length; r++) {
    const row = batch[r] as Row;
    if (row.length !== n) {
      throw new RowEncodingError(
        `input row ${rowOffset + r + 1} has ${row.length} values but the input declares ${n} columns`,
      );
    }
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (v === null || v === undefined) {
        out += i === last ? (withSequence ? `\\N\t${seq++}\n` : '\\N\n') : '\\N\t';
        continue;
      }
      let text: string;
      try {
        text = (encoders[i] as FieldEncoder)(v);
      } catch (err) {
        throw new RowEncodingError(
          `input row ${rowOffset + r + 1}, column '${columnNames[i]}': cannot write ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      out += i === last ? (withSequence ? `${text}\t${seq++}\n` : `${text}\n`) : `${text}\t`;
    }
  }
  return out;
}
