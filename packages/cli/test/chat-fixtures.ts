// SPDX-License-Identifier: MIT
// Test utilities of `osiris chat`: fixed discovery, the guided pipelines, and a runner for the chat command
// with injected dependencies (discovery, standard input).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DiscoveredTable, DiscoverFunction, DiscoverRequest } from '@osiris/chat';
import type { ChatDeps } from '../src/commands/chat';
import { type CliResult, runCli } from './helpers';

const column = (name: string, nativeType: string, primaryKey = false) => ({
  name,
  kind: 'text',
  nativeType,
  nullable: !primaryKey,
  primaryKey,
});

/** What discovery finds behind each connection reference. */
export const TABLES: Readonly<Record<string, readonly DiscoveredTable[]>> = {
  '@app_db': [
    {
      schema: 'public',
      name: 'events',
      approxRows: 120_000,
      columns: [column('id', 'bigint', true), column('kind', 'text'), column('created_at', 'timestamptz')],
    },
    {
      schema: 'public',
      name: 'customers',
      approxRows: 5_000,
      columns: [
        column('id', 'bigint', true),
        column('email', 'text'),
        column('plan', 'text'),
        column('active', 'boolean'),
        column('updated_at', 'timestamptz'),
      ],
    },
  ],
  '@warehouse': [
    {
      schema: 'analytics',
      name: 'events',
      approxRows: 100_000,
      columns: [column('id', 'bigint', true), column('kind', 'text'), column('created_at', 'timestamptz')],
    },
    {
      schema: 'analytics',
      name: 'customers',
      approxRows: 4_800,
      columns: [
        column('id', 'bigint', true),
        column('email', 'text'),
        column('plan', 'text'),
        column('updated_at', 'timestamptz'),
      ],
    },
  ],
  '@mysql': [
    {
      schema: 'shop',
      name: 'orders',
      approxRows: 1_000_000,
      columns: [
        column('id', 'int', true),
        column('customer_id', 'int'),
        column('amount', 'decimal(10,2)'),
        column('updated_at', 'datetime'),
      ],
    },
  ],
  '@supabase': [
    {
      schema: 'public',
      name: 'orders',
      approxRows: 990_000,
      columns: [
        column('id', 'bigint', true),
        column('customer_id', 'bigint'),
        column('amount', 'numeric(10,2)'),
        column('updated_at', 'timestamptz'),
      ],
    },
  ],
};

/** A discover function over TABLES that records its calls. */
export function fixedDiscovery() {
  const calls: { connection: string; request: DiscoverRequest }[] = [];
  const discover: DiscoverFunction = async (connection, request) => {
    calls.push({ connection, request });
    return (TABLES[connection] ?? []).filter(
      (t) =>
        (request.schema === undefined || t.schema === request.schema) &&
        (request.table === undefined || t.name === request.table),
    );
  };
  return { discover, calls };
}

export const APPEND = `version: 0.0.1
name: events_append
sources:
  - id: events
    type: supabase.table
    connection: "@app_db"
    mode: read
    options: { schema: public, table: events }
sinks:
  - id: events_out
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { schema: analytics, table: events, write_mode: append }
`;

export const MERGE = `version: 0.0.1
name: customers_merge
sources:
  - id: customers
    type: supabase.table
    connection: "@app_db"
    mode: read
    options:
      schema: public
      table: customers
      columns: [id, email, plan, updated_at]
      filters:
        - { column: active, op: eq, value: true }
sinks:
  - id: customers_out
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { schema: analytics, table: customers, write_mode: merge, merge_keys: [id] }
`;

export const MYSQL_MERGE = `version: 0.0.1
name: mysql_to_supabase
sources:
  - id: src
    type: mysql.table
    connection: "@mysql"
    mode: read
    options: { schema: shop, table: orders, columns: [id, customer_id, amount, updated_at] }
sinks:
  - id: dst
    type: supabase.table
    connection: "@supabase"
    mode: write
    options: { schema: public, table: orders, write_mode: merge, merge_keys: [id] }
`;

/**
 * Runs `osiris chat <args>` in process the way `main` does (same output, same error
 * reporting and exit codes), with dependencies `main` does not take: discovery and stdin.
 */
export async function runChat(
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> } & ChatDeps,
): Promise<CliResult> {
  const chat: ChatDeps = {
    ...(options.discover === undefined ? {} : { discover: options.discover }),
    ...(options.input === undefined ? {} : { input: options.input }),
  };
  return runCli(['chat', ...args], { cwd: options.cwd, env: options.env, chat });
}

/** Every file under a folder, by relative path. */
export function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}
