// SPDX-License-Identifier: MIT
import type { Connector } from '@osiris/runner';
import { discoverSupabase } from './discover';
import { listSupabaseTables } from './list-tables';
import { readQuery } from './query';
import { readTable } from './read';
import { listState, readState, resetState } from './state';
import { isTransientPostgresError } from './transient';
import { writeTable } from './write';

const EMBEDDED = /^pglite:\/\//i;

/**
 * The `supabase.table` component: streams a Postgres table out through a
 * cursor, loads rows in with COPY (append, or merge by key through a staging
 * table) in one transaction, and discovers tables and columns. Works through
 * Supabase's transaction pooler. Between two Postgres servers whose columns
 * have the same types, a read's `COPY … TO` output goes straight into the
 * write's `COPY … FROM` (`in_memory_move`, ADR 0013).
 *
 * @example
 * const result = await supabaseTableConnector.write!(ctx, { table: 'orders', write_mode: 'merge', merge_keys: ['id'] }, stream);
 * console.log(result.rowsWritten, result.inserted, result.updated);
 */
export const supabaseTableConnector: Connector = {
  type: 'supabase.table',
  modes: ['read', 'write'],
  capabilities: ['discovery', 'in_memory_move'],
  urlSchemes: ['postgres', 'postgresql', 'pglite'],
  sandbox: (connection) =>
    EMBEDDED.test(connection.url ?? '')
      ? 'the connection is an embedded database (pglite://) on this machine, which a sandbox cannot reach; point it at a Postgres server the sandbox can reach'
      : undefined,
  isTransient: isTransientPostgresError,
  read: (ctx, config) => (config.query === undefined ? readTable(ctx, config) : readQuery(ctx, config)),
  write: writeTable,
  discover: discoverSupabase,
  listTables: listSupabaseTables,
  readState,
  listState,
  resetState,
};
