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
  sql,
} from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: table and column names are only known at run time.
type AnyDB = any;

let builder: Kysely<AnyDB> | undefined;

/** A kysely instance that only compiles (Postgres dialect, no driver): SQL text plus `$n` parameters. */
function db(): Kysely<AnyDB> {
  builder ??= new Kysely<AnyDB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
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
): CompiledQuery {
  let query = db()
    .selectFrom(sql.id(schema, table).as('t'))
    .select(columns.map((c) => sql.id('t', c).as(c)));
  if (filters.length > 0) {
    query = query.where((eb) => filtersWhere(eb, filters, (column) => sql.id('t', column)));
  }
  return query.compile();
}
