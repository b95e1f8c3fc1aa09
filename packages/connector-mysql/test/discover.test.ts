// SPDX-License-Identifier: MIT
import type { DiscoveredTable } from '@osiris/runner';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlTableConnector } from '../src/index';
import { caught, createTestDatabase, MYSQL_HOST, MYSQL_PORT, makeCtx } from './helpers';

let db: string;
let admin: Connection;
let drop: () => Promise<void>;

const discover = (connection: Record<string, string>, options: { schema?: string; table?: string }) =>
  (mysqlTableConnector.discover as NonNullable<typeof mysqlTableConnector.discover>)(makeCtx(connection).ctx, options);

beforeAll(async () => {
  ({ name: db, admin, drop } = await createTestDatabase());
  await admin.query(`CREATE TABLE orders (
    id BIGINT UNSIGNED NOT NULL,
    line INT NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    paid TINYINT(1) NULL,
    note TEXT NULL,
    meta JSON NULL,
    created DATETIME(3) NOT NULL,
    PRIMARY KEY (id, line)
  )`);
  await admin.query('CREATE TABLE `odd ``name` (x VARBINARY(16) NULL)');
  await admin.query('CREATE VIEW v_orders AS SELECT id, amount FROM orders');
  await admin.query(
    "INSERT INTO orders SELECT seq, 1, seq * 1.5, seq % 2, NULL, NULL, '2024-01-01 00:00:00' FROM seq_1_to_1000",
  );
  await admin.query('ANALYZE TABLE orders');
}, 30_000);

afterAll(async () => {
  await drop?.();
});

describe('mysql.table discover', () => {
  let tables: DiscoveredTable[];
  beforeAll(async () => {
    tables = await discover({ url: `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/${db}` }, {});
  });

  it('lists the tables and views of the connection database', () => {
    expect(tables.map((t) => [t.schema, t.name])).toEqual([
      [db, 'odd `name'],
      [db, 'orders'],
      [db, 'v_orders'],
    ]);
  });

  it('gives columns with kinds, native types, nullability and primary keys', () => {
    const orders = tables.find((t) => t.name === 'orders');
    expect(orders?.columns).toEqual([
      { name: 'id', kind: 'bigint', nativeType: 'bigint(20) unsigned', nullable: false, primaryKey: true },
      { name: 'line', kind: 'integer', nativeType: 'int(11)', nullable: false, primaryKey: true },
      { name: 'amount', kind: 'decimal', nativeType: 'decimal(12,2)', nullable: false, primaryKey: false },
      { name: 'paid', kind: 'integer', nativeType: 'tinyint(1)', nullable: true, primaryKey: false },
      { name: 'note', kind: 'text', nativeType: 'text', nullable: true, primaryKey: false },
      { name: 'meta', kind: 'json', nativeType: 'json', nullable: true, primaryKey: false },
      { name: 'created', kind: 'timestamp', nativeType: 'datetime(3)', nullable: false, primaryKey: false },
    ]);
    expect(tables.find((t) => t.name === 'odd `name')?.columns).toEqual([
      { name: 'x', kind: 'bytes', nativeType: 'varbinary(16)', nullable: true, primaryKey: false },
    ]);
  });

  it('gives approximate row counts for tables, none for views', () => {
    const orders = tables.find((t) => t.name === 'orders');
    expect(orders?.approxRows).toBeGreaterThan(500);
    expect(orders?.approxRows).toBeLessThan(2000);
    expect(tables.find((t) => t.name === 'v_orders')?.approxRows).toBeNull();
  });

  it('narrows to one schema and table', async () => {
    const one = await discover({ host: MYSQL_HOST, user: 'root' }, { schema: db, table: 'odd `name' });
    expect(one.map((t) => t.name)).toEqual(['odd `name']);
    expect(await discover({ host: MYSQL_HOST, user: 'root' }, { schema: db, table: 'none' })).toEqual([]);
  });

  it('without a database, lists every non-system schema', async () => {
    const all = await discover({ host: MYSQL_HOST, user: 'root' }, {});
    expect(all.some((t) => t.schema === db && t.name === 'orders')).toBe(true);
    expect(all.some((t) => ['mysql', 'information_schema', 'performance_schema', 'sys'].includes(t.schema))).toBe(
      false,
    );
  });

  it('a wrong password fails without showing it', async () => {
    const err = await caught(discover({ host: MYSQL_HOST, user: 'root', password: 'N0tTheR1ght0ne' }, {}));
    expect(err.reason).toBe('CONNECTOR_CONNECTION_FAILED');
    expect(err.message).not.toContain('N0tTheR1ght0ne');
  });
});
