// SPDX-License-Identifier: MIT
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
const home = join(ws.dir, 'home');
const dlq = join(home, 'dlq');
// Postgres trusts local connections: the password is never checked, only carried — and must never be written.
const canary = 'CanarySupervisor7Rz3';
const outputs: [string, string][] = [];

const pipeline = (table: string, sink: string, source = 'items') => `version: 0.0.1
name: ${table}_copy
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: ${source} }
sinks:
  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { table: ${table}, ${sink} }
`;

// Each of the first two tests starts about ten `osiris` processes; a busy CI machine gets room (240 s per test).
async function cli(args: string[], onSpawn?: Parameters<typeof osiris>[1]['onSpawn']) {
  const result = await osiris(args, { cwd: ws.dir, env: { OSIRIS_HOME: home }, ...(onSpawn ? { onSpawn } : {}) });
  outputs.push([`osiris ${args.join(' ')}`, `${result.stdout}\n${result.stderr}`]);
  return result;
}

const count = async (table: string) => (await pg.client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
const itemsIn = (topic: string) => (existsSync(join(dlq, topic)) ? readdirSync(join(dlq, topic)) : []);
const readItem = (topic: string, name: string) => JSON.parse(readFileSync(join(dlq, topic, name), 'utf8'));

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL)');
  await mysql.connection.query("INSERT INTO items SELECT seq, CONCAT('item-', seq) FROM seq_1_to_5");
  await mysql.connection.query('CREATE TABLE numbers (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL)');
  await mysql.connection.query("INSERT INTO numbers SELECT seq, CONCAT('row-', seq) FROM seq_1_to_1000000");
  // No primary key: a second load of the same rows would show as ten rows.
  await pg.client.query('CREATE TABLE loose (id INT, label TEXT)');
  await pg.client.query('CREATE TABLE checked (id INT PRIMARY KEY, label TEXT, CONSTRAINT small CHECK (id < 4))');
  await pg.client.query('CREATE TABLE numbers (id INT PRIMARY KEY, label TEXT NOT NULL)');
  ws.write(
    'secrets.yaml',
    `connections:\n  shop:\n    url: ${mysql.url}\n  warehouse:\n    url: postgresql://postgres:${canary}@127.0.0.1:5432/${pg.name}\n`,
  );
  ws.write('numbers.yaml', pipeline('numbers', 'write_mode: append', 'numbers'));
}, 120_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('dead-letter queue', () => {
  it('a validation failure leaves one item with the full envelope; a replay after the fix loads once', async () => {
    ws.write('loose.yaml', pipeline('loose', 'write_mode: merge'));
    const bad = await cli(['run', 'loose.yaml', '--secrets-file', 'secrets.yaml']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/dead letter: .*dlq\/validation\.reports\/e_/);
    const files = itemsIn('validation.reports');
    expect(files).toHaveLength(1);
    const item = readItem('validation.reports', files[0] as string);
    const id = (files[0] as string).replace(/\.json$/, '');
    expect(item.dlq).toMatchObject({ topic: 'validation.reports', status: 'pending', replays: [] });
    expect(item.envelope).toMatchObject({
      id,
      source: 'validator',
      type: 'VALIDATION_REPORT',
      schema_ref: 'osiris.v1/payload/validation',
      payload: {
        kind: 'validation',
        valid: false,
        error: { code: 'VALIDATION' },
        replay: { file: join(ws.dir, 'loose.yaml'), params: [] },
      },
    });
    expect(Object.keys(item.envelope).sort()).toEqual(
      ['context', 'correlation_id', 'id', 'payload', 'schema_ref', 'source', 'timestamp', 'type'].sort(),
    );
    expect(item.envelope.payload.diagnostics.length).toBeGreaterThan(0);
    // The item's envelope is what `osiris schema envelope` describes.
    const schema = JSON.parse((await cli(['schema', 'envelope'])).stdout);
    expect([...schema.required].sort()).toEqual(Object.keys(item.envelope).sort());
    expect(item.envelope.id).toMatch(new RegExp(schema.properties.id.pattern));
    expect(schema.properties.type.enum).toContain(item.envelope.type);
    expect(schema.properties.source.enum).toContain(item.envelope.source);

    // Not fixed yet: the replay fails validation again and the item stays pending.
    const early = await cli(['dlq', 'replay', id, '--secrets-file', 'secrets.yaml']);
    expect(early.code).toBe(2);
    expect(readItem('validation.reports', `${id}.json`).dlq.status).toBe('pending');

    ws.write('loose.yaml', pipeline('loose', 'write_mode: append'));
    const replay = await cli(['dlq', 'replay', id, '--secrets-file', 'secrets.yaml', '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    const [report] = JSON.parse(replay.stdout);
    expect(report).toMatchObject({ id, outcome: 'succeeded', exit_code: 0 });
    expect(await count('loose')).toBe(5);
    const shown = JSON.parse((await cli(['dlq', 'show', id])).stdout);
    expect(shown.dlq).toMatchObject({ status: 'replayed', replay_run_id: report.run_id });

    const twice = await cli(['dlq', 'replay', id, '--secrets-file', 'secrets.yaml']);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain(`already replayed in run ${report.run_id}`);
    expect(await count('loose')).toBe(5);

    // The replayed run was compiled from the pipeline file: it went through GENERATED.
    const view = JSON.parse((await cli(['runs', 'view', report.run_id, '--json'])).stdout);
    expect(view.transitions.map((t: { state: string }) => t.state)).toEqual([
      'NEW',
      'GENERATED',
      'VALIDATED',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(view).toMatchObject({ state: 'SUCCEEDED', status: 'succeeded' });
  }, 240_000);

  it('a runtime failure leaves one item with the step, the SQLSTATE and the pipe to replay; replay once fixed', async () => {
    ws.write('checked.yaml', pipeline('checked', 'write_mode: append'));
    const failed = await cli(['run', 'checked.yaml', '--secrets-file', 'secrets.yaml', '--json']);
    expect(failed.code, failed.stderr).toBe(4);
    const result = JSON.parse(failed.stdout);
    expect(result).toMatchObject({ state: 'FAILED', status: 'failed' });
    expect(result.dead_letters).toHaveLength(1);
    const files = itemsIn('run.events');
    expect(files).toHaveLength(1);
    const id = (files[0] as string).replace(/\.json$/, '');
    const item = readItem('run.events', files[0] as string);
    expect(item.envelope).toMatchObject({
      id,
      correlation_id: result.correlation_id,
      source: 'runner',
      type: 'ERROR',
      payload: {
        kind: 'step',
        run_id: result.run_id,
        pipeline: 'checked_copy',
        step: 'dst',
        component: 'supabase.table',
        error: { code: 'RUN', sqlstate: '23514' },
        replay: {
          steps: ['src', 'dst'],
          configs: { src: { connection: '@shop' }, dst: { connection: '@warehouse' } },
        },
      },
    });
    expect(item.envelope.payload.manifest_fingerprint).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(item.envelope.payload.error.message).toMatch(/check constraint/);

    const list = JSON.parse((await cli(['dlq', 'list', '--json'])).stdout);
    expect(list.find((entry: { id: string }) => entry.id === id)).toMatchObject({
      kind: 'step',
      status: 'pending',
      run_id: result.run_id,
      step: 'dst',
    });
    const view = await cli(['runs', 'view', result.run_id]);
    expect(view.stdout).toMatch(/states: {3}NEW .* → GENERATED .* → VALIDATED .* → RUNNING .* → FAILED /);
    expect(view.stdout).toContain(`dlq/run.events/${id}.json`);

    await pg.client.query('ALTER TABLE checked DROP CONSTRAINT small');
    const replay = await cli(['dlq', 'replay', '--all', '--secrets-file', 'secrets.yaml', '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    const [report] = JSON.parse(replay.stdout);
    expect(report).toMatchObject({ id, outcome: 'succeeded' });
    expect(report.run_id).not.toBe(result.run_id);
    expect(await count('checked')).toBe(5);
    const again = await cli(['dlq', 'replay', id, '--secrets-file', 'secrets.yaml', '--json']);
    expect(JSON.parse(again.stdout)).toEqual([{ id, outcome: 'already', run_id: report.run_id, exit_code: 0 }]);
    expect(await count('checked')).toBe(5);
    // The replay run skipped GENERATED: it ran the manifest kept in the item.
    const replayed = JSON.parse((await cli(['runs', 'view', report.run_id, '--json'])).stdout);
    expect(replayed.transitions.map((t: { state: string }) => t.state)).toEqual([
      'NEW',
      'VALIDATED',
      'RUNNING',
      'SUCCEEDED',
    ]);

    const dropped = await cli(['dlq', 'drop', id]);
    expect(dropped.code).toBe(0);
    expect(itemsIn('run.events')).toHaveLength(0);
  }, 240_000);
});

describe('state history of a stopped run', () => {
  /** Sends `signal` once the sink's first line is in the newest run's log; resolves with that run's folder. */
  async function stopMidway(signal: NodeJS.Signals) {
    const runs = join(home, 'runs');
    const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
    let runDir: string | undefined;
    let watcher: NodeJS.Timeout | undefined;
    const result = await cli(['run', 'numbers.yaml', '--secrets-file', 'secrets.yaml', '--json'], (child) => {
      watcher = setInterval(() => {
        if (runDir !== undefined || !existsSync(runs)) return;
        const fresh = readdirSync(runs).find((id) => !before.has(id));
        const log = fresh === undefined ? undefined : join(runs, fresh, 'run.log.jsonl');
        if (log && existsSync(log) && readFileSync(log, 'utf8').includes('"step":"dst"')) {
          runDir = join(runs, fresh as string);
          child.kill(signal);
        }
      }, 10);
    });
    clearInterval(watcher);
    return { result, runDir };
  }

  it('SIGTERM: INTERRUPTED, recorded with every transition', async () => {
    const { result, runDir } = await stopMidway('SIGTERM');
    expect(runDir).toBeDefined();
    expect(result.code, result.stderr).toBe(130);
    const status = JSON.parse(readFileSync(join(runDir as string, 'status.json'), 'utf8'));
    expect(status).toMatchObject({ state: 'INTERRUPTED', status: 'interrupted', exit_code: 130 });
    expect(status.transitions.map((t: { state: string }) => t.state)).toEqual([
      'NEW',
      'GENERATED',
      'VALIDATED',
      'RUNNING',
      'INTERRUPTED',
    ]);
    // An interruption is the user's doing: nothing goes to the dead-letter queue.
    expect(JSON.parse(result.stdout).dead_letters).toEqual([]);
    expect(await count('numbers')).toBe(0);
  }, 240_000);

  it('kill -9: the run stays RUNNING on disk and runs list/view show it ABANDONED', async () => {
    const { result, runDir } = await stopMidway('SIGKILL');
    expect(result.signal).toBe('SIGKILL');
    const runId = (runDir as string).split('/').at(-1) as string;
    const status = JSON.parse(readFileSync(join(runDir as string, 'status.json'), 'utf8'));
    expect(status).toMatchObject({ state: 'RUNNING', owner: { pid: expect.any(Number) } });
    const view = JSON.parse((await cli(['runs', 'view', runId, '--json'])).stdout);
    expect(view).toMatchObject({ run_id: runId, state: 'ABANDONED', status: 'abandoned' });
    const list = await cli(['runs', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${runId}\\s+abandoned`));
    expect(await count('numbers')).toBe(0);
  }, 240_000);
});

describe('secrets', () => {
  it('the canary password appears in no envelope, dead-letter item, run file or output', () => {
    const written = Object.entries(readTree(home));
    expect(written.some(([file]) => file.includes('dlq/'))).toBe(true);
    for (const [what, text] of [...outputs, ...written]) expect(text, what).not.toContain(canary);
  });
});
