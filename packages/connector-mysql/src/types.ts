// SPDX-License-Identifier: MIT
import type { ColumnKind } from '@osiris/runner';

const KINDS: Readonly<Record<string, ColumnKind>> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  integer: 'integer',
  year: 'integer',
  bigint: 'bigint',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  real: 'float',
  'double precision': 'float',
  bit: 'bytes',
  binary: 'bytes',
  varbinary: 'bytes',
  tinyblob: 'bytes',
  blob: 'bytes',
  mediumblob: 'bytes',
  longblob: 'bytes',
  date: 'date',
  datetime: 'timestamp',
  timestamp: 'timestamp',
  time: 'time',
  json: 'json',
  uuid: 'uuid',
  geometry: 'bytes',
  point: 'bytes',
  linestring: 'bytes',
  polygon: 'bytes',
  multipoint: 'bytes',
  multilinestring: 'bytes',
  multipolygon: 'bytes',
  geometrycollection: 'bytes',
  geomcollection: 'bytes',
};

const GEOMETRY = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/** Maps information_schema `DATA_TYPE` onto a logical kind; anything unknown (char, text, enum, set, inet6…) is text. */
export function kindOf(dataType: string): ColumnKind {
  return KINDS[dataType.toLowerCase()] ?? 'text';
}

/** Spatial columns are read as WKB (`ST_AsBinary`), so they travel as bytes. */
export function isGeometry(dataType: string): boolean {
  return GEOMETRY.has(dataType.toLowerCase());
}

/** Date-like kinds whose zero values (`0000-00-00`) are read as NULL. */
export function mayHoldZeroDate(dataType: string): boolean {
  const t = dataType.toLowerCase();
  return t === 'date' || t === 'datetime' || t === 'timestamp';
}

/**
 * True for a date or date-time string the server printed for a zero or
 * partly zero date (`0000-00-00`, `2024-00-10`, `2024-05-00`): no other
 * database can store it.
 */
export function isZeroDate(value: string): boolean {
  return (
    (value.charCodeAt(5) === 48 && value.charCodeAt(6) === 48) ||
    (value.charCodeAt(8) === 48 && value.charCodeAt(9) === 48)
  );
}

/** MySQL `FLOAT` is a 32-bit float, which the server prints with only 6 significant digits. */
export function isFloat32(dataType: string): boolean {
  return dataType.toLowerCase() === 'float';
}

/**
 * The shortest decimal that is the same 32-bit float as `value` (read as a
 * double, so exact): `0.10000000149011612` → `0.1`, `123456792` stays.
 */
export function shortestFloat32(value: number): number {
  const f = Math.fround(value);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return Number(f.toPrecision(9));
}
