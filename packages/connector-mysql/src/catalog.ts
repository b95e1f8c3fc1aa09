// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, ColumnKind, DiscoveredTable } from '@osiris/runner';
import { sql } from 'kysely';
import type { Connection } from 'mysql2';
import { inlineParameters, runQuery } from './connection';
import { compileOnly } from './sql';
import { kindOf, mayHoldZeroDate } from './types';

/** One column as information_schema describes it. */
export interface CatalogColumn {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly dataType: string;
  readonly nativeType: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
}

export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

type ColumnRow = [string, string, string, string, string, string, string, unknown, unknown, unknown];

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

const JSON_CHECK = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

/**
 * MariaDB stores JSON as LONGTEXT with an automatic `CHECK (json_valid(col))`;
 * this finds those columns (MySQL reports `json` itself and has no TABLE_NAME
 * in CHECK_CONSTRAINTS, so the query failing is fine).
 */
async function mariadbJsonColumns(conn: Connection, schema: string | undefined): Promise<Set<string>> {
  const found = new Set<string>();
  const where = schema === undefined ? sql`1 = 1` : sql`CONSTRAINT_SCHEMA = ${schema}`;
  const q = compileOnly(
    sql`SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE ${where} AND CHECK_CLAUSE LIKE ${'json_valid(%'}`,
  );
  let rows: [string, string, string][];
  try {
    rows = await runQuery<[string, string, string]>(conn, inlineParameters(q.sql, q.parameters), true);
  } catch {
    return found;
  }
  for (const [s, t, clause] of rows) {
    const m = JSON_CHECK.exec(clause);
    if (m?.[1] !== undefined) found.add(`${s}\u0000${t}\u0000${m[1].replace(/``/g, '`')}`);
  }
  return found;
}

/** The columns of one table (or of every table of the given schemas), in ordinal order. */
export async function loadColumns(
  conn: Connection,
  filter: { schema?: string | undefined; table?: string | undefined },
): Promise<CatalogColumn[]> {
  const conditions = [
    filter.schema === undefined
      ? sql`c.TABLE_SCHEMA NOT IN (${sql.join(SYSTEM_SCHEMAS)})`
      : sql`c.TABLE_SCHEMA = ${filter.schema}`,
  ];
  if (filter.table !== undefined) conditions.push(sql`c.TABLE_NAME = ${filter.table}`);
  const q = compileOnly(sql`SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE,
  c.IS_NULLABLE, c.COLUMN_KEY, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.CHARACTER_MAXIMUM_LENGTH
FROM information_schema.COLUMNS c
WHERE ${sql.join(conditions, sql` AND `)}
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`);
  const rows = await runQuery<ColumnRow>(conn, inlineParameters(q.sql, q.parameters), true);
  const json = rows.some((r) => r[3].toLowerCase() === 'longtext')
    ? await mariadbJsonColumns(conn, filter.schema)
    : new Set<string>();
  return rows.map(([schema, table, name, dataType, columnType, isNullable, key, precision, scale, length]) => {
    const isJson = json.has(`${schema}\u0000${table}\u0000${name}`);
    const kind = isJson ? 'json' : kindOf(dataType);
    return {
      schema,
      table,
      name,
      dataType: isJson ? 'json' : dataType.toLowerCase(),
      nativeType: isJson ? 'json' : columnType.toLowerCase(),
      kind,
      nullable: isNullable === 'YES',
      primaryKey: key === 'PRI',
      precision: kind === 'decimal' ? toNumber(precision) : null,
      scale: kind === 'decimal' ? toNumber(scale) : null,
      length: kind === 'text' || kind === 'bytes' ? toNumber(length) : null,
    };
  });
}

/** The descriptor a read announces for a column. */
export function toDescriptor(column: CatalogColumn): ColumnDescriptor {
  return {
    name: column.name,
    kind: column.kind,
    // Zero dates are read as NULL, so a date column may yield NULL even when declared NOT NULL.
    nullable: column.nullable || mayHoldZeroDate(column.dataType),
    nativeType: column.nativeType,
    ...(column.precision === null ? {} : { precision: column.precision }),
    ...(column.scale === null ? {} : { scale: column.scale }),
    ...(column.length === null ? {} : { length: column.length }),
  };
}

/** The server's estimate of a base table's rows (`TABLE_ROWS`, exact for MyISAM, sampled for InnoDB); null for a view. */
export async function approxRows(conn: Connection, schema: string, table: string): Promise<number | null> {
  const q = compileOnly(sql`SELECT TABLE_ROWS FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ${schema} AND TABLE_NAME = ${table} AND TABLE_TYPE = 'BASE TABLE'`);
  const [row] = await runQuery<[unknown]>(conn, inlineParameters(q.sql, q.parameters), true);
  return row === undefined ? null : toNumber(row[0]);
}

type TableRow = [string, string, string, unknown];

/** Tables and views with columns, primary keys and approximate row counts. */
export async function discoverTables(
  conn: Connection,
  filter: { schema?: string | undefined; table?: string | undefined },
): Promise<DiscoveredTable[]> {
  const conditions = [
    filter.schema === undefined
      ? sql`t.TABLE_SCHEMA NOT IN (${sql.join(SYSTEM_SCHEMAS)})`
      : sql`t.TABLE_SCHEMA = ${filter.schema}`,
  ];
  if (filter.table !== undefined) conditions.push(sql`t.TABLE_NAME = ${filter.table}`);
  const q = compileOnly(sql`SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_TYPE, t.TABLE_ROWS
FROM information_schema.TABLES t
WHERE ${sql.join(conditions, sql` AND `)}
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME`);
  const tables = await runQuery<TableRow>(conn, inlineParameters(q.sql, q.parameters), true);
  if (tables.length === 0) return [];
  const columns = await loadColumns(conn, filter);
  const byTable = new Map<string, CatalogColumn[]>();
  for (const c of columns) {
    const key = `${c.schema}\u0000${c.table}`;
    let list = byTable.get(key);
    if (list === undefined) {
      list = [];
      byTable.set(key, list);
    }
    list.push(c);
  }
  return tables.map(([schema, name, type, rows]) => ({
    schema,
    name,
    approxRows: type === 'BASE TABLE' ? toNumber(rows) : null,
    columns: (byTable.get(`${schema}\u0000${name}`) ?? []).map((c) => ({
      name: c.name,
      kind: c.kind,
      nativeType: c.nativeType,
      nullable: c.nullable,
      primaryKey: c.primaryKey,
    })),
  }));
}
