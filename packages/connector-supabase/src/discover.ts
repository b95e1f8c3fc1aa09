// SPDX-License-Identifier: MIT
import type { DiscoveredTable, DiscoverOptions, StepContext } from '@osiris/runner';
import { discoverTables } from './catalog';
import { ClientTypes, closeClient, describePgError, openClient, resolveConnection, scrub } from './connection';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';

/**
 * `discover` of `supabase.table`: one schema when asked, otherwise every
 * schema but the system's and Supabase's own (auth, storage, realtime, …).
 */
export async function discoverSupabase(ctx: StepContext, options: DiscoverOptions): Promise<DiscoveredTable[]> {
  const target = resolveConnection(ctx.stepId, ctx.connection);
  const client = await openClient(ctx, target, new ClientTypes(), 'discovery');
  try {
    return await discoverTables(client, { schema: options.schema, table: options.table });
  } catch (err) {
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.QUERY_FAILED,
      ctx.stepId,
      scrub(`supabase.table step '${ctx.stepId}': discovery failed: ${describePgError(err)}`, target.secrets),
      { cause: err },
    );
  } finally {
    await closeClient(client);
  }
}
