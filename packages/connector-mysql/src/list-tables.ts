// SPDX-License-Identifier: MIT
import type { ListedTable, ListTablesOptions, StepContext } from '@osiris/runner';
import { sql } from 'kysely';
import {
  closeConnection,
  inlineParameters,
  openConnection,
  prepareSession,
  resolveConnection,
  runQuery,
} from './connection';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';
import { compileOnly } from './sql';

/**
 * `listTables` of `mysql.table`: the base tables and views of one database (the connection's when
 * none is given) with primary keys and the tables of the same database their foreign keys
 * reference, for a read of many tables (ADR 0021). Three catalog queries, whatever the table count.
 */
export async function listMysqlTables(ctx: StepContext, options: ListTablesOptions): Promise<ListedTable[]> {
  const { stepId } = ctx;
  const target = resolveConnection(stepId, ctx.connection);
  const conn = await openConnection(ctx, target);
  let ok = false;
  try {
    await prepareSession(conn);
    let schema = options.schema ?? target.database;
    if (schema === undefined) {
      const [row] = await runQuery<[string | null]>(conn, 'SELECT DATABASE()', true);
      schema = row?.[0] ?? undefined;
    }
    if (schema === undefined) {
      throw new MysqlConnectorError(
        MYSQL_ERROR_REASONS.CONFIG_INVALID,
        stepId,
        `mysql.table step '${stepId}': no database to list tables of. Set options.schema, or a database in the connection.`,
      );
    }
    const query = async <R extends unknown[]>(statement: ReturnType<typeof compileOnly>) =>
      runQuery<R>(conn, inlineParameters(statement.sql, statement.parameters), true);
    const tables = await query<[string, string]>(
      compileOnly(sql`SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ${schema} AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')
ORDER BY TABLE_NAME`),
    );
    const keys = await query<[string, string]>(
      compileOnly(sql`SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = ${schema} AND CONSTRAINT_NAME = 'PRIMARY'
ORDER BY TABLE_NAME, ORDINAL_POSITION`),
    );
    const references = await query<[string, string]>(
      compileOnly(sql`SELECT DISTINCT TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = ${schema} AND REFERENCED_TABLE_SCHEMA = ${schema} AND REFERENCED_TABLE_NAME IS NOT NULL`),
    );
    ok = true;
    const keyOf = group(keys);
    const refsOf = group(references);
    return tables.map(([name, type]) => ({
      name,
      type: type === 'VIEW' ? 'view' : 'table',
      primaryKey: keyOf.get(name) ?? [],
      references: refsOf.get(name) ?? [],
    }));
  } catch (err) {
    if (err instanceof MysqlConnectorError) throw err;
    throw new MysqlConnectorError(
      MYSQL_ERROR_REASONS.QUERY_FAILED,
      stepId,
      target.redactor.text(
        `mysql.table step '${stepId}': listing the tables failed: ${err instanceof Error ? err.message : String(err)}. Check that the user may read information_schema.`,
      ),
      { cause: err },
    );
  } finally {
    closeConnection(conn, ok);
  }
}

function group(rows: readonly [string, string][]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [table, value] of rows) {
    const list = found.get(table) ?? [];
    list.push(value);
    found.set(table, list);
  }
  return found;
}
