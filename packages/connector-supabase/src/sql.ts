// SPDX-License-Identifier: MIT

import type { Filter } from '@osiris/runner';
import {
  type CompiledQuery,
  DummyDriver,
  type Expression,
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

const COMPARISON = {
  eq: '=',
  ne: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  like: 'like',
  in: 'in',
  not_in: 'not in',
} as const;

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
    query = query.where((eb) =>
      eb.and(
        filters.map((f): Expression<SqlBool> => {
          const ref = sql.id('t', f.column);
          switch (f.op) {
            case 'is_null':
              return eb(ref, 'is', null);
            case 'is_not_null':
              return eb(ref, 'is not', null);
            default:
              return eb(ref, COMPARISON[f.op], f.value);
          }
        }),
      ),
    );
  }
  return query.compile();
}
