// SPDX-License-Identifier: MIT
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMysqlDatabase,
  createPgDatabase,
  type MysqlDatabase,
  type PgDatabase,
  readTree,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osiris, workspace } from './helpers';

// Many tables from one step (issue #16, ADR 0021): a whole MariaDB schema into PostgreSQL with one
// pattern, every value compared; a merge after changes with exact counts; exclude, --tables, foreign
// key order into a target that has the keys, a failing table in the middle, and the e2b engine.

let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();

/** How a column's values are compared: as text both sides, as numbers, as JSON, as bytes. */
type Kind = 'text' | 'int' | 'dec' | 'double' | 'dt6' | 'date' | 'bytes' | 'wkb' | 'json';
const KINDS: Record<string, Record<string, Kind>> = {
  customers: { id: 'int', name: 'text', tier: 'text', tags: 'text', born: 'int', created: 'dt6' },
  products: { sku: 'text', price: 'dec', weight: 'double', photo: 'bytes', attrs: 'json' },
  orders: { id: 'int', customer_id: 'int', placed: 'dt6', total: 'dec' },
  order_items: { order_id: 'int', sku: 'text', qty: 'int' },
  stores: { id: 'int', name: 'text', location: 'wkb' },
  staff: { id: 'int', store_id: 'int', manager_id: 'int', name: 'text' },
  inventory: { store_id: 'int', sku: 'text', qty: 'int' },
  payments: { id: 'int', order_id: 'int', amount: 'dec', paid_at: 'dt6' },
  shipments: { id: 'int', order_id: 'int', shipped: 'date' },
  reviews: { id: 'int', sku: 'text', customer_id: 'int', stars: 'int', body: 'text' },
  categories: { id: 'int', parent_id: 'int', name: 'text' },
  product_categories: { sku: 'text', category_id: 'int' },
};
const COPIED = Object.keys(KINDS).sort();
const KEYS: Record<string, string[]> = {
  order_items: ['order_id', 'sku'],
  inventory: ['store_id', 'sku'],
  product_categories: ['sku', 'category_id'],
  products: ['sku'],
};

const SCHEMA = `
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, tier ENUM('gold','silver','bronze'),
  tags SET('new','vip','b2b'), born YEAR, created DATETIME(6) NOT NULL);
CREATE TABLE products (sku VARCHAR(20) PRIMARY KEY, price DECIMAL(12,2) NOT NULL, weight DOUBLE, photo BLOB, attrs JSON);
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, placed DATETIME(6) NOT NULL, total DECIMAL(14,4),
  FOREIGN KEY (customer_id) REFERENCES customers (id));
CREATE TABLE order_items (order_id INT, sku VARCHAR(20), qty INT NOT NULL, PRIMARY KEY (order_id, sku),
  FOREIGN KEY (order_id) REFERENCES orders (id), FOREIGN KEY (sku) REFERENCES products (sku));
CREATE TABLE stores (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, location POINT NOT NULL);
CREATE TABLE staff (id INT PRIMARY KEY, store_id INT NOT NULL, manager_id INT NULL, name VARCHAR(40),
  FOREIGN KEY (store_id) REFERENCES stores (id), FOREIGN KEY (manager_id) REFERENCES staff (id));
CREATE TABLE inventory (store_id INT, sku VARCHAR(20), qty INT NOT NULL, PRIMARY KEY (store_id, sku),
  FOREIGN KEY (store_id) REFERENCES stores (id), FOREIGN KEY (sku) REFERENCES products (sku));
CREATE TABLE payments (id BIGINT PRIMARY KEY, order_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, paid_at DATETIME(6),
  FOREIGN KEY (order_id) REFERENCES orders (id));
CREATE TABLE shipments (id INT PRIMARY KEY, order_id INT NOT NULL, shipped DATE, FOREIGN KEY (order_id) REFERENCES orders (id));
CREATE TABLE reviews (id INT PRIMARY KEY, sku VARCHAR(20) NOT NULL, customer_id INT NOT NULL, stars TINYINT, body TEXT,
  FOREIGN KEY (sku) REFERENCES products (sku), FOREIGN KEY (customer_id) REFERENCES customers (id));
CREATE TABLE categories (id INT PRIMARY KEY, parent_id INT NULL, name VARCHAR(40) NOT NULL,
  FOREIGN KEY (parent_id) REFERENCES categories (id));
CREATE TABLE product_categories (sku VARCHAR(20), category_id INT, PRIMARY KEY (sku, category_id),
  FOREIGN KEY (sku) REFERENCES products (sku), FOREIGN KEY (category_id) REFERENCES categories (id));
CREATE TABLE audit_log (id INT PRIMARY KEY, msg TEXT);
CREATE TABLE tmp_scratch (x INT);
CREATE VIEW order_totals AS SELECT customer_id, SUM(total) AS total FROM orders GROUP BY customer_id;
`;

/** A product's weight: doubles whose shortest decimal needs 17 digits, and the extremes. */
const weightOf = (i: number): number | null =>
  i === 1 ? 0.1 + 0.2 : i === 2 ? 1e-300 : i === 3 ? -Number.MAX_VALUE : i % 4 === 0 ? null : i / 7;

async function seed(): Promise<void> {
  const q = (text: string, values?: unknown) => mysql.connection.query(text, values);
  const n = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
  const tiers = ['gold', 'silver', 'bronze', null];
  await q('INSERT INTO customers VALUES ?', [
    n(60).map((i) => [
      i,
      i === 7 ? 'Zoë "quoted"\t\\ tab' : `customer ${i}`,
      tiers[i % 4],
      i % 3 === 0 ? 'new,vip' : i % 5 === 0 ? '' : 'b2b',
      i % 6 === 0 ? null : 1901 + i,
      `2026-0${(i % 9) + 1}-1${i % 10} 0${i % 10}:1${i % 6}:2${i % 10}.${String(i * 7919)
        .padStart(6, '0')
        .slice(-6)}`,
    ]),
  ]);
  await q('INSERT INTO products VALUES ?', [
    n(30).map((i) => [
      `SKU-${i}`,
      `${i * 3}.${String(i % 100).padStart(2, '0')}`,
      weightOf(i),
      i % 5 === 0 ? null : Buffer.from([0, 1, 255, i, 0x5c, 0x0a]),
      i % 6 === 0 ? null : JSON.stringify({ i, name: `p${i}`, nested: { ok: i % 2 === 0, list: [1, 'two', null] } }),
    ]),
  ]);
  await q('INSERT INTO orders VALUES ?', [
    n(200).map((i) => [
      i,
      (i % 60) + 1,
      `2026-11-${String((i % 28) + 1).padStart(2, '0')} 12:00:00.${String(i).padStart(6, '0')}`,
      i % 9 === 0 ? null : `${i}.${String(i % 10000).padStart(4, '0')}`,
    ]),
  ]);
  await q('INSERT INTO order_items VALUES ?', [
    n(200).flatMap((i) => [
      [i, `SKU-${(i % 30) + 1}`, i % 7],
      [i, `SKU-${((i + 3) % 30) + 1}`, 1],
    ]),
  ]);
  await q(
    `INSERT INTO stores VALUES (1, 'north', ST_GeomFromText('POINT(10.5 -20.25)')), (2, 'south', ST_GeomFromText('POINT(0 0)'))`,
  );
  await q('INSERT INTO staff VALUES ?', [n(10).map((i) => [i, (i % 2) + 1, i === 1 ? null : 1, `staff ${i}`])]);
  await q('INSERT INTO inventory VALUES ?', [
    n(30).flatMap((i) => [
      [1, `SKU-${i}`, i],
      [2, `SKU-${i}`, i * 2],
    ]),
  ]);
  await q('INSERT INTO payments VALUES ?', [
    n(150).map((i) => [
      (9007199254740993n + BigInt(i)).toString(),
      i,
      `${i}.99`,
      i % 10 === 0 ? null : `2026-12-01 00:00:0${i % 10}.123456`,
    ]),
  ]);
  await q('INSERT INTO shipments VALUES ?', [
    n(100).map((i) => [i, i, i % 8 === 0 ? null : `2026-12-${String((i % 28) + 1).padStart(2, '0')}`]),
  ]);
  await q('INSERT INTO reviews VALUES ?', [
    n(40).map((i) => [i, `SKU-${(i % 30) + 1}`, (i % 60) + 1, i % 6, i % 4 === 0 ? null : `ünïcødé review ${i} 🎉`]),
  ]);
  await q('INSERT INTO categories VALUES ?', [n(8).map((i) => [i, i <= 2 ? null : (i % 2) + 1, `cat ${i}`])]);
  await q('INSERT INTO product_categories VALUES ?', [n(30).map((i) => [`SKU-${i}`, (i % 8) + 1])]);
  await q('INSERT INTO audit_log VALUES (1, ?), (2, ?)', ['a', 'b']);
  await q('INSERT INTO tmp_scratch VALUES (1), (2)');
}

function expressions(table: string, side: 'mysql' | 'pg'): string {
  return Object.entries(KINDS[table] ?? {})
    .map(([column, kind]) => {
      const c = side === 'mysql' ? `\`${column}\`` : `"${column}"`;
      const as = ` AS ${c}`;
      if (kind === 'int' || kind === 'dec') return (side === 'mysql' ? `CAST(${c} AS CHAR)` : `${c}::text`) + as;
      if (kind === 'dt6')
        return (
          (side === 'mysql'
            ? `DATE_FORMAT(${c}, '%Y-%m-%d %H:%i:%s.%f')`
            : `to_char(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`) + as
        );
      if (kind === 'date')
        return (side === 'mysql' ? `DATE_FORMAT(${c}, '%Y-%m-%d')` : `to_char(${c}, 'YYYY-MM-DD')`) + as;
      if (kind === 'bytes') return (side === 'mysql' ? `HEX(${c})` : `upper(encode(${c}, 'hex'))`) + as;
      // A spatial value travels as standard WKB (MySQL's own form adds the SRID in front).
      if (kind === 'wkb') return (side === 'mysql' ? `HEX(ST_AsBinary(${c}))` : `upper(encode(${c}, 'hex'))`) + as;
      if (kind === 'json') return (side === 'mysql' ? c : `${c}::text`) + as;
      return c;
    })
    .join(', ');
}

function orderBy(table: string, side: 'mysql' | 'pg'): string {
  const keys = KEYS[table] ?? ['id'];
  return keys.map((key) => (side === 'mysql' ? `\`${key}\`` : `"${key}"`)).join(', ');
}

/** Every row of a table from both databases, values made comparable by kind. */
async function bothSides(table: string, pgSchema = 'public') {
  const kinds = KINDS[table] ?? {};
  const normal = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        typeof value === 'string' && kinds[key] === 'json' ? JSON.parse(value) : value,
      ]),
    );
  const [mysqlRows] = (await mysql.connection.query(
    `SELECT ${expressions(table, 'mysql')} FROM \`${table}\` ORDER BY ${orderBy(table, 'mysql')}`,
  )) as unknown as [Record<string, unknown>[]];
  const pgRows = (
    await pg.client.query(
      `SELECT ${expressions(table, 'pg')} FROM "${pgSchema}"."${table}" ORDER BY ${orderBy(table, 'pg')}`,
    )
  ).rows as Record<string, unknown>[];
  // MariaDB prints a DOUBLE with at most 17 digits, not always the shortest that reads back exactly,
  // so its client is no judge of a double (ADR 0014): the value the test inserted is.
  const exactDoubles = (row: Record<string, unknown>) =>
    table === 'products' && row.weight !== undefined
      ? { ...row, weight: weightOf(Number(String(row.sku).slice(4))) }
      : row;
  return { mysql: mysqlRows.map(normal).map(exactDoubles), pg: pgRows.map(normal) };
}

const pipeline = (
  options: { schema?: string; tables?: string; writeMode?: string; extra?: string } = {},
) => `version: 0.0.1
name: shop_copy
sources:
  - id: shop
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { tables: ${options.tables ?? '["*"]'}, exclude: ["audit_*", "tmp_*"] }
sinks:
  - id: copy
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { schema: ${options.schema ?? 'public'}, write_mode: ${options.writeMode ?? 'merge'}, create_table: true${options.extra ?? ''} }
`;

const env = () => ({ OSIRIS_CONN__SHOP__URL: mysql.url, OSIRIS_CONN__WAREHOUSE__URL: pg.url });

async function run(file: string, ...args: string[]) {
  const result = await osiris(['run', file, '--json', ...args], { cwd: ws.dir, env: env() });
  return { ...result, json: result.stdout.length > 0 ? JSON.parse(result.stdout) : undefined };
}

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query(SCHEMA);
  await seed();
  ws.write('copy.yaml', pipeline());
}, 60_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('many tables from one step (real MariaDB and PostgreSQL)', () => {
  it('copies a whole schema with one pattern and create_table, every value equal, parents before children', async () => {
    const result = await run('copy.yaml');
    expect(result.code, result.stderr).toBe(0);
    const { json } = result;
    // The table list is resolved at run time and recorded: base tables only (no view), less exclude.
    const order: string[] = json.tables.shop;
    expect([...order].sort()).toEqual(COPIED);
    const before = (parent: string, child: string) => expect(order.indexOf(parent)).toBeLessThan(order.indexOf(child));
    before('customers', 'orders');
    before('orders', 'order_items');
    before('products', 'order_items');
    before('stores', 'staff');
    before('categories', 'product_categories');
    before('orders', 'payments');
    // Each table is its own step with its own counts.
    const sinks = json.steps.filter((step: { mode: string }) => step.mode === 'write');
    expect(sinks.map((step: { id: string }) => step.id)).toEqual(order.map((table) => `copy.${table}`));
    expect(sinks.find((step: { table: string }) => step.table === 'orders')).toMatchObject({
      status: 'succeeded',
      rows_written: 200,
      rows_inserted: 200,
    });
    const metrics = JSON.parse(readFileSync(join(json.run_dir, 'metrics.json'), 'utf8'));
    expect(metrics.tables).toEqual({ shop: order });
    expect(metrics.steps.find((step: { id: string }) => step.id === 'shop.payments')).toMatchObject({
      table: 'payments',
      rows_read: 150,
    });
    for (const table of COPIED) {
      const { mysql: expected, pg: actual } = await bothSides(table);
      expect(actual.length, table).toBe(expected.length);
      expect(actual, table).toEqual(expected);
    }
    const copied = await pg.client.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(copied.rows.map((row) => row.table_name)).toEqual(COPIED);
  }, 120_000);

  it('merges again after changes with exact counts, each table by its own primary key', async () => {
    const q = (text: string) => mysql.connection.query(text);
    await q(`UPDATE customers SET name = CONCAT(name, ' (moved)') WHERE id IN (3, 4)`);
    await q(`INSERT INTO customers VALUES (61, 'new one', 'gold', 'vip', 2001, '2026-12-06 07:00:00.000001')`);
    await q(`UPDATE order_items SET qty = qty + 100 WHERE order_id = 5`);
    await q(`INSERT INTO order_items VALUES (6, 'SKU-30', 3)`);
    await q(`UPDATE products SET attrs = JSON_OBJECT('changed', true) WHERE sku = 'SKU-1'`);
    const result = await run('copy.yaml');
    expect(result.code, result.stderr).toBe(0);
    const step = (table: string) => result.json.steps.find((s: { id: string }) => s.id === `copy.${table}`);
    expect(step('customers')).toMatchObject({ rows_written: 61, rows_inserted: 1, rows_updated: 2 });
    expect(step('order_items')).toMatchObject({ rows_written: 401, rows_inserted: 1, rows_updated: 2 });
    expect(step('products')).toMatchObject({ rows_inserted: 0, rows_updated: 1 });
    expect(step('orders')).toMatchObject({ rows_written: 200, rows_inserted: 0, rows_updated: 0 });
    for (const table of ['customers', 'order_items', 'products']) {
      const { mysql: expected, pg: actual } = await bothSides(table);
      expect(actual, table).toEqual(expected);
    }
  }, 120_000);

  it('--tables narrows a run; a table without a primary key cannot merge by it, named', async () => {
    await pg.client.query('CREATE SCHEMA narrow');
    ws.write('narrow.yaml', pipeline({ schema: 'narrow' }));
    const narrowed = await run('narrow.yaml', '--tables', 'stores,customers');
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(narrowed.json.tables).toEqual({ shop: ['customers', 'stores'] });
    const made = await pg.client.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'narrow' ORDER BY 1`,
    );
    expect(made.rows.map((row) => row.table_name)).toEqual(['customers', 'stores']);

    const unknown = await run('narrow.yaml', '--tables', 'audit_log');
    expect(unknown.code).toBe(2);
    expect(unknown.json.error.message).toContain('--tables names audit_log');

    ws.write(
      'keyless.yaml',
      pipeline({ schema: 'narrow', tables: '["tmp_*", "customers"]' }).replace(', exclude: ["audit_*", "tmp_*"]', ''),
    );
    const keyless = await run('keyless.yaml');
    expect(keyless.code).toBe(2);
    expect(keyless.json.error.message).toContain('table tmp_scratch of step "shop" has none');
  }, 120_000);

  it('loads in the order of the target foreign keys, and a failing table in the middle exits 4 naming what committed', async () => {
    // The target has the keys (and a check no order total passes), the source is read table by table.
    await pg.client.query(`CREATE SCHEMA fk;
      CREATE TABLE fk.customers (id INT PRIMARY KEY, name TEXT, tier TEXT, tags TEXT, born INT, created TIMESTAMP(6));
      CREATE TABLE fk.orders (id INT PRIMARY KEY, customer_id INT NOT NULL REFERENCES fk.customers (id), placed TIMESTAMP(6),
        total NUMERIC(14,4) CHECK (total IS NULL OR total < 0));
      CREATE TABLE fk.payments (id BIGINT PRIMARY KEY, order_id INT NOT NULL REFERENCES fk.orders (id), amount NUMERIC(10,2),
        paid_at TIMESTAMP(6));`);
    ws.write('fk.yaml', pipeline({ schema: 'fk', writeMode: 'append' }));
    const failed = await run('fk.yaml', '--tables', 'payments,orders,customers');
    expect(failed.code, failed.stderr).toBe(4);
    expect(failed.json.tables).toEqual({ shop: ['customers', 'orders', 'payments'] });
    expect(failed.json.error.message).toContain('committed: customers; not committed: orders, payments');
    expect(failed.json.error.hint).toContain('--tables orders,payments');
    const status = (table: string) => failed.json.steps.find((s: { id: string }) => s.id === `copy.${table}`)?.status;
    expect([status('customers'), status('orders'), status('payments')]).toEqual(['succeeded', 'failed', 'skipped']);
    const counts = await pg.client.query(
      `SELECT (SELECT count(*) FROM fk.customers)::int AS c, (SELECT count(*) FROM fk.orders)::int AS o, (SELECT count(*) FROM fk.payments)::int AS p`,
    );
    expect(counts.rows[0]).toEqual({ c: 61, o: 0, p: 0 });

    // Without the failing check, the same three load in key order and arrive whole.
    await pg.client.query('ALTER TABLE fk.orders DROP CONSTRAINT orders_total_check');
    const loaded = await run('fk.yaml', '--tables', 'payments,orders');
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.json.tables).toEqual({ shop: ['orders', 'payments'] });
    expect((await bothSides('payments', 'fk')).pg).toEqual((await bothSides('payments')).mysql);
  }, 120_000);

  it('reads many tables from Postgres too: globs skip views, and each table lands whole', async () => {
    await pg.client.query('CREATE VIEW public.order_view AS SELECT id FROM public.orders; CREATE SCHEMA pgcopy');
    ws.write(
      'pg.yaml',
      `version: 0.0.1
name: pg_copy
sources:
  - id: src
    type: supabase.table
    connection: "@warehouse"
    mode: read
    options: { schema: public, tables: ["order*"] }
sinks:
  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { schema: pgcopy, table: "copy_{table}", write_mode: merge, create_table: true }
`,
    );
    const result = await run('pg.yaml');
    expect(result.code, result.stderr).toBe(0);
    // The created copies have no foreign keys, so the order is by name.
    expect(result.json.tables).toEqual({ src: ['order_items', 'orders'] });
    const counts = await pg.client.query(
      `SELECT (SELECT count(*) FROM pgcopy.copy_orders)::int AS o, (SELECT count(*) FROM pgcopy.copy_order_items)::int AS i,
        (SELECT count(*) FROM information_schema.tables WHERE table_schema = 'pgcopy')::int AS n`,
    );
    expect(counts.rows[0]).toEqual({ o: 200, i: 401, n: 2 });
  }, 120_000);

  it('keeps connection secrets out of every byte a many-table run writes, also when listing fails', async () => {
    const canaries = ['Tc01q', 'Tc02q', 'Tc03q'];
    const password = `${canaries[0]}@:/?#${canaries[1]}%'"${canaries[2]}`;
    const home = join(ws.dir, 'canary-home');
    // Postgres trusts local connections, so its password is only carried; MariaDB refuses a wrong one.
    const warehouse = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:5432/${pg.name}`;
    const wrongShop = `mysql://root:${encodeURIComponent(password)}@127.0.0.1:3306/${mysql.name}`;
    await pg.client.query('CREATE SCHEMA canary');
    ws.write('canary.yaml', pipeline({ schema: 'canary', writeMode: 'append' }));
    const ok = await osiris(['run', 'canary.yaml', '--tables', 'customers,orders'], {
      cwd: ws.dir,
      env: { OSIRIS_HOME: home, OSIRIS_CONN__SHOP__URL: mysql.url, OSIRIS_CONN__WAREHOUSE__URL: warehouse },
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('copy.orders: 200 written');
    const refused = await osiris(['run', 'canary.yaml', '--json'], {
      cwd: ws.dir,
      env: { OSIRIS_HOME: home, OSIRIS_CONN__SHOP__URL: wrongShop, OSIRIS_CONN__WAREHOUSE__URL: warehouse },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toMatch(/access denied/i);
    const written = Object.entries(readTree(home));
    expect(written.filter(([file]) => file.endsWith('metrics.json'))).toHaveLength(2);
    for (const canary of canaries) {
      for (const [what, text] of [
        ['ok stdout', ok.stdout],
        ['ok stderr', ok.stderr],
        ['refused stdout', refused.stdout],
        ['refused stderr', refused.stderr],
        ...written,
      ]) {
        expect(text, what).not.toContain(canary);
      }
    }
  }, 120_000);

  it('runs on the e2b engine with the local sandbox, one result per table', async () => {
    await pg.client.query('CREATE SCHEMA remote');
    ws.write('remote.yaml', pipeline({ schema: 'remote', writeMode: 'append' }));
    const result = await osiris(['run', 'remote.yaml', '--engine', 'e2b', '--json', '--tables', 'products,reviews'], {
      cwd: ws.dir,
      env: { ...env(), OSIRIS_E2B_SANDBOX: 'local' },
    });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.tables).toEqual({ shop: ['products', 'reviews'] });
    expect(json.steps.map((step: { id: string }) => step.id)).toEqual([
      'shop.products',
      'shop.reviews',
      'copy.products',
      'copy.reviews',
    ]);
    for (const table of ['products', 'reviews']) {
      const { mysql: expected, pg: actual } = await bothSides(table, 'remote');
      expect(actual, table).toEqual(expected);
    }
  }, 120_000);
});
