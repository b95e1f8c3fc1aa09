// SPDX-License-Identifier: MIT
import type {
  ColumnDescriptor,
  ColumnKind,
  DeclaredColumn,
  DeclaredIndex,
  DeclaredTable,
  DiscoveredTable,
} from '@osiris/runner';
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
  /** A constant default as its value (`0`, `new`), undefined for none or an expression (`current_timestamp()`). */
  readonly default: string | undefined;
  readonly comment: string;
}

export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

type ColumnRow = [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  unknown,
  unknown,
  unknown,
  string | null,
  string,
  string,
];

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The constant a `COLUMN_DEFAULT` stands for, or undefined for none (SQL NULL, or MariaDB's text
 * `NULL`) and for an expression. MariaDB quotes a literal (`'a''b'`) and prints an expression
 * bare (`current_timestamp()`); MySQL 8 prints both bare and marks an expression
 * `DEFAULT_GENERATED` in EXTRA. A zero date is no constant another database can hold.
 */
export function constantDefault(raw: string | null, extra: string, dataType: string): string | undefined {
  if (raw === null || raw === 'NULL' || /DEFAULT_GENERATED/i.test(extra)) return undefined;
  let value: string;
  if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) {
    value = raw
      .slice(1, -1)
      .replace(/''/g, "'")
      .replace(/\\(.)/g, (_, c: string) => (c === '0' ? '\u0000' : c));
  } else if (NUMBER.test(raw)) {
    value = raw;
  } else if (/[()]/.test(raw) || /^(current_|now|localtime|b'|x')/i.test(raw)) {
    return undefined;
  } else {
    value = raw;
  }
  const t = dataType.toLowerCase();
  if ((t === 'date' || t === 'datetime' || t === 'timestamp') && /^0000|-00/.test(value)) return undefined;
  // Spatial and bit values have no text form another database reads back.
  if (kindOf(t) === 'bytes') return undefined;
  return value;
}

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
  c.IS_NULLABLE, c.COLUMN_KEY, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.CHARACTER_MAXIMUM_LENGTH,
  c.COLUMN_DEFAULT, c.EXTRA, c.COLUMN_COMMENT
FROM information_schema.COLUMNS c
WHERE ${sql.join(conditions, sql` AND `)}
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`);
  const rows = await runQuery<ColumnRow>(conn, inlineParameters(q.sql, q.parameters), true);
  const json = rows.some((r) => r[3].toLowerCase() === 'longtext')
    ? await mariadbJsonColumns(conn, filter.schema)
    : new Set<string>();
  return rows.map(
    ([schema, table, name, dataType, columnType, isNullable, key, precision, scale, length, def, extra, comment]) => {
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
        default: constantDefault(def, extra ?? '', dataType),
        comment: comment ?? '',
      };
    },
  );
}

/** The descriptor a read announces for a column. */
export function toDescriptor(column: CatalogColumn): ColumnDescriptor {
  // Zero dates are read as NULL, so a date column may yield NULL even when declared NOT NULL.
  const zeroDates = !column.nullable && mayHoldZeroDate(column.dataType);
  const declared: DeclaredColumn = {
    ...(zeroDates ? { notNull: true } : {}),
    ...(column.default === undefined ? {} : { default: column.default }),
    ...(column.comment === '' ? {} : { comment: column.comment }),
  };
  return {
    name: column.name,
    kind: column.kind,
    nullable: column.nullable || zeroDates,
    nativeType: column.nativeType,
    ...(column.precision === null ? {} : { precision: column.precision }),
    ...(column.scale === null ? {} : { scale: column.scale }),
    ...(column.length === null ? {} : { length: column.length }),
    ...(Object.keys(declared).length === 0 ? {} : { declared }),
  };
}

type IndexRow = [string, unknown, string, unknown, string];

/**
 * The primary key and the other indexes of a table whose columns are all among `read`: what
 * `create_table` repeats in the target (ADR 0022). Prefix (`SUB_PART`), full-text and spatial
 * indexes are left out: no other database has them in that form.
 */
export async function declaredTable(
  conn: Connection,
  schema: string,
  table: string,
  read: readonly string[],
): Promise<DeclaredTable> {
  const q = compileOnly(sql`SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ${schema} AND TABLE_NAME = ${table}
ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`);
  const rows = await runQuery<IndexRow>(conn, inlineParameters(q.sql, q.parameters), true);
  const byName = new Map<string, { unique: boolean; columns: string[]; usable: boolean }>();
  for (const [name, nonUnique, column, subPart, type] of rows) {
    let index = byName.get(name);
    if (index === undefined) {
      index = { unique: Number(nonUnique) === 0, columns: [], usable: /^(BTREE|HASH)$/i.test(type) };
      byName.set(name, index);
    }
    // A NULL column is an expression (MySQL 8 functional index).
    if (column === null || subPart !== null) index.usable = false;
    else index.columns.push(column);
  }
  const wanted = new Set(read);
  const usable = (columns: readonly string[]) => columns.length > 0 && columns.every((c) => wanted.has(c));
  const primary = byName.get('PRIMARY');
  const indexes: DeclaredIndex[] = [];
  for (const [name, index] of byName) {
    if (name !== 'PRIMARY' && index.usable && usable(index.columns)) {
      indexes.push({ name, columns: index.columns, unique: index.unique });
    }
  }
  return {
    ...(primary?.usable && usable(primary.columns) ? { primaryKey: primary.columns } : {}),
    ...(indexes.length === 0 ? {} : { indexes }),
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
