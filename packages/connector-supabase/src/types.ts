// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, ColumnKind } from '@osiris/runner';

const KINDS: Readonly<Record<string, ColumnKind>> = {
  int2: 'integer',
  int4: 'integer',
  oid: 'integer',
  int8: 'bigint',
  numeric: 'decimal',
  float4: 'float',
  float8: 'float',
  bool: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytes',
  uuid: 'uuid',
};

/** Maps a Postgres base type name (`pg_type.typname`) onto a logical kind; everything else (text, enums, arrays, intervals, …) is text. */
export function kindOf(typname: string): ColumnKind {
  return KINDS[typname] ?? 'text';
}

/** How the COPY encoder writes a value into a target column. */
export type TargetCategory = 'bool' | 'bytea' | 'json' | 'number' | 'text' | 'time' | 'other';

const CATEGORIES: Readonly<Record<string, TargetCategory>> = {
  bool: 'bool',
  bytea: 'bytea',
  json: 'json',
  jsonb: 'json',
  int2: 'number',
  int4: 'number',
  int8: 'number',
  oid: 'number',
  numeric: 'number',
  float4: 'number',
  float8: 'number',
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  name: 'text',
  citext: 'text',
  time: 'time',
};

export function categoryOf(typname: string): TargetCategory {
  return CATEGORIES[typname] ?? 'other';
}

/** Types without an `=` operator: a merge compares them as text to skip unchanged rows. */
const NO_EQUALITY = new Set(['json', 'xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle']);

export function needsTextComparison(typname: string): boolean {
  return NO_EQUALITY.has(typname.startsWith('_') ? typname.slice(1) : typname);
}

/** `int(10) unsigned` → `{ base: 'int', args: '10', unsigned: true }` (MySQL and Postgres spellings). */
function parseNative(nativeType: string): { base: string; args: string | undefined; unsigned: boolean } {
  const t = nativeType.trim().toLowerCase();
  const m = /^([a-z][a-z0-9 _]*?)\s*(?:\(([^)]*)\))?\s*(unsigned)?\s*(zerofill)?$/.exec(t);
  if (m === null) return { base: t, args: undefined, unsigned: false };
  return { base: (m[1] ?? t).trim(), args: m[2], unsigned: m[3] !== undefined };
}

/**
 * The Postgres type `create_table` gives a column, from its logical kind and
 * its source's native type (README, "Type map"). MySQL `tinyint(1)` stays an
 * integer (`smallint`): MySQL stores any value from -128 to 127 in it, and a
 * boolean would keep only whether it is 0. MySQL `time` becomes `interval`.
 */
export function postgresTypeFor(column: ColumnDescriptor): string {
  const { base, args, unsigned } = parseNative(column.nativeType);
  switch (column.kind) {
    case 'integer':
      if (base === 'tinyint' || (base === 'smallint' && !unsigned) || base === 'int2' || base === 'year') {
        return 'smallint';
      }
      if (base === 'smallint' || base === 'mediumint' || base === 'int4' || base === 'oid') return 'integer';
      if ((base === 'int' || base === 'integer') && !unsigned) return 'integer';
      return 'bigint';
    case 'bigint':
      return unsigned ? 'numeric(20,0)' : 'bigint';
    case 'decimal':
      if (column.precision !== undefined && column.precision > 0 && column.precision <= 1000) {
        return `numeric(${column.precision},${column.scale ?? 0})`;
      }
      return 'numeric';
    case 'float':
      return base === 'float' || base === 'real' || base === 'float4' ? 'real' : 'double precision';
    case 'boolean':
      return 'boolean';
    case 'text':
      return 'text';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamp';
    case 'timestamptz':
      return 'timestamptz';
    case 'time':
      // MySQL's `time`/`time(6)` is a duration (-838:59:59 to 838:59:59); Postgres `time` holds only a time of
      // day. Postgres spells its own `time without time zone`.
      return base === 'time' && (args === undefined || /^\d+$/.test(args)) ? 'interval' : 'time';
    case 'json':
      return 'jsonb';
    case 'bytes':
      return 'bytea';
    case 'uuid':
      return 'uuid';
    default:
      return 'text';
  }
}
