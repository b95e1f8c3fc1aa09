// SPDX-License-Identifier: MIT
// Fixed discovery results and the pipelines of the three guided requests, shared by the chat and CLI tests.
// Discovery types, structurally: test-utils depends on no Osiris package, so any package's tests may use it.
interface DiscoveredColumn {
  readonly name: string;
  readonly kind: string;
  readonly nativeType: string;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
}
interface DiscoveredTable {
  readonly schema: string;
  readonly name: string;
  readonly approxRows: number | null;
  readonly columns: readonly DiscoveredColumn[];
}
interface DiscoverRequest {
  readonly schema?: string;
  readonly table?: string;
  readonly component?: string;
}
type DiscoverFunction = (connection: string, request: DiscoverRequest) => Promise<DiscoveredTable[]>;

const column = (name: string, nativeType: string, primaryKey = false, nullable = !primaryKey): DiscoveredColumn => ({
  name,
  kind: /int|numeric/.test(nativeType) ? 'integer' : /time|date/.test(nativeType) ? 'timestamp' : 'text',
  nativeType,
  nullable,
  primaryKey,
});

const events = (schema: string): DiscoveredTable => ({
  schema,
  name: 'events',
  approxRows: 120_000,
  columns: [
    column('id', 'bigint', true),
    column('kind', 'text'),
    column('payload', 'jsonb'),
    column('created_at', 'timestamptz'),
  ],
});

/** What discovery finds behind each connection reference. */
export const TABLES: Readonly<Record<string, readonly DiscoveredTable[]>> = {
  '@app_db': [
    events('public'),
    {
      schema: 'public',
      name: 'customers',
      approxRows: 5_000,
      columns: [
        column('id', 'bigint', true),
        column('email', 'text'),
        column('name', 'text'),
        column('plan', 'text'),
        column('active', 'boolean'),
        column('updated_at', 'timestamptz'),
        column('deleted_at', 'timestamptz'),
      ],
    },
  ],
  '@warehouse': [
    events('analytics'),
    {
      schema: 'analytics',
      name: 'customers',
      approxRows: 4_800,
      columns: [
        column('id', 'bigint', true),
        column('email', 'text'),
        column('name', 'text'),
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
    {
      schema: 'shop',
      name: 'customers',
      approxRows: 20_000,
      columns: [column('id', 'int', true), column('email', 'varchar(255)')],
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
export function fixedDiscovery(): {
  discover: DiscoverFunction;
  calls: { connection: string; request: DiscoverRequest }[];
} {
  const calls: { connection: string; request: DiscoverRequest }[] = [];
  const discover: DiscoverFunction = async (connection, request) => {
    calls.push({ connection, request });
    const tables = TABLES[connection];
    if (!tables) throw new Error(`connection ${connection} is not configured`);
    return tables.filter(
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
      columns: [id, email, name, plan, updated_at]
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
