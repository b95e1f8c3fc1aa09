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
import type { Session } from './session';
import { compileOnly } from './sql';
import { kindOf } from './types';

/** One column of a table as pg_catalog describes it. */
export interface CatalogColumn {
  readonly name: string;
  /** `format_type()`, e.g. `numeric(12,2)`, `character varying(20)`, `text[]`. */
  readonly nativeType: string;
  /** The type name, or the base type's for a domain, also of a domain over a domain (`int4`, `jsonb`, `_text`). */
  readonly typname: string;
  readonly typeOid: number;
  readonly baseOid: number;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  /** `a` (always) or `s` (stored) for generated and identity-always columns, '' otherwise. */
  readonly generated: string;
  /**
   * Whether values of the type can travel as COPY binary into another
   * database: the type has binary send and receive functions and its binary
   * form means the same there. Not composites or arrays of a user-defined
   * type (their binary form carries this database's type OIDs), nor `reg*`
   * types (OIDs, where the text form is a name).
   */
  readonly binary: boolean;
  /** `pg_get_expr` of the column's default, or null. */
  readonly defaultExpr: string | null;
  readonly comment: string | null;
  /** The type a Postgres target can create without anything else (see `DeclaredColumn.postgresType`), or null. */
  readonly postgresType: string | null;
  /** The enum type (or the element type of an array of one) the column holds, or null. */
  readonly enumName: string | null;
}

export interface CatalogTable {
  readonly oid: number;
  /** `r` table, `p` partitioned table, `v` view, `m` materialized view, `f` foreign table. */
  readonly relkind: string;
  /** The planner's estimate of its rows (`pg_class.reltuples`); null for a view or a table never analyzed. */
  readonly approxRows: number | null;
  readonly columns: CatalogColumn[];
}

const approxRowsOf = (relkind: string, reltuples: number): number | null =>
  (relkind === 'r' || relkind === 'p' || relkind === 'm') && reltuples >= 0 ? Math.round(reltuples) : null;

/** System and Supabase-managed schemas, left out of discovery unless asked for by name. */
export const HIDDEN_SCHEMAS = [
  'pg_catalog',
  'information_schema',
  'pg_toast',
  'auth',
  'storage',
  'realtime',
  '_realtime',
  'extensions',
  'graphql',
  'graphql_public',
  'vault',
  'pgsodium',
  'pgsodium_masks',
  'supabase_functions',
  'supabase_migrations',
  '_analytics',
  'net',
  'cron',
  'pgbouncer',
  'pgtle',
  'pgmq',
];

type ColumnRow = [
  string, // schema
  string, // table
  number, // class oid
  string, // relkind
  number, // reltuples
  string | null, // attname (null: no columns)
  string, // native type
  string, // typname
  number, // type oid
  number, // base oid
  boolean, // not null
  boolean, // primary key
  string, // generated
  boolean, // binary
  string | null, // default expression
  string | null, // comment
  string | null, // portable Postgres type
  string | null, // enum name
];

function columnsQuery(filter: { schema?: string | undefined; table?: string | undefined }, hideInternal: boolean) {
  const conditions = [sql`c.relkind IN ('r', 'p', 'v', 'm', 'f')`];
  if (filter.schema !== undefined) conditions.push(sql`n.nspname = ${filter.schema}`);
  else if (hideInternal) {
    conditions.push(sql`n.nspname <> ALL (${sql.val(HIDDEN_SCHEMAS)}::text[]) AND n.nspname NOT LIKE 'pg\\_%'`);
  }
  if (filter.table !== undefined) conditions.push(sql`c.relname = ${filter.table}`);
  return compileOnly(sql`SELECT n.nspname::text, c.relname::text, c.oid, c.relkind::text, c.reltuples::float8,
  a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
  bt.typname::text, t.oid, bt.oid,
  a.attnotnull,
  COALESCE(a.attnum = ANY (pk.indkey::int2[]), false),
  CASE WHEN a.attgenerated <> '' THEN a.attgenerated::text WHEN a.attidentity = 'a' THEN 'a' ELSE '' END,
  COALESCE(bt.typsend::oid <> 0 AND bt.typreceive::oid <> 0 AND bt.typtype IN ('b', 'e', 'r', 'm')
    AND NOT (bt.oid < 16384 AND bt.typname LIKE 'reg%')
    AND (et.oid IS NULL OR (et.oid < 16384 AND et.typname NOT LIKE 'reg%')), false),
  pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
  pg_catalog.col_description(c.oid, a.attnum),
  CASE WHEN bt.oid < 16384 THEN pg_catalog.format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END)
    WHEN bt.typtype = 'e' THEN 'text' WHEN et.typtype = 'e' THEN 'text[]' END,
  CASE WHEN bt.typtype = 'e' THEN bt.typname::text WHEN et.typtype = 'e' THEN et.typname::text END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN LATERAL (
  WITH RECURSIVE up(oid, depth) AS (
    SELECT t.typbasetype, 1 WHERE t.typtype = 'd'
    UNION ALL
    SELECT d.typbasetype, up.depth + 1 FROM up JOIN pg_catalog.pg_type d ON d.oid = up.oid AND d.typtype = 'd'
  )
  SELECT up.oid FROM up ORDER BY up.depth DESC LIMIT 1
) AS base ON true
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = COALESCE(base.oid, t.oid)
LEFT JOIN pg_catalog.pg_type et ON bt.typelem <> 0 AND et.oid = bt.typelem
LEFT JOIN pg_catalog.pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
WHERE ${sql.join(conditions, sql` AND `)}
ORDER BY 1, 2, a.attnum`);
}

function toColumn(row: ColumnRow): CatalogColumn | undefined {
  const [
    ,
    ,
    ,
    ,
    ,
    name,
    nativeType,
    typname,
    typeOid,
    baseOid,
    notNull,
    primaryKey,
    generated,
    binary,
    defaultExpr,
    comment,
    postgresType,
    enumName,
  ] = row;
  if (name === null) return undefined;
  return {
    name,
    nativeType,
    typname,
    typeOid,
    baseOid,
    kind: kindOf(typname),
    nullable: !notNull,
    primaryKey,
    generated,
    binary,
    defaultExpr,
    comment,
    postgresType,
    enumName,
  };
}

/** The columns of `schema.table` in order, or undefined when no such relation exists. */
export async function loadTable(session: Session, schema: string, table: string): Promise<CatalogTable | undefined> {
  const q = columnsQuery({ schema, table }, false);
  const rows = await session.rows<ColumnRow>(q.sql, q.parameters);
  const first = rows[0];
  if (first === undefined) return undefined;
  const columns: CatalogColumn[] = [];
  for (const row of rows) {
    const column = toColumn(row);
    if (column !== undefined) columns.push(column);
  }
  return { oid: first[2], relkind: first[3], approxRows: approxRowsOf(first[3], first[4]), columns };
}

/** Column name lists of the unique, valid, immediate, non-partial indexes of a table (ON CONFLICT arbiters). */
export async function uniqueKeys(session: Session, oid: number): Promise<string[][]> {
  const rows = await session.rows<[number, string]>(
    `SELECT i.indexrelid, a.attname::text
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey::int2[]) AS k(attnum)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indimmediate
  AND i.indpred IS NULL AND i.indexprs IS NULL`,
    [oid],
  );
  const byIndex = new Map<number, string[]>();
  for (const [index, name] of rows) {
    const list = byIndex.get(index) ?? [];
    list.push(name);
    byIndex.set(index, list);
  }
  return [...byIndex.values()];
}

/** Precision and scale of `numeric(p,s)`, length of `character varying(n)`. */
export function toDescriptor(column: CatalogColumn): ColumnDescriptor {
  const args = /\((\d+)(?:,(\d+))?\)/.exec(column.nativeType);
  const extra: { precision?: number; scale?: number; length?: number } = {};
  if (args?.[1] !== undefined) {
    if (column.kind === 'decimal') {
      extra.precision = Number(args[1]);
      extra.scale = Number(args[2] ?? 0);
    } else if (column.kind === 'text' && /^(character|bit)/.test(column.nativeType)) {
      extra.length = Number(args[1]);
    }
  }
  const value = column.generated === '' ? constantDefault(column.defaultExpr) : undefined;
  const declared: DeclaredColumn = {
    ...(value === undefined ? {} : { default: value }),
    ...(column.comment === null ? {} : { comment: column.comment }),
    ...(column.postgresType === null ? {} : { postgresType: column.postgresType }),
    ...(column.enumName === null ? {} : { enum: column.enumName }),
  };
  return {
    name: column.name,
    kind: column.kind,
    nullable: column.nullable,
    nativeType: column.nativeType,
    ...extra,
    ...(Object.keys(declared).length === 0 ? {} : { declared }),
  };
}

const QUOTED = /^'((?:[^']|'')*)'(?:::[A-Za-z_][\w ."]*(?:\(\d+(?:,\d+)?\))?(?:\[\])*)?$/;
const NUMBER = /^\(?(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\)?(?:::[a-z ]+)?$/i;

/**
 * The constant a default expression (`pg_get_expr`) stands for: a literal with at most a cast
 * (`'new'::text`, `'2020-01-01'::date`, `42`, `true`); undefined for NULL and for anything
 * computed (`nextval(…)`, `now()`, `'a'::text || 'b'::text`).
 */
export function constantDefault(expr: string | null): string | undefined {
  if (expr === null) return undefined;
  const quoted = QUOTED.exec(expr);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/''/g, "'");
  const number = NUMBER.exec(expr);
  if (number?.[1] !== undefined) return number[1];
  if (expr === 'true' || expr === 'false') return expr;
  return undefined;
}

/**
 * The primary key and the plain B-tree indexes (no expression, no predicate) of a table whose
 * columns are all among `read`: what `create_table` repeats in the target (ADR 0022).
 */
export async function declaredTable(session: Session, oid: number, read: readonly string[]): Promise<DeclaredTable> {
  const rows = await session.rows<[string, boolean, boolean, string[] | string]>(
    `SELECT ic.relname::text, i.indisprimary, i.indisunique,
  ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid = $1 AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL AND am.amname = 'btree'
  AND i.indnkeyatts = i.indnatts
ORDER BY i.indisprimary DESC, ic.relname`,
    [oid],
  );
  const wanted = new Set(read);
  let primaryKey: string[] | undefined;
  const indexes: DeclaredIndex[] = [];
  for (const [name, primary, unique, raw] of rows) {
    const columns = Array.isArray(raw) ? raw : parseTextArray(raw);
    if (columns.length === 0 || !columns.every((c) => wanted.has(c))) continue;
    if (primary) primaryKey = columns;
    else indexes.push({ name, columns, unique });
  }
  return { ...(primaryKey === undefined ? {} : { primaryKey }), ...(indexes.length === 0 ? {} : { indexes }) };
}

/** `{a,"b c"}` → `['a', 'b c']`, for a client that hands a text[] over as text. */
function parseTextArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, '');
  if (inner === '') return [];
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (const m of inner.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

/** Tables, views and their columns, with primary keys and approximate row counts (`pg_class.reltuples`). */
export async function discoverTables(
  session: Session,
  filter: { schema?: string | undefined; table?: string | undefined },
): Promise<DiscoveredTable[]> {
  const q = columnsQuery(filter, true);
  const rows = await session.rows<ColumnRow>(q.sql, q.parameters);
  const tables: DiscoveredTable[] = [];
  let current:
    | { schema: string; name: string; approxRows: number | null; columns: DiscoveredTable['columns'][number][] }
    | undefined;
  for (const row of rows) {
    const [schema, name, , relkind, reltuples] = row;
    if (current === undefined || current.schema !== schema || current.name !== name) {
      current = {
        schema,
        name,
        approxRows: approxRowsOf(relkind, reltuples),
        columns: [],
      };
      tables.push(current);
    }
    const column = toColumn(row);
    if (column !== undefined) {
      current.columns.push({
        name: column.name,
        kind: column.kind,
        nativeType: column.nativeType,
        nullable: column.nullable,
        primaryKey: column.primaryKey,
      });
    }
  }
  return tables;
}
