// SPDX-License-Identifier: MIT

import { type Filter, filtersWhere } from '@osiris/runner';
import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  type RawBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import { isFloat32, isGeometry } from './types';

// biome-ignore lint/suspicious/noExplicitAny: table and column names are only known at run time.
type AnyDB = any;

let builder: Kysely<AnyDB> | undefined;

/** A kysely instance that only compiles (MySQL dialect, no driver): SQL text plus parameters. */
function db(): Kysely<AnyDB> {
  builder ??= new Kysely<AnyDB>({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new MysqlIntrospector(k),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    },
  });
  return builder;
}

export function compileOnly(query: RawBuilder<unknown>): CompiledQuery {
  return query.compile(db());
}

export interface SelectColumn {
  readonly name: string;
  readonly dataType: string;
}

/**
 * `SELECT cols FROM schema.table WHERE filters`, every name a quoted
 * identifier (`sql.id`, so a dot or a backtick in a name stays part of it)
 * and every filter value a parameter.
 */
export function compileSelect(
  schema: string,
  table: string,
  columns: readonly SelectColumn[],
  filters: readonly Filter[],
  /** More of the WHERE clause (an incremental read's bounds), ANDed with the filters. */
  extra?: RawBuilder<SqlBool>,
): CompiledQuery {
  let query = db()
    .selectFrom(sql.id(schema, table).as('t'))
    .select(
      columns.map((c) => {
        const ref = sql.id('t', c.name);
        if (isGeometry(c.dataType)) return sql`ST_AsBinary(${ref})`.as(c.name);
        // The server prints FLOAT with 6 significant digits; as a double it is exact (see shortestFloat32).
        if (isFloat32(c.dataType)) return sql`(${ref} + 0e0)`.as(c.name);
        return ref.as(c.name);
      }),
    );
  if (filters.length > 0) {
    query = query.where((eb) => filtersWhere(eb, filters, (column) => sql.id('t', column)));
  }
  if (extra !== undefined) query = query.where(extra);
  return query.compile();
}

/** `SELECT <select> FROM schema.table AS t WHERE filters AND extra`: one row of aggregates. */
export function compileAggregate(
  schema: string,
  table: string,
  select: RawBuilder<unknown>,
  filters: readonly Filter[],
  extra: RawBuilder<SqlBool> | undefined,
): CompiledQuery {
  let query = db().selectFrom(sql.id(schema, table).as('t')).select(select.as('a'));
  if (filters.length > 0) {
    query = query.where((eb) => filtersWhere(eb, filters, (column) => sql.id('t', column)));
  }
  if (extra !== undefined) query = query.where(extra);
  return query.compile();
}
