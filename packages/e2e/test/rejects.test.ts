// SPDX-License-Identifier: MIT
// Rows that fail on their own (ADR 0020): `max_rejects` through the built binary, on the real databases.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinConnectors, connectorSet } from '@osiris/connectors';
import { replayRejects } from '@osiris/runner';
import {
  createMysqlDatabase,
  createPgDatabase,
  type MysqlDatabase,
  type PgDatabase,
  readTree,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osiris, workspace } from './helpers';

const ROWS = 100_000;
/** Rows whose qty breaks the target's CHECK (qty > 0). */
const BAD = [3, 50_000, 99_999];

let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();
const home = join(ws.dir, 'home');
// A warehouse password of canaries (Postgres trusts local connections: it is only carried), also
// planted as a value of a rejected row, which the run's redactor must mask in the rejects file.
const canaries = Array.from({ length: 4 }, (_, i) => `Rj${randomBytes(3).toString('hex')}${i}q`);
const password = canaries.join('@:/');
const warehouseUrl = () => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:5432/${pg.name}`;

const pipeline = `version: 0.0.1
name: rejects_check
params:
  max_rejects: 10
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: items }
sinks:
  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { table: items, write_mode: append, max_rejects: "\${params.max_rejects}" }
`;

const count = async () => Number((await pg.client.query('SELECT count(*)::int AS n FROM items')).rows[0]?.n);
const run = (maxRejects: number) =>
  osiris(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml', '--param', `max_rejects=${maxRejects}`], {
    cwd: ws.dir,
    env: { OSIRIS_HOME: home },
  });

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query('CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(200) NOT NULL)');
  await mysql.connection.query(
    `INSERT INTO items SELECT seq, IF(seq IN (${BAD.join(',')}), -seq, seq % 100 + 1), CONCAT('n', seq) FROM seq_1_to_${ROWS}`,
  );
  await mysql.connection.query('UPDATE items SET note = ? WHERE id = ?', [`secret ${password}`, BAD[0]]);
  await pg.client.query(
    'CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL CHECK (qty > 0), note TEXT NOT NULL)',
  );
  ws.write('pipeline.yaml', pipeline);
  ws.write(
    'secrets.yaml',
    `connections:\n  shop:\n    url: ${JSON.stringify(mysql.url)}\n  warehouse:\n    url: ${JSON.stringify(warehouseUrl())}\n`,
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('max_rejects', () => {
  let runDir: string;

  it('loads every other row within max_rejects, exit 0, and puts the 3 refused rows in rejects/dst.jsonl', async () => {
    const result = await run(10);
    expect(result.code, result.stderr).toBe(0);
    // The summary says how many and where.
    expect(result.stdout).toMatch(/\n {2}dst: 3 rows rejected: .*\/rejects\/dst\.jsonl\n/);
    const folder = /run folder: (.*)\/\n/.exec(result.stdout)?.[1];
    runDir = join(ws.dir, folder as string);
    expect(await count()).toBe(ROWS - 3);
    const lines = readFileSync(join(runDir, 'rejects/dst.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.row)).toEqual(BAD);
    expect(lines[1]).toEqual({
      row: BAD[1],
      values: { id: BAD[1], qty: -(BAD[1] as number), note: `n${BAD[1]}` },
      sqlstate: '23514',
      message: 'new row for relation "items" violates check constraint "items_qty_check"',
    });
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    expect(metrics.exit_code).toBe(0);
    expect(metrics.steps[1]).toMatchObject({
      id: 'dst',
      rows_written: ROWS - 3,
      rows_rejected: 3,
      rejects_file: 'rejects/dst.jsonl',
    });
  }, 120_000);

  it('rolls the whole load back with more refused rows than max_rejects: exit 4, target unchanged', async () => {
    // Rows of their own, so that only the CHECK refuses the run's rows.
    await pg.client.query('CREATE TABLE items_kept AS SELECT * FROM items; TRUNCATE items');
    await pg.client.query("INSERT INTO items VALUES (0, 1, 'kept')");
    const result = await run(2);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(
      /refused more than 2 rows \(max_rejects: 2\); the first was input row 3: .*check constraint "items_qty_check" \(SQLSTATE 23514\)/,
    );
    const { rows } = await pg.client.query('SELECT id, note FROM items');
    expect(rows).toEqual([{ id: 0, note: 'kept' }]);
    const failed = readdirSync(join(home, 'runs')).sort().at(-1) as string;
    expect(readdirSync(join(home, 'runs', failed))).not.toContain('rejects');
    await pg.client.query('TRUNCATE items; INSERT INTO items SELECT * FROM items_kept; DROP TABLE items_kept');
  }, 120_000);

  it('replays the rejects from the dead-letter queue once the constraint is dropped, once only', async () => {
    const cli = (args: string[]) => osiris(args, { cwd: ws.dir, env: { OSIRIS_HOME: home } });
    // The run left one `rejects` item for its step; replaying it before the fix fails and loads nothing.
    const items = JSON.parse((await cli(['dlq', 'list', '--json'])).stdout) as { id: string; kind: string }[];
    const rejectsItems = items.filter((entry) => entry.kind === 'rejects');
    expect(rejectsItems).toHaveLength(1);
    const id = rejectsItems[0]?.id as string;
    const early = await cli(['dlq', 'replay', id, '--secrets-file', 'secrets.yaml']);
    expect(early.code, early.stderr).not.toBe(0);
    expect(await count()).toBe(ROWS - 3);

    await pg.client.query('ALTER TABLE items DROP CONSTRAINT items_qty_check');
    const replay = await cli(['dlq', 'replay', id, '--secrets-file', 'secrets.yaml', '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    const [report] = JSON.parse(replay.stdout);
    expect(report).toMatchObject({ id, outcome: 'succeeded', exit_code: 0 });
    expect(await count()).toBe(ROWS);
    const twice = await cli(['dlq', 'replay', id, '--secrets-file', 'secrets.yaml']);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain(`already replayed in run ${report.run_id}`);
    expect(await count()).toBe(ROWS);
  }, 240_000);

  it('replays rejects through the library: a merge replay changes nothing', async () => {
    const config = JSON.parse(readFileSync(join(runDir, 'cfg/dst.json'), 'utf8'));
    const connector = connectorSet(builtinConnectors).get(config.component);
    if (connector === undefined) throw new Error('no supabase.table connector');
    const file = join(runDir, 'rejects/dst.jsonl');
    const merge = { ...config, options: { ...config.options, write_mode: 'merge', merge_keys: ['id'] } };
    const again = await replayRejects({ file, config: merge, connector, connection: { url: warehouseUrl() } });
    expect(again).toMatchObject({ rowsReplayed: 3, inserted: 0, updated: 0 });
    expect(await count()).toBe(ROWS);
    const { rows } = await pg.client.query('SELECT qty FROM items WHERE id = $1', [BAD[2]]);
    expect(rows[0]?.qty).toBe(-(BAD[2] as number));
  }, 120_000);

  it('writes no secret into a rejects file (a password planted in a rejected row is masked)', () => {
    const written = Object.entries(readTree(home));
    const rejects = written.filter(([file]) => file.includes('rejects/'));
    expect(rejects).toHaveLength(1);
    expect(rejects[0]?.[1]).toContain('"note":"secret ***"');
    for (const canary of canaries) {
      for (const [file, text] of written) expect(text, file).not.toContain(canary);
    }
  });
});
