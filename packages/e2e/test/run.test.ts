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

let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();

const pipeline = (writeMode: 'append' | 'merge', extra = '') => `version: 0.0.1
name: orders_sync
params:
  chunk_size: 500
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: orders, columns: [id, customer, amount, note, updated_at] }
sinks:
  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { schema: public, table: orders, write_mode: ${writeMode}${writeMode === 'merge' ? ', merge_keys: [id]' : ''}${extra} }
`;

async function pgRows(sql = 'SELECT id, customer, amount::text, note, updated_at::text FROM orders ORDER BY id') {
  return (await pg.client.query(sql)).rows;
}

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query(`CREATE TABLE orders (
    id INT PRIMARY KEY, customer VARCHAR(50) NOT NULL, amount DECIMAL(12,2) NOT NULL, note TEXT NULL, updated_at DATETIME NULL)`);
  const values = Array.from({ length: 1200 }, (_, i) => [
    i + 1,
    `c${i % 17}`,
    `${i}.${String(i % 100).padStart(2, '0')}`,
    i % 5 === 0 ? null : `note\t${i}\n"q"\\`,
    '2026-01-02 03:04:05',
  ]);
  await mysql.connection.query('INSERT INTO orders VALUES ?', [values]);
  await pg.client.query(
    `CREATE TABLE orders (id INT PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(12,2) NOT NULL CHECK (amount < 100000), note TEXT, updated_at TIMESTAMP)`,
  );
  ws.write('secrets.yaml', `connections:\n  shop:\n    url: ${mysql.url}\n  warehouse:\n    url: ${pg.url}\n`);
  ws.write('append.yaml', pipeline('append'));
  ws.write('merge.yaml', pipeline('merge'));
});

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('osiris run (local engine, real MariaDB and PostgreSQL)', () => {
  it('appends every row and leaves the run folder of SPEC §6', async () => {
    const run = await osiris(['run', 'append.yaml', '--secrets-file', 'secrets.yaml', '--json'], { cwd: ws.dir });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ok: true, status: 'succeeded', rows_read: 1200, rows_written: 1200 });
    expect(await pgRows('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 1200 }]);
    const first = (await pgRows())[0];
    expect(first).toEqual({ id: 1, customer: 'c0', amount: '0.00', note: null, updated_at: '2026-01-02 03:04:05' });
    expect((await pgRows())[1]?.note).toBe('note\t1\n"q"\\');

    const runDir = result.run_dir;
    expect(result.run_id).toMatch(/^r_\d{8}T\d{6}Z_[0-9a-f]{6}$/);
    const files = Object.keys(readTree(runDir)).sort();
    expect(files).toEqual([
      'cfg/dst.json',
      'cfg/src.json',
      'manifest.yaml',
      'metrics.json',
      'run.log.jsonl',
      'status.json',
    ]);
    const lines = readFileSync(join(runDir, 'run.log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        [
          'agent',
          'correlation_id',
          'duration_ms',
          'engine',
          'error',
          'event',
          'event_id',
          'level',
          'message',
          'phase',
          'rows_read',
          'rows_written',
          'run_id',
          'step',
          'ts',
        ].sort(),
      );
      expect(line.run_id).toBe(result.run_id);
    }
    expect(lines.map((line) => line.event)).toEqual(expect.arrayContaining(['start', 'end', 'metrics']));
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ status: 'succeeded', exit_code: 0 });
    expect(metrics.steps.find((step: { id: string }) => step.id === 'dst')).toMatchObject({
      rows_written: 1200,
      component_version: '0.1.0',
    });
  });

  it('merges: a second run after changes updates rows and inserts new ones, no duplicates', async () => {
    await mysql.connection.query("UPDATE orders SET customer = 'changed' WHERE id % 2 = 0");
    await mysql.connection.query(
      "INSERT INTO orders VALUES (5001, 'new', 1.50, NULL, NULL), (5002, 'new', 2.50, 'x', NULL)",
    );
    const run = await osiris(['run', 'merge.yaml', '--secrets-file', 'secrets.yaml'], { cwd: ws.dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/orders_sync: 1,202 rows read in /);
    expect(run.stdout).toContain('dst: 1,202 staged: 2 inserted, 600 updated, 600 unchanged');
    expect(
      await pgRows(
        'SELECT count(*)::int AS n, count(*) FILTER (WHERE customer = $$changed$$)::int AS changed FROM orders',
      ),
    ).toEqual([{ n: 1202, changed: 600 }]);
  });

  it('runs a compiled manifest from another folder, and lists and views runs', async () => {
    const compiled = await osiris(['compile', 'merge.yaml', '--out', 'build'], { cwd: ws.dir });
    expect(compiled.code, compiled.stderr).toBe(0);
    const env = {
      OSIRIS_CONN__SHOP__URL: mysql.url,
      OSIRIS_CONN__WAREHOUSE__URL: pg.url,
      OSIRIS_HOME: join(ws.dir, 'home'),
    };
    const run = await osiris(['run', join(ws.dir, 'build', 'manifest.yaml'), '--json'], { cwd: '/', env });
    expect(run.code, run.stderr).toBe(0);
    const { run_id } = JSON.parse(run.stdout);
    const list = await osiris(['runs', 'list', '--json'], { cwd: ws.dir, env });
    expect(JSON.parse(list.stdout).map((r: { run_id: string }) => r.run_id)).toEqual([run_id]);
    const view = await osiris(['runs', 'view', run_id], { cwd: ws.dir, env });
    expect(view.code).toBe(0);
    expect(view.stdout).toMatch(
      /dst\s+supabase\.table\s+succeeded\s+read 1,202\s+staged 1,202: 0 inserted, 0 updated, 1,202 unchanged/,
    );
    expect(readFileSync(join(ws.dir, 'home', 'runs', run_id, 'manifest.yaml'), 'utf8')).toBe(
      readFileSync(join(ws.dir, 'build', 'manifest.yaml'), 'utf8'),
    );
  });

  it('a row rejected by a target constraint halfway fails the run (exit 4) and changes nothing', async () => {
    const before = await pgRows(
      "SELECT count(*)::int AS n, md5(string_agg(orders::text, ',' ORDER BY id)) AS sum FROM orders",
    );
    await mysql.connection.query('UPDATE orders SET amount = 999999.00 WHERE id = 900');
    const run = await osiris(['run', 'merge.yaml', '--secrets-file', 'secrets.yaml'], { cwd: ws.dir });
    await mysql.connection.query('UPDATE orders SET amount = 1.00 WHERE id = 900');
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/failed/);
    expect(
      await pgRows("SELECT count(*)::int AS n, md5(string_agg(orders::text, ',' ORDER BY id)) AS sum FROM orders"),
    ).toEqual(before);
  });

  it('a missing connection exits 5, naming the reference and where it looked', async () => {
    const run = await osiris(['run', 'append.yaml'], { cwd: ws.dir, env: { OSIRIS_CONN__SHOP__URL: mysql.url } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('@warehouse');
    expect(run.stderr).toContain('OSIRIS_CONN__WAREHOUSE__');
  });

  it('a validation error exits 2 before anything runs', async () => {
    ws.write('bad.yaml', pipeline('merge').replace('merge_keys: [id]', 'merge_key: [id]'));
    const run = await osiris(['run', 'bad.yaml', '--secrets-file', 'secrets.yaml'], { cwd: ws.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bad.yaml:16:');
    expect(run.stderr).toContain('did you mean "merge_keys"');
  });

  it('--engine e2b runs the same pipeline in a sandbox (a local process here) and streams its lines back', async () => {
    await pg.client.query('TRUNCATE orders');
    const env = { OSIRIS_E2B_SANDBOX: 'local', OSIRIS_CONN__SHOP__URL: mysql.url, OSIRIS_CONN__WAREHOUSE__URL: pg.url };
    const run = await osiris(['run', 'append.yaml', '--engine', 'e2b', '--json'], { cwd: ws.dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^agent=runner engine=e2b /m);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ status: 'succeeded', rows_written: 1202 });
    expect(await pgRows('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 1202 }]);
    const log = readFileSync(join(result.run_dir, 'run.log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(log.some((line) => line.engine === 'e2b' && line.step === 'dst' && line.event === 'end')).toBe(true);
  });

  it('--engine e2b without an API key exits 5 and says how to set one', async () => {
    const run = await osiris(['run', 'append.yaml', '--engine', 'e2b', '--secrets-file', 'secrets.yaml'], {
      cwd: ws.dir,
    });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('OSIRIS_E2B_API_KEY');
  });

  it('discover lists tables with columns, keys and row counts, caches them, and refreshes on request', async () => {
    const env = { OSIRIS_HOME: join(ws.dir, 'discover-home') };
    const args = ['discover', '@shop', '--secrets-file', 'secrets.yaml', '--json'];
    const first = await osiris(args, { cwd: ws.dir, env });
    expect(first.code, first.stderr).toBe(0);
    const fresh = JSON.parse(first.stdout);
    expect(fresh).toMatchObject({ connection: '@shop', component: 'mysql.table', cached: false });
    const orders = fresh.tables.find((table: { name: string }) => table.name === 'orders');
    expect(orders.columns.map((c: { name: string; primary_key: boolean }) => [c.name, c.primary_key])).toEqual([
      ['id', true],
      ['customer', false],
      ['amount', false],
      ['note', false],
      ['updated_at', false],
    ]);
    expect(orders.approx_rows).toBeGreaterThan(0);
    expect(JSON.parse((await osiris(args, { cwd: ws.dir, env })).stdout).cached).toBe(true);
    expect(JSON.parse((await osiris([...args, '--refresh'], { cwd: ws.dir, env })).stdout).cached).toBe(false);
    const cache = Object.values(readTree(join(ws.dir, 'discover-home', 'cache'))).join('\n');
    expect(cache).toContain('@shop');
    expect(cache).not.toContain(mysql.url);

    const pgTables = await osiris(['discover', '@warehouse', '--secrets-file', 'secrets.yaml'], { cwd: ws.dir, env });
    expect(pgTables.code, pgTables.stderr).toBe(0);
    expect(pgTables.stdout).toMatch(/public\.orders/);
    expect(pgTables.stdout).toMatch(/id\s+integer \(integer\)\s+primary key, not null/);
  });
});
