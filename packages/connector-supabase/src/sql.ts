// SPDX-License-Identifier: MIT

import { type Filter, filtersWhere } from '@osiris/runner';
import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
  type SqlBool,
  sql,
} from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: table and column names are only known at run time.
type AnyDB = any;

/**
 * A string as a Postgres literal, as `quote_literal` writes it: quotes
 * doubled, and with backslashes an `E'…'` literal with them doubled too, so
 * that it reads the same whatever `standard_conforming_strings` says.
 */
export function quoteLiteral(text: string): string {
  const body = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** Compiles every value as a literal of unknown type, which the server resolves as it does a `$n` parameter. */
class LiteralQueryCompiler extends PostgresQueryCompiler {
  protected override appendValue(value: unknown): void {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`internal: a ${typeof value} cannot be written as a literal`);
    }
    // pg sends a number or a boolean parameter as its String() too.
    this.append(quoteLiteral(String(value)));
  }
}

let builder: Kysely<AnyDB> | undefined;
let literalBuilder: Kysely<AnyDB> | undefined;

/** A kysely instance that only compiles (Postgres dialect, no driver): SQL text plus `$n` parameters, or literals. */
function db(literals = false): Kysely<AnyDB> {
  const create = () =>
    new Kysely<AnyDB>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => (literals ? new LiteralQueryCompiler() : new PostgresQueryCompiler()),
      },
    });
  if (literals) {
    literalBuilder ??= create();
    return literalBuilder;
  }
  builder ??= create();
  return builder;
}

export function compileOnly(query: RawBuilder<unknown>): CompiledQuery {
  return query.compile(db());
}

/** A quoted, possibly qualified identifier (`"a""b"."c"`), for statements assembled with `sql`. */
export const ident = (...names: string[]) => sql.id(...names);

/**
 * `SELECT cols FROM schema.table WHERE filters`, every name a quoted
 * identifier (`sql.id`, so a dot or a quote in a name stays part of it)
 * and every filter value a bound parameter.
 */
export function compileSelect(
  schema: string,
  table: string,
  columns: readonly string[],
  filters: readonly Filter[],
  literals = false,
  /** More of the WHERE clause (an incremental read's bounds, literals only), ANDed with the filters. */
  extra?: RawBuilder<SqlBool>,
): CompiledQuery {
  let query = db(literals)
    .selectFrom(sql.id(schema, table).as('t'))
    .select(columns.map((c) => sql.id('t', c).as(c)));
  if (filters.length > 0) {
    query = query.where((eb) => filtersWhere(eb, filters, (column) => sql.id('t', column)));
  }
  if (extra !== undefined) query = query.where(extra);
  return query.compile();
}

/** `SELECT <select> FROM schema.table AS t WHERE filters AND extra`, every value a literal: one row of aggregates. */
export function compileAggregate(
  schema: string,
  table: string,
  select: RawBuilder<unknown>,
  filters: readonly Filter[],
  extra: RawBuilder<SqlBool> | undefined,
): string {
  let query = db(true).selectFrom(sql.id(schema, table).as('t')).select(select.as('a'));
  if (filters.length > 0) {
    query = query.where((eb) => filtersWhere(eb, filters, (column) => sql.id('t', column)));
  }
  if (extra !== undefined) query = query.where(extra);
  return query.compile().sql;
}

/**
 * `COPY (SELECT cols FROM schema.table WHERE filters) TO STDOUT (FORMAT binary)`:
 * COPY takes no parameters, so each filter value is a quoted literal
 * ({@link quoteLiteral}) the server reads exactly as the bound parameter of
 * {@link compileSelect}. Undefined when a value holds a NUL character, which
 * no Postgres text can (as a parameter the server refuses it with its own words).
 */
export function compileCopyOut(
  schema: string,
  table: string,
  columns: readonly string[],
  filters: readonly Filter[],
  extra?: RawBuilder<SqlBool>,
): string | undefined {
  const values = filters.flatMap((f) => (f.value === undefined ? [] : Array.isArray(f.value) ? f.value : [f.value]));
  if (values.some((v) => typeof v === 'string' && v.includes('\0'))) return undefined;
  const select = compileSelect(schema, table, columns, filters, true, extra);
  if (select.parameters.length > 0) throw new Error('internal: a COPY query with parameters');
  return `COPY (${select.sql}) TO STDOUT (FORMAT binary)`;
}
