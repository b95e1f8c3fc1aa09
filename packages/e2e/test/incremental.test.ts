// SPDX-License-Identifier: MIT
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMysqlDatabase, createPgDatabase, type MysqlDatabase, type PgDatabase } from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, osiris, workspace } from './helpers';

// Incremental sync (issue #17, ADR 0024): MariaDB → PostgreSQL through the built binary, state in the target.

let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();
const ROWS = 5000;
const NULL_CURSOR = 7;

const pipeline = (name: string, target: string, extra = '', source = 'orders', cursor = 'updated_at') => `version: 0.0.1
name: ${name}
params:
  chunk_size: 1000
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options:
      table: ${source}
      incremental: { cursor: ${cursor}, lag: 5 min }
sinks:
  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { table: ${target}, write_mode: merge, merge_keys: [id], create_table: true${extra} }
`;

const env = () => ({ OSIRIS_CONN__SHOP__URL: mysql.url, OSIRIS_CONN__WAREHOUSE__URL: pg.url, TZ: 'America/New_York' });

async function run(file: string, ...args: string[]) {
  const result = await osiris(['run', file, '--json', ...args], { cwd: ws.dir, env: env() });
  expect(result.code, result.stderr).toBe(0);
  const json = JSON.parse(result.stdout);
  const metrics = JSON.parse(readFileSync(join(json.run_dir, 'metrics.json'), 'utf8'));
  const src = metrics.steps.find((s: { id: string }) => s.id === 'src');
  const dst = metrics.steps.find((s: { id: string }) => s.id === 'dst');
  return { json, metrics, src, dst, stderr: result.stderr, stdout: result.stdout };
}

async function sourceRows(table = 'orders') {
  const [rows] = await mysql.connection.query(
    `SELECT id, amount, note, DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS u FROM ${table} ORDER BY id`,
  );
  return (rows as { id: number; amount: string; note: string | null; u: string | null }[]).map((r) => [
    r.id,
    r.amount,
    r.note,
    r.u,
  ]);
}

async function targetRows(table = 'orders', where = 'true') {
  const { rows } = await pg.client.query(
    `SELECT id, amount::text AS amount, note, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') AS u FROM ${table} WHERE ${where} ORDER BY id`,
  );
  return rows.map((r) => [r.id, r.amount, r.note, r.u]);
}

async function state(pipelineName: string) {
  const { rows } = await pg.client.query('SELECT * FROM public.osiris_state WHERE pipeline = $1', [pipelineName]);
  return rows;
}

/** Rows whose cursor lies within the lag below a watermark: the overlap a run may read again. */
async function overlap(watermark: string) {
  const [rows] = await mysql.connection.query(
    'SELECT count(*) AS n FROM orders WHERE updated_at > CAST(? AS DATETIME(6)) - INTERVAL 5 MINUTE',
    [watermark],
  );
  return Number((rows as { n: number }[])[0]?.n);
}

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query(`CREATE TABLE orders (
    id INT PRIMARY KEY, amount DECIMAL(12,2) NOT NULL, note VARCHAR(40) NULL, updated_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT '2026-12-01 00:00:00', KEY (updated_at))`);
  // One row a second from 2026-12-05 00:00:00, a few without a cursor.
  const values = Array.from({ length: ROWS }, (_, i) => [
    i + 1,
    `${i}.25`,
    `n${i}`,
    i < NULL_CURSOR ? null : new Date(Date.UTC(2026, 11, 5, 0, 0, i)).toISOString().slice(0, 19).replace('T', ' '),
  ]);
  await mysql.connection.query('INSERT INTO orders (id, amount, note, updated_at) VALUES ?', [values]);
  await mysql.connection.query(
    'CREATE TABLE stamps (id INT PRIMARY KEY, amount DECIMAL(12,2), note VARCHAR(40), updated_at TIMESTAMP(6) NULL)',
  );
  await mysql.connection.query(
    "INSERT INTO stamps SELECT id, amount, note, TIMESTAMP('2026-03-08 06:00:00') + INTERVAL id MINUTE FROM orders WHERE id <= 300",
  );
  ws.write('sync.yaml', pipeline('orders_sync', 'orders'));
  ws.write('hard.yaml', pipeline('orders_hard', 'orders_hard', ', deletes: hard'));
  ws.write('soft.yaml', pipeline('orders_soft', 'orders_soft', ', deletes: soft'));
  ws.write('stamps.yaml', pipeline('stamps_sync', 'stamps', '', 'stamps'));
  ws.write('coalesce.yaml', pipeline('orders_coalesce', 'orders_coalesce', '', 'orders', '[updated_at, created_at]'));
  ws.write(
    'append.yaml',
    pipeline('orders_append', 'orders_append').replace('write_mode: merge, merge_keys: [id], ', ''),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('incremental sync, MariaDB to PostgreSQL (state in the target)', () => {
  it('a first run loads every row (NULL cursors included) and commits the watermark with them', async () => {
    const first = await run('sync.yaml');
    expect(first.src.rows_read).toBe(ROWS);
    expect(first.src.watermark_before).toBeNull();
    expect(first.src.watermark_after).toBe('2026-12-05 01:23:19.000000');
    expect(first.src.read_reason).toBe('all rows (first run)');
    expect(await targetRows()).toEqual(await sourceRows());
    const [row] = await state('orders_sync');
    expect(row).toMatchObject({ step: 'src', table: 'orders', cursor: 'updated_at', run_id: first.json.run_id });
    expect(row.watermark).toBe('2026-12-05 01:23:19.000000');
    expect(row.manifest_fingerprint).toMatch(/^sha256-/);
    expect(first.stdout).toContain('"watermark_after"');
  });

  it('after 500 updates and 100 inserts reads only the changes plus the lag overlap; target equals source', async () => {
    const before = (await state('orders_sync'))[0].watermark as string;
    await mysql.connection.query(
      "UPDATE orders SET amount = amount + 1, updated_at = '2026-12-05 02:00:00' WHERE id BETWEEN 1001 AND 1500",
    );
    const inserts = Array.from({ length: 100 }, (_, i) => [ROWS + i + 1, '1.00', 'new', '2026-12-05 02:00:01']);
    await mysql.connection.query('INSERT INTO orders (id, amount, note, updated_at) VALUES ?', [inserts]);
    const lagRows = await overlap(before);
    const second = await run('sync.yaml');
    expect(second.src.rows_read).toBeLessThanOrEqual(600 + lagRows);
    expect(second.src.rows_read).toBeGreaterThanOrEqual(600);
    expect(second.src.watermark_before).toBe(before);
    expect(second.src.watermark_after).toBe('2026-12-05 02:00:01.000000');
    expect(second.src.rows_null_cursor).toBe(NULL_CURSOR);
    expect(second.src.read_reason).toBe(`rows changed since ${before} (lag 5 min)`);
    const log = readFileSync(join(second.json.run_dir, 'run.log.jsonl'), 'utf8');
    expect(log).toContain(`${NULL_CURSOR} row(s) have a NULL cursor`);
    expect(await targetRows()).toEqual(await sourceRows());

    const third = await run('sync.yaml');
    expect(third.src.rows_read).toBeLessThanOrEqual(await overlap('2026-12-05 02:00:01'));
    expect(third.dst.rows_inserted + third.dst.rows_updated).toBe(0);
    expect(third.src.watermark_after).toBe('2026-12-05 02:00:01.000000');
  });

  it('a row committed late with a cursor inside the lag is read by the next run', async () => {
    // Committed after the last run, with a cursor two minutes below its watermark.
    await mysql.connection.query(
      "INSERT INTO orders (id, amount, note, updated_at) VALUES (9001, '9.99', 'late', '2026-12-05 01:58:01')",
    );
    const late = await run('sync.yaml');
    expect(await targetRows('orders', 'id = 9001')).toEqual([[9001, '9.99', 'late', '2026-12-05 01:58:01.000000']]);
    expect(late.src.watermark_after).toBe('2026-12-05 02:00:01.000000');
  });

  it('a run killed (kill -9) mid-load leaves the previous watermark and data; the next run catches up exactly', async () => {
    const before = await state('orders_sync');
    const data = await targetRows();
    await mysql.connection.query(
      "UPDATE orders SET note = 'killed', updated_at = '2026-12-05 03:00:00' WHERE id <= 3000",
    );
    // Hold the target so that the run stages its rows and then waits at the upsert, where it is killed.
    const blocker = await pg.client.query('BEGIN; LOCK TABLE public.orders IN SHARE MODE');
    void blocker;
    const child = spawn(process.execPath, [binPath, 'run', 'sync.yaml'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH ?? '', ...env() },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 150; i++) {
        const { rows } = await pg.client.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO%'",
        );
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGKILL');
      await exited;
    } finally {
      await pg.client.query('ROLLBACK');
    }
    // The server ends the killed client's session and rolls its transaction back.
    for (let i = 0; i < 50; i++) {
      const { rows } = await pg.client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'INSERT INTO%' AND pid <> pg_backend_pid()",
      );
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await state('orders_sync')).toEqual(before);
    expect(await targetRows()).toEqual(data);
    const next = await run('sync.yaml');
    expect(next.src.watermark_after).toBe('2026-12-05 03:00:00.000000');
    expect(await targetRows()).toEqual(await sourceRows());
  }, 60_000);

  it('TIMESTAMP cursors compare as instants: the watermark is UTC whatever the client zone (DST night included)', async () => {
    const first = await run('stamps.yaml');
    expect(first.src.rows_read).toBe(300);
    const after = first.src.watermark_after as string;
    expect(after).toMatch(/^2026-03-08T\d{2}:\d{2}:00(\.0+)?Z$/);
    await mysql.connection.query(
      'UPDATE stamps SET note = ?, updated_at = updated_at + INTERVAL 1 HOUR WHERE id > 290',
      ['dst'],
    );
    const second = await run('stamps.yaml');
    expect(second.src.rows_read).toBeGreaterThanOrEqual(10);
    expect(second.src.rows_read).toBeLessThanOrEqual(16);
    const { rows } = await pg.client.query("SELECT count(*)::int AS n FROM stamps WHERE note = 'dst'");
    expect(rows[0].n).toBe(10);
  });

  it('a list cursor reads COALESCE(updated_at, created_at): rows without updated_at are not NULL-cursor rows', async () => {
    const first = await run('coalesce.yaml');
    expect(first.src.rows_read).toBeGreaterThan(ROWS);
    const [row] = await state('orders_coalesce');
    expect(row.cursor).toBe('COALESCE(updated_at, created_at)');
    const second = await run('coalesce.yaml');
    expect(second.src.rows_null_cursor).toBe(0);
    expect(second.src.rows_read).toBeLessThan(ROWS);
  });

  it('cursor columns of different kinds are a configuration error naming them (exit 5)', async () => {
    ws.write('mixed.yaml', pipeline('orders_mixed', 'orders_mixed', '', 'orders', '[updated_at, id]'));
    const result = await osiris(['run', 'mixed.yaml'], { cwd: ws.dir, env: env() });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('the cursor columns updated_at, id are of different kinds');
  });

  it('deletes: hard and soft bring the target to the source key set, counted as rows_deleted', async () => {
    await run('hard.yaml');
    await run('soft.yaml');
    await mysql.connection.query('DELETE FROM orders WHERE id BETWEEN 2001 AND 2010');
    const hard = await run('hard.yaml');
    expect(hard.dst.rows_deleted).toBe(10);
    const keys = async (table: string, where = 'true') =>
      (await pg.client.query(`SELECT id FROM ${table} WHERE ${where} ORDER BY id`)).rows.map((r) => r.id);
    const [src] = await mysql.connection.query('SELECT id FROM orders ORDER BY id');
    const sourceKeys = (src as { id: number }[]).map((r) => r.id);
    expect(await keys('orders_hard')).toEqual(sourceKeys);
    const soft = await run('soft.yaml');
    expect(soft.dst.rows_deleted).toBe(10);
    expect(await keys('orders_soft', '_osiris_deleted_at IS NULL')).toEqual(sourceKeys);
    expect(await keys('orders_soft', '_osiris_deleted_at IS NOT NULL')).toEqual([
      2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2010,
    ]);
  });

  it('--since/--until backfill a window without moving the watermark; --full-refresh reads everything', async () => {
    const before = (await state('orders_sync'))[0].watermark;
    const backfill = await run('sync.yaml', '--since', '2026-12-05 00:50:00', '--until', '2026-12-05 00:50:09');
    expect(backfill.src.rows_read).toBe(10);
    expect((await state('orders_sync'))[0].watermark).toBe(before);
    const full = await run('sync.yaml', '--full-refresh');
    const [count] = await mysql.connection.query('SELECT count(*) AS n FROM orders');
    expect(full.src.rows_read).toBe(Number((count as { n: number }[])[0]?.n));
    expect(full.src.read_reason).toBe('all rows (full refresh)');
  });

  it('osiris state list, show and reset read and edit the state table (reset needs --yes), masking secrets', async () => {
    const secret = 'canary-pw-7c1f9e';
    const url = pg.url.replace('postgres@', `postgres:${secret}@`);
    ws.write('secrets.yaml', `connections:\n  shop:\n    url: ${mysql.url}\n  warehouse:\n    url: ${url}\n`);
    const opts = { cwd: ws.dir, env: { TZ: 'UTC' } };
    const list = await osiris(['state', 'list', 'sync.yaml', '--secrets-file', 'secrets.yaml', '--json'], opts);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout);
    expect(rows).toMatchObject([{ pipeline: 'orders_sync', step: 'src', table: 'orders', sink: 'dst' }]);
    const show = await osiris(['state', 'show', 'sync.yaml', '--secrets-file', 'secrets.yaml'], opts);
    expect(show.stdout).toContain('watermark:');
    const refused = await osiris(['state', 'reset', 'sync.yaml', '--secrets-file', 'secrets.yaml'], opts);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(await state('orders_sync')).toHaveLength(1);
    const reset = await osiris(
      ['state', 'reset', 'sync.yaml', '--step', 'src', '--secrets-file', 'secrets.yaml', '--yes', '--json'],
      opts,
    );
    expect(JSON.parse(reset.stdout)).toEqual({ pipeline: 'orders_sync', reset: 1 });
    expect(await state('orders_sync')).toHaveLength(0);
    for (const out of [list, show, refused, reset]) expect(out.stdout + out.stderr).not.toContain(secret);
  });

  it('validation warns when an incremental source feeds an append sink', async () => {
    const result = await osiris(['compile', 'append.yaml', '--out', 'out-append'], { cwd: ws.dir, env: {} });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('appends the rows of incremental source "src"');
  });

  it('supabase.table reads incrementally too: timestamptz compared as instants on a server in another zone', async () => {
    await pg.client.query(`ALTER DATABASE ${pg.name} SET timezone TO 'Asia/Kolkata'`);
    await pg.client.query(`CREATE TABLE events (id int PRIMARY KEY, v text, changed_at timestamptz);
      INSERT INTO events SELECT g, 'v' || g, timestamptz '2026-12-05 00:00:00+00' + g * interval '1 minute' FROM generate_series(1, 200) g`);
    ws.write(
      'pg.yaml',
      pipeline('events_sync', 'events_copy').replace(
        /type: mysql\.table\n {4}connection: "@shop"\n {4}mode: read\n {4}options:\n {6}table: orders\n {6}incremental: \{ cursor: updated_at/,
        'type: supabase.table\n    connection: "@warehouse"\n    mode: read\n    options:\n      table: events\n      incremental: { cursor: changed_at',
      ),
    );
    const first = await run('pg.yaml');
    expect(first.src.rows_read).toBe(200);
    expect(first.src.watermark_after).toBe('2026-12-05 03:20:00+00');
    await pg.client.query("UPDATE events SET v = 'changed', changed_at = '2026-12-05 09:00:00+05:30' WHERE id <= 20");
    const second = await run('pg.yaml');
    // Changed rows plus those within the 5 minutes below the watermark (ids 196-200).
    expect(second.src.rows_read).toBe(25);
    expect(second.src.watermark_after).toBe('2026-12-05 03:30:00+00');
    const copy = await pg.client.query("SELECT count(*)::int AS n FROM events_copy WHERE v = 'changed'");
    expect(copy.rows[0].n).toBe(20);
  });

  it('--engine e2b (local sandbox) finds the state in the target and continues from it', async () => {
    const before = (await state('orders_hard'))[0].watermark;
    await mysql.connection.query("UPDATE orders SET note = 'e2b', updated_at = '2026-12-05 04:00:00' WHERE id = 4000");
    const result = await osiris(['run', 'hard.yaml', '--engine', 'e2b', '--json'], {
      cwd: ws.dir,
      env: { ...env(), OSIRIS_E2B_SANDBOX: 'local' },
    });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    const src = json.steps.find((s: { id: string }) => s.id === 'src');
    expect(src.watermark_before).toBe(before);
    expect(src.watermark_after).toBe('2026-12-05 04:00:00.000000');
    expect(src.rows_read).toBeLessThan(ROWS);
    expect(await targetRows('orders_hard', 'id = 4000')).toEqual([
      [4000, '3999.25', 'e2b', '2026-12-05 04:00:00.000000'],
    ]);
  });
});
