// SPDX-License-Identifier: MIT
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunManifest, StepConfig } from '@osiris/compiler';
import { loadRegistry } from '@osiris/registry';
import { type RetryOptions, runManifest } from '@osiris/runner';
import {
  createMysqlDatabase,
  createPgDatabase,
  MYSQL,
  type MysqlDatabase,
  type PgDatabase,
  type StallingProxy,
  startStallingProxy,
} from '@osiris/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localEngine } from '../src/engine';

// A run must end in a recorded state when a connection is lost or goes silent mid-copy: exit 4,
// status.json final, the target unchanged, and nothing of the run left on either server.

const registry = loadRegistry();
const ROWS = 100_000;
/** Rows of about 200 bytes: 20 MB, more than socket buffers hold, so a server is still sending mid-copy. */
const LABEL = 'x'.repeat(190);
let mysql: MysqlDatabase;
let pg: PgDatabase;
let runsDir: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Rejects when `promise` has not settled within `ms`: a hang fails the test instead of timing it out. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`the run was still going after ${ms} ms`)), ms)),
  ]);
}

type Source = { component: 'mysql.table' | 'supabase.table'; connection: string; table: string };

function plan(source: Source): { manifest: RunManifest; configs: Map<string, StepConfig> } {
  const manifest: RunManifest = {
    apiVersion: 'osiris.v1',
    kind: 'RunManifest',
    pipeline: 'faults',
    fingerprints: { oml: `sha256-${'0'.repeat(64)}`, registry: `sha256-${'0'.repeat(64)}` },
    steps: [
      { id: 'src', component: source.component, component_version: '0.1.0', mode: 'read', cfg: 'cfg/src.json' },
      {
        id: 'dst',
        component: 'supabase.table',
        component_version: '0.1.0',
        mode: 'write',
        cfg: 'cfg/dst.json',
        needs: ['src'],
      },
    ],
    execution: { engine: 'local', params: { chunk_size: 1000 } },
  };
  const configs = new Map<string, StepConfig>([
    [
      'src',
      {
        id: 'src',
        component: source.component,
        mode: 'read',
        connection: source.connection,
        options: { table: source.table },
      },
    ],
    [
      'dst',
      {
        id: 'dst',
        component: 'supabase.table',
        mode: 'write',
        connection: '@warehouse',
        options: { table: 'target', write_mode: 'append' },
      },
    ],
  ]);
  return { manifest, configs };
}

function run(
  source: Source,
  options: { shopUrl?: string; retry?: RetryOptions; idleTimeoutMs?: number; signal?: AbortSignal } = {},
) {
  const { manifest, configs } = plan(source);
  return runManifest({
    manifest,
    configs,
    engine: localEngine,
    registry,
    runsDir,
    env: { OSIRIS_CONN__SHOP__URL: options.shopUrl ?? mysql.url, OSIRIS_CONN__WAREHOUSE__URL: pg.url },
    retry: options.retry ?? { attempts: 1 },
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

const fromMysql: Source = { component: 'mysql.table', connection: '@shop', table: 'numbers' };
const fromPostgres: Source = { component: 'supabase.table', connection: '@warehouse', table: 'numbers' };

/** Backends of the run (the connectors name their sessions osiris) and what they do. */
async function osirisBackends(): Promise<{ pid: number; state: string; query: string }[]> {
  const { rows } = await pg.client.query(
    "SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'osiris'",
  );
  return rows;
}

/** Locks on the target held by anyone but this test's own session. */
async function targetLocks(): Promise<number> {
  const { rows } = await pg.client.query(
    "SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'target'::regclass AND pid <> pg_backend_pid()",
  );
  return rows[0].n;
}

async function targetRows(): Promise<number> {
  return (await pg.client.query('SELECT count(*)::int AS n FROM target')).rows[0].n;
}

/** The pid of the run's backend whose statement matches `statement`, once it runs. */
async function backendRunning(statement: RegExp): Promise<number> {
  let pid: number | undefined;
  await waitFor(`a backend running ${statement}`, async () => {
    pid = (await osirisBackends()).find((b) => b.state === 'active' && statement.test(b.query))?.pid;
    return pid !== undefined;
  });
  return pid as number;
}

/** The run's connections to MySQL (the test's own one aside). */
async function mysqlReaders(): Promise<number[]> {
  const [rows] = await mysql.connection.query(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND DB = ?',
    [mysql.name],
  );
  return (rows as { id: number }[]).map((row) => Number(row.id));
}

/** The run left nothing behind: no session on Postgres, no lock on the target, no reader on MySQL. */
async function expectReleased(): Promise<void> {
  await waitFor('the run to release Postgres', async () => (await osirisBackends()).length === 0, 5000);
  expect(await targetLocks()).toBe(0);
  await waitFor('the run to release MySQL', async () => (await mysqlReaders()).length === 0, 5000);
}

function statusFile(runDir: string): { status: string; exit_code: number | null; error?: string } {
  return JSON.parse(readFileSync(join(runDir, 'status.json'), 'utf8'));
}

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  runsDir = mkdtempSync(join(tmpdir(), 'osiris-faults-'));
  await mysql.connection.query('CREATE TABLE numbers (id INT PRIMARY KEY, label VARCHAR(250) NOT NULL)');
  await mysql.connection.query(`INSERT INTO numbers SELECT seq, CONCAT('row-', seq, '${LABEL}') FROM seq_1_to_${ROWS}`);
  await pg.client.query(`CREATE TABLE numbers (id int PRIMARY KEY, label text NOT NULL);
    INSERT INTO numbers SELECT i, 'row-' || i || '${LABEL}' FROM generate_series(1, ${ROWS}) AS i;
    CREATE TABLE target (id int PRIMARY KEY, label text NOT NULL);
    -- A target that takes its time (a second or two for the table), so that a fault lands mid-copy.
    CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.id % 1000 = 0 THEN PERFORM pg_sleep(0.02); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER slow_insert BEFORE INSERT ON target FOR EACH ROW EXECUTE FUNCTION slow_insert();`);
}, 60_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  if (runsDir !== undefined) rmSync(runsDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await pg.client.query('TRUNCATE target');
});

describe('a connection lost mid-copy', () => {
  it('MySQL source killed (KILL <id>): exit 4 within seconds, recorded, the target unchanged and released', async () => {
    const running = run(fromMysql);
    await backendRunning(/^COPY "public"\."target"/);
    const [reader] = await mysqlReaders();
    const killedAt = Date.now();
    await mysql.connection.query(`KILL ${reader}`);
    const result = await within(10_000, running);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(result).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(result.error?.message).toMatch(/the MySQL connection was lost after \d+ rows of `[^`]+`\.`numbers`/);
    expect(statusFile(result.runDir)).toMatchObject({ status: 'failed', exit_code: 4 });
    expect(await targetRows()).toBe(0);
    await expectReleased();
  });

  it('MySQL source killed, with retries: the next attempt loads every row exactly once', async () => {
    const running = run(fromMysql, { retry: { attempts: 3, baseDelayMs: 50 } });
    await backendRunning(/^COPY "public"\."target"/);
    const [reader] = await mysqlReaders();
    await mysql.connection.query(`KILL ${reader}`);
    const result = await within(30_000, running);
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, rowsRead: ROWS, rowsWritten: ROWS });
    expect(result.steps.map((step) => step.attempts)).toEqual([2, 2]);
    expect(await targetRows()).toBe(ROWS);
    await expectReleased();
  });

  it('Postgres target backend terminated mid-COPY: exit 4 within seconds, the MySQL reader released', async () => {
    const running = run(fromMysql);
    const copy = await backendRunning(/^COPY "public"\."target"/);
    const terminatedAt = Date.now();
    await pg.client.query('SELECT pg_terminate_backend($1)', [copy]);
    const result = await within(10_000, running);
    expect(Date.now() - terminatedAt).toBeLessThan(5000);
    expect(result).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(result.error?.message).toMatch(/dst.*terminat/);
    expect(statusFile(result.runDir)).toMatchObject({ status: 'failed', exit_code: 4 });
    expect(await targetRows()).toBe(0);
    await expectReleased();
  });

  it('Postgres target backend terminated, with retries: the next attempt loads every row exactly once', async () => {
    const running = run(fromMysql, { retry: { attempts: 3, baseDelayMs: 50 } });
    const copy = await backendRunning(/^COPY "public"\."target"/);
    await pg.client.query('SELECT pg_terminate_backend($1)', [copy]);
    const result = await within(30_000, running);
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, rowsWritten: ROWS });
    expect(result.steps.map((step) => step.attempts)).toEqual([2, 2]);
    expect(await targetRows()).toBe(ROWS);
    await expectReleased();
  });

  it('Postgres source backend terminated mid-read: exit 4 within seconds, the target unchanged and released', async () => {
    const running = run(fromPostgres);
    await backendRunning(/^COPY "public"\."target"/);
    const source = await backendRunning(/^COPY \(select/i);
    const terminatedAt = Date.now();
    await pg.client.query('SELECT pg_terminate_backend($1)', [source]);
    const result = await within(10_000, running);
    expect(Date.now() - terminatedAt).toBeLessThan(5000);
    expect(result).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(result.error?.message).toMatch(/src.*terminat/);
    expect(statusFile(result.runDir)).toMatchObject({ status: 'failed', exit_code: 4 });
    expect(await targetRows()).toBe(0);
    await expectReleased();
  });
});

describe('a source that stops sending', () => {
  let proxy: StallingProxy;
  beforeEach(async () => {
    proxy = await startStallingProxy(MYSQL.host, MYSQL.port);
  });
  afterEach(async () => {
    await proxy.close();
  });

  it('fails after the idle timeout (exit 4), recorded, the target unchanged and both servers released', async () => {
    const shopUrl = `mysql://${MYSQL.user}@127.0.0.1:${proxy.port}/${mysql.name}`;
    const running = run(fromMysql, { shopUrl, idleTimeoutMs: 1500 });
    await backendRunning(/^COPY "public"\."target"/);
    const stalledAt = Date.now();
    proxy.stall();
    const result = await within(10_000, running);
    const waited = Date.now() - stalledAt;
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(6000);
    expect(result).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(result.error?.message).toMatch(
      /step "src" \(mysql\.table\) failed: no data came from the source for 1\.5 s \(the idle timeout\) after \d+ rows/,
    );
    expect(result.error?.message).toContain('OSIRIS_IDLE_TIMEOUT');
    expect(statusFile(result.runDir)).toMatchObject({ status: 'failed', exit_code: 4 });
    expect(await targetRows()).toBe(0);
    // The server's thread was writing into the silent connection; the reader ended it.
    await expectReleased();
  });

  it('a sink that is slow does not count as a silent source', async () => {
    await pg.client.query(`CREATE OR REPLACE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id % 10000 = 0 THEN PERFORM pg_sleep(0.6); END IF;
        RETURN NEW;
      END $$`);
    try {
      const result = await run(fromMysql, { idleTimeoutMs: 400 });
      expect(result).toMatchObject({ status: 'succeeded', rowsWritten: ROWS });
    } finally {
      await pg.client.query(`CREATE OR REPLACE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id % 1000 = 0 THEN PERFORM pg_sleep(0.02); END IF;
          RETURN NEW;
        END $$`);
    }
  });
});
