// SPDX-License-Identifier: MIT
import type { DiscoveredTable, DiscoverOptions, StepContext } from '@osiris/runner';
import { discoverTables } from './catalog';
import { closeConnection, openConnection, prepareSession, resolveConnection } from './connection';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';

/** `discover` of `mysql.table`: the connection's database (or every non-system schema when it names none). */
export async function discoverMysql(ctx: StepContext, options: DiscoverOptions): Promise<DiscoveredTable[]> {
  const target = resolveConnection(ctx.stepId, ctx.connection);
  const conn = await openConnection(ctx, target);
  let ok = false;
  try {
    await prepareSession(conn);
    const tables = await discoverTables(conn, {
      schema: options.schema ?? target.database,
      table: options.table,
    });
    ok = true;
    return tables;
  } catch (err) {
    throw new MysqlConnectorError(
      MYSQL_ERROR_REASONS.QUERY_FAILED,
      ctx.stepId,
      target.redactor.text(
        `mysql.table step '${ctx.stepId}': discovery failed: ${err instanceof Error ? err.message : String(err)}. Check that the user may read information_schema.`,
      ),
      { cause: err },
    );
  } finally {
    closeConnection(conn, ok);
  }
}
