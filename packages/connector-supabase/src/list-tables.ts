// SPDX-License-Identifier: MIT
import type { ListedTable, ListTablesOptions, StepContext } from '@osiris/runner';
import { ClientTypes, describePgError, resolveConnection } from './connection';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import { openSession } from './session';

/**
 * `listTables` of `supabase.table`: the tables (partitioned ones as one table, not their partitions),
 * views and materialized views of one schema (`public` when none is given), with primary keys and
 * the tables of the same schema their foreign keys reference. A read of many tables asks its source
 * for them, and its sink for the keys among the targets, to order the loads (ADR 0021). A schema
 * that does not exist yet lists nothing.
 */
export async function listSupabaseTables(ctx: StepContext, options: ListTablesOptions): Promise<ListedTable[]> {
  const target = resolveConnection(ctx.stepId, ctx.connection);
  const schema = options.schema ?? 'public';
  const session = await openSession(ctx, target, new ClientTypes(), 'discovery');
  try {
    await session.begin('BEGIN READ ONLY');
    const rows = await session.rows<[string, string, string | null, string | null]>(
      `SELECT c.relname::text, c.relkind::text,
  (SELECT to_json(array_agg(a.attname::text ORDER BY k.ord))::text
     FROM pg_catalog.pg_index i
     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE i.indrelid = c.oid AND i.indisprimary),
  (SELECT to_json(array_agg(DISTINCT r.relname::text))::text
     FROM pg_catalog.pg_constraint f
     JOIN pg_catalog.pg_class r ON r.oid = f.confrelid
    WHERE f.conrelid = c.oid AND f.contype = 'f' AND r.relnamespace = c.relnamespace)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
ORDER BY 1`,
      [schema],
    );
    await session.commit();
    return rows.map(([name, relkind, key, references]) => ({
      name,
      type: relkind === 'v' || relkind === 'm' ? 'view' : 'table',
      // JSON text, the same from every driver (a server's and PGlite's array parsing differ).
      primaryKey: key === null ? [] : (JSON.parse(key) as string[]),
      references: references === null ? [] : (JSON.parse(references) as string[]),
    }));
  } catch (err) {
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.QUERY_FAILED,
      ctx.stepId,
      target.redactor.text(`supabase.table step '${ctx.stepId}': listing the tables failed: ${describePgError(err)}`),
      { cause: err },
    );
  } finally {
    await session.close();
  }
}
