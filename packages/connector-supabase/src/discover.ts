// SPDX-License-Identifier: MIT
import type { DiscoveredTable, DiscoverOptions, StepContext } from '@osiris/runner';
import { discoverTables } from './catalog';
import { ClientTypes, describePgError, resolveConnection } from './connection';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import { openSession } from './session';

/**
 * `discover` of `supabase.table`: one schema when asked, otherwise every
 * schema but the system's and Supabase's own (auth, storage, realtime, …).
 */
export async function discoverSupabase(ctx: StepContext, options: DiscoverOptions): Promise<DiscoveredTable[]> {
  const target = resolveConnection(ctx.stepId, ctx.connection);
  const session = await openSession(ctx, target, new ClientTypes(), 'discovery');
  try {
    // A transaction of its own: on PGlite, the catalog as committed, not as another step's open transaction has it.
    await session.begin('BEGIN READ ONLY');
    const tables = await discoverTables(session, { schema: options.schema, table: options.table });
    await session.commit();
    return tables;
  } catch (err) {
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.QUERY_FAILED,
      ctx.stepId,
      target.redactor.text(`supabase.table step '${ctx.stepId}': discovery failed: ${describePgError(err)}`),
      { cause: err },
    );
  } finally {
    await session.close();
  }
}
