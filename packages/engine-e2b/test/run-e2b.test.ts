// SPDX-License-Identifier: MIT
// `osiris run --engine e2b` as the CLI does it — runManifest with the engine from the environment,
// OSIRIS_E2B_SANDBOX=local — against the real MariaDB and PostgreSQL.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunManifest, StepConfig } from '@osiris/compiler';
import { ExitCode, exitCodeOf, isOsirisError, OsirisErrorCode } from '@osiris/registry';
import {
  DEFAULT_RUN_SETTINGS,
  type Engine,
  parseRunSettings,
  type RunManifestOptions,
  type RunMetrics,
  type RunSettings,
  type RunStatusFile,
  runManifest,
} from '@osiris/runner';
import { startStallingProxy } from '@osiris/test-utils';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createE2bEngine, E2B_LINE_PREFIX } from '../src/engine';
import { createE2bEngineFromEnv } from '../src/env';
import {
  captureOutput,
  compilePipeline,
  copyPipeline,
  createMysqlDatabase,
  createPgDatabase,
  filesUnder,
  fingerprint,
  logLines,
  MYSQL,
  readJson,
  recordingFactory,
  registry,
  tempDir,
} from './helpers';

let mysql: { name: string; url: string; admin: Connection; drop: () => Promise<void> };
let pg: { name: string; url: string; admin: Client; drop: () => Promise<void> };

const ORDERS = 25;

beforeAll(async () => {
  mysql = await createMysqlDatabase();
  pg = await createPgDatabase();
  await mysql.admin.query(
    'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount DECIMAL(10,2) NOT NULL, note TEXT NULL)',
  );
  const rows = Array.from({ length: ORDERS }, (_, i) => [
    i + 1,
    `customer ${i + 1}`,
    `${(i + 1) * 10}.50`,
    i % 5 === 0 ? null : `note ${i + 1}`,
  ]);
  await mysql.admin.query('INSERT INTO orders (id, customer, amount, note) VALUES ?', [rows]);
  // A table big enough that a run is still copying when Ctrl-C comes.
  await mysql.admin.query('CREATE TABLE big (id INT PRIMARY KEY, payload VARCHAR(64) NOT NULL)');
  await mysql.admin.query("INSERT INTO big (id, payload) SELECT seq, CONCAT('payload-', seq) FROM seq_1_to_300000");
  // 20 MB, more than socket buffers hold: the server is still sending when the connection goes silent.
  await mysql.admin.query('CREATE TABLE wide (id INT PRIMARY KEY, payload VARCHAR(250) NOT NULL)');
  await mysql.admin.query("INSERT INTO wide (id, payload) SELECT seq, REPEAT('w', 200) FROM seq_1_to_100000");
}, 60_000);

afterAll(async () => {
  await mysql?.drop();
  await pg?.drop();
});

async function createTarget(table: string, extra = ''): Promise<void> {
  await pg.admin.query(
    `CREATE TABLE public.${table} (id INT PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(10,2) NOT NULL, note TEXT${extra})`,
  );
}

function connectionEnv(): Record<string, string> {
  return { OSIRIS_CONN__MYSQL__URL: mysql.url, OSIRIS_CONN__SUPABASE__URL: pg.url };
}

function runOptions(
  compiled: { manifest: RunManifest; configs: Readonly<Record<string, StepConfig>> },
  overrides: Partial<RunManifestOptions> & Pick<RunManifestOptions, 'engine'>,
): RunManifestOptions {
  return {
    manifest: compiled.manifest,
    configs: compiled.configs,
    registry,
    runsDir: join(tempDir(), 'runs'),
    env: { ...connectionEnv(), OSIRIS_E2B_SANDBOX: 'local' },
    ...overrides,
  };
}

describe('osiris run --engine e2b (OSIRIS_E2B_SANDBOX=local)', () => {
  it('copies the rows, streams prefixed lines, and leaves the full log, metrics and status in the local run folder', async () => {
    await createTarget('orders_ok');
    const output = captureOutput();
    const env = { ...connectionEnv(), OSIRIS_E2B_SANDBOX: 'local' };
    const engine = createE2bEngineFromEnv(env, { output });
    const compiled = compilePipeline(
      copyPipeline({ mysqlDb: mysql.name, source: 'orders', target: 'orders_ok', chunkSize: 10 }),
    );
    const result = await runManifest(runOptions(compiled, { engine, env, correlationId: 'corr-e2b-1' }));

    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, rowsRead: ORDERS, rowsWritten: ORDERS });
    const { rows } = await pg.admin.query(
      'SELECT id, customer, amount::text AS amount, note FROM public.orders_ok ORDER BY id',
    );
    expect(rows).toHaveLength(ORDERS);
    expect(rows[0]).toEqual({ id: 1, customer: 'customer 1', amount: '10.50', note: null });
    expect(rows[24]).toEqual({ id: 25, customer: 'customer 25', amount: '250.50', note: 'note 25' });

    // Every streamed line carries the prefix; the JSON ones are the remote log, under the local run id.
    expect(output.lines.length).toBeGreaterThan(0);
    for (const line of output.lines) expect(line.startsWith(`${E2B_LINE_PREFIX} `)).toBe(true);
    const streamed = output.lines
      .map((line) => line.slice(E2B_LINE_PREFIX.length + 1))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(streamed.length).toBeGreaterThanOrEqual(8);
    for (const line of streamed) {
      expect(line).toMatchObject({
        run_id: result.runId,
        correlation_id: 'corr-e2b-1',
        engine: 'e2b',
        agent: 'runner',
      });
    }
    expect(streamed.some((line) => line.step === 'dst' && line.event === 'end' && line.rows_written === ORDERS)).toBe(
      true,
    );

    // The local run folder: the manifest and configs as compiled, the full log with engine e2b, metrics, status.
    expect(existsSync(join(result.runDir, 'manifest.yaml'))).toBe(true);
    expect(existsSync(join(result.runDir, 'cfg', 'src.json'))).toBe(true);
    expect(existsSync(join(result.runDir, 'cfg', 'dst.json'))).toBe(true);
    const log = logLines(result.runDir);
    for (const line of log) {
      expect(line).toMatchObject({
        run_id: result.runId,
        correlation_id: 'corr-e2b-1',
        engine: 'e2b',
        agent: 'runner',
      });
    }
    const events = log.map((line) => `${line.step ?? 'run'}:${line.event}`);
    expect(events[0]).toBe('run:start');
    expect(events.at(-1)).toBe('run:end');
    for (const expected of ['src:start', 'src:metrics', 'src:end', 'dst:start', 'dst:metrics', 'dst:end']) {
      expect(events).toContain(expected);
    }
    expect(log.find((line) => line.step === 'dst' && line.event === 'end')?.rows_written).toBe(ORDERS);
    // Every step event streamed by the remote runner is in the local log, in the same order.
    const remoteStepEvents = streamed.filter((line) => line.step !== null).map((line) => `${line.step}:${line.event}`);
    expect(log.filter((line) => line.step !== null).map((line) => `${line.step}:${line.event}`)).toEqual(
      remoteStepEvents,
    );
    // At the time they happened in the sandbox, with ids of the local run.
    const stepLines = log.filter((line) => line.step !== null);
    expect(stepLines.map((line) => line.ts)).toEqual(
      streamed.filter((line) => line.step !== null).map((line) => line.ts),
    );
    expect(stepLines.every((line) => line.event_id.startsWith(`${result.runId}_`))).toBe(true);

    const metrics = readJson<RunMetrics>(join(result.runDir, 'metrics.json'));
    expect(metrics).toMatchObject({
      run_id: result.runId,
      engine: 'e2b',
      status: 'succeeded',
      exit_code: 0,
      rows_read: ORDERS,
      rows_written: ORDERS,
    });
    expect(metrics.steps.map((step) => [step.id, step.status, step.rows_read, step.rows_written])).toEqual([
      ['src', 'succeeded', ORDERS, 0],
      ['dst', 'succeeded', ORDERS, ORDERS],
    ]);
    expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toEqual({
      run_id: result.runId,
      status: 'succeeded',
      exit_code: 0,
    });
  });

  it('exits 2 for a step whose mode its connector does not support, and loads nothing', async () => {
    const compiled = compilePipeline(copyPipeline({ mysqlDb: mysql.name, source: 'orders', target: 'orders_never' }));
    // A manifest that asks supabase.table to transform (the compiler refuses to make one; a hand-edited one can).
    const manifest = {
      ...compiled.manifest,
      steps: compiled.manifest.steps.map((step) => (step.id === 'dst' ? { ...step, mode: 'transform' } : step)),
    } as RunManifest;
    const configs: Record<string, StepConfig> = {
      src: compiled.configs.src as StepConfig,
      dst: { ...(compiled.configs.dst as StepConfig), mode: 'transform' } as StepConfig,
    };
    const output = captureOutput();
    const { factory, recorded } = recordingFactory();
    const engine = createE2bEngine({ sandbox: factory, output });
    const result = await runManifest(runOptions({ manifest, configs }, { engine }));

    expect(result.exitCode).toBe(ExitCode.Validation);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe(OsirisErrorCode.Validation);
    expect(result.error?.message).toMatch(/step "dst" \(supabase\.table\).*transform/);
    expect(recorded.kills).toBe(1);
    expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toMatchObject({
      status: 'failed',
      exit_code: 2,
    });
    expect(readJson<RunMetrics>(join(result.runDir, 'metrics.json'))).toMatchObject({
      status: 'failed',
      exit_code: 2,
      error: { code: 'VALIDATION' },
    });
    const [mysqlTables] = await mysql.admin.query("SHOW TABLES LIKE 'copy'");
    expect(mysqlTables).toEqual([]);
  });

  it('exits 4 when the target rejects a row, and leaves the target as it was', async () => {
    await createTarget('orders_checked', ', CONSTRAINT amount_below_200 CHECK (amount < 200)');
    await pg.admin.query(
      "INSERT INTO public.orders_checked VALUES (1000, 'existing', 1.00, NULL), (1001, 'existing too', 2.00, 'kept')",
    );
    const before = await fingerprint(pg.admin, 'public.orders_checked');
    const output = captureOutput();
    const env = { ...connectionEnv(), OSIRIS_E2B_SANDBOX: 'local' };
    const compiled = compilePipeline(copyPipeline({ mysqlDb: mysql.name, source: 'orders', target: 'orders_checked' }));
    const result = await runManifest(
      runOptions(compiled, { engine: createE2bEngineFromEnv(env, { output }), env, retry: { attempts: 1 } }),
    );

    expect(result.exitCode).toBe(ExitCode.Run);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe(OsirisErrorCode.Run);
    expect(result.error?.message).toContain('step "dst" (supabase.table) failed');
    expect(result.error?.message).toContain('amount_below_200');
    expect(result.error?.hint).toContain('Nothing was committed');
    expect(await fingerprint(pg.admin, 'public.orders_checked')).toEqual(before);
    expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toMatchObject({
      status: 'failed',
      exit_code: 4,
    });
    const metrics = readJson<RunMetrics>(join(result.runDir, 'metrics.json'));
    expect(metrics.steps.find((step) => step.id === 'dst')).toMatchObject({ status: 'failed', rows_written: 0 });
    expect(logLines(result.runDir).some((line) => line.step === 'dst' && line.event === 'error')).toBe(true);
  });

  it('takes the run settings to the sandbox intact, and the remote run honours them', async () => {
    const { factory, recorded } = recordingFactory();
    const e2b = createE2bEngine({ sandbox: factory, output: captureOutput() });
    const given: RunSettings[] = [];
    const engine: Engine = {
      name: e2b.name,
      run: (manifest, configs, context) => {
        given.push(context.settings);
        return e2b.run(manifest, configs, context);
      },
    };
    // Nothing listens on port 1: every attempt of the source is refused, a transient error.
    const env = { OSIRIS_CONN__MYSQL__URL: 'mysql://root@127.0.0.1:1/shop', OSIRIS_CONN__SUPABASE__URL: pg.url };
    const compiled = compilePipeline(copyPipeline({ mysqlDb: mysql.name, source: 'orders', target: 'never' }));
    const settings = {
      retryAttempts: 2,
      retryBaseDelayMs: 7,
      retryMaxDelayMs: 9,
      progressIntervalMs: 0,
      idleTimeoutMs: 4321,
      redactionStrategy: 'hash',
    } as const;
    const result = await runManifest(runOptions(compiled, { engine, env, settings }));

    // What went up is every setting the engine got, the defaults and the manifest's chunk_size included.
    const uploaded: unknown = JSON.parse(recorded.uploads.get('/tmp/osiris/settings.json') ?? 'null');
    expect(given).toHaveLength(1);
    expect(uploaded).toEqual(given[0]);
    expect(parseRunSettings(uploaded)).toEqual({ ...DEFAULT_RUN_SETTINGS, ...settings, chunkSize: 100 });
    // And the sandbox used them: two attempts, 7 ms apart.
    expect(result.exitCode).toBe(ExitCode.Run);
    expect(result.error?.message).toMatch(/^step "src" \(mysql\.table\) failed after 2 attempts: .*ECONNREFUSED/);
    expect(readJson<RunMetrics>(join(result.runDir, 'metrics.json')).steps[0]).toMatchObject({ attempts: 2 });
    expect(logLines(result.runDir)).toContainEqual(
      expect.objectContaining({
        step: 'src',
        event: 'error',
        level: 'warn',
        error: expect.stringMatching(/^attempt 1 of 2 failed with a transient error, retrying in 7 ms/),
      }),
    );
  });

  it('exits 5 for a missing secret before any sandbox is made', async () => {
    const { factory, recorded } = recordingFactory();
    const runsDir = join(tempDir(), 'runs');
    const compiled = compilePipeline(copyPipeline({ mysqlDb: mysql.name, source: 'orders', target: 'orders_never' }));
    const error = await runManifest(
      runOptions(compiled, {
        engine: createE2bEngine({ sandbox: factory }),
        env: { OSIRIS_CONN__MYSQL__URL: mysql.url },
        runsDir,
      }),
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(isOsirisError(error)).toBe(true);
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toContain('connection @supabase is not defined');
    expect((error as Error).message).toContain('OSIRIS_CONN__SUPABASE__URL');
    expect(recorded.creates).toHaveLength(0);
    expect(existsSync(runsDir) ? filesUnder(runsDir) : []).toEqual([]);
  });

  it('uploads only the manifest, the configs and the runner, with no secret in them, and forwards only referenced connections', async () => {
    await createTarget('orders_canary');
    const canary = {
      file: 'canaryFILEpw7361',
      shadowed: 'canarySHADOWED9924',
      unused: 'canaryUNUSED4410',
      apiKey: 'canaryAPIKEY5521',
      token: 'canaryTOKEN8830',
    };
    const secretsFile = join(tempDir(), 'secrets.yaml');
    // Trust authentication ignores the password, so the canary can sit in a URL that works.
    const withPassword = pg.url.replace('postgres@', `postgres:${canary.file}@`);
    writeFileSync(secretsFile, `connections:\n  supabase:\n    url: "${withPassword}"\n`);
    const env = {
      OSIRIS_CONN__MYSQL__URL: mysql.url,
      OSIRIS_CONN__SUPABASE__URL: `postgresql://postgres:${canary.shadowed}@127.0.0.1:5432/nothing`,
      OSIRIS_CONN__UNUSED__URL: `postgresql://u:${canary.unused}@127.0.0.1:5432/nothing`,
      OSIRIS_E2B_API_KEY: canary.apiKey,
      GITHUB_TOKEN: canary.token,
      HOME: '/home/someone',
    };
    const output = captureOutput();
    const { factory, recorded } = recordingFactory();
    const engine = createE2bEngine({ sandbox: factory, output, apiKey: env.OSIRIS_E2B_API_KEY });
    const compiled = compilePipeline(copyPipeline({ mysqlDb: mysql.name, source: 'orders', target: 'orders_canary' }));
    const result = await runManifest(runOptions(compiled, { engine, env, secretsFile }));

    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect((await fingerprint(pg.admin, 'public.orders_canary')).count).toBe(ORDERS);

    // Exactly four kinds of file went up: the runner bundle, the manifest, one config per step and the settings.
    expect([...recorded.uploads.keys()].sort()).toEqual([
      '/tmp/osiris/cfg/dst.json',
      '/tmp/osiris/cfg/src.json',
      '/tmp/osiris/manifest.yaml',
      expect.stringMatching(/^\/tmp\/osiris\/osiris-runner-\d+\.\d+\.\d+.*\.mjs$/),
      '/tmp/osiris/settings.json',
    ]);
    for (const [path, text] of recorded.uploads) {
      for (const value of Object.values(canary)) expect(text.includes(value), `${path} holds ${value}`).toBe(false);
    }
    expect(recorded.uploads.get('/tmp/osiris/cfg/dst.json')).toContain('"connection": "@supabase"');

    // The command's environment: the two referenced connections, the file's one beating the environment's.
    expect(recorded.commands).toHaveLength(1);
    const envs = recorded.commands[0]?.options.envs;
    expect(envs).toEqual({ OSIRIS_CONN__MYSQL__URL: mysql.url, OSIRIS_CONN__SUPABASE__URL: withPassword });
    // Secrets travel only there: not on the command line.
    for (const value of Object.values(canary)) expect(recorded.commands[0]?.cmd).not.toContain(value);

    // Nothing shown or written locally holds a secret either.
    for (const value of Object.values(canary)) {
      expect(output.text()).not.toContain(value);
      for (const file of filesUnder(result.runDir)) expect(file.text.includes(value), `${file.path}`).toBe(false);
    }
    expect(recorded.kills).toBe(1);
  });

  it('exits 4 when the source goes silent: the idle timeout applies in the sandbox too', async () => {
    // A target that takes its time, so that the source is cut mid-copy.
    await pg.admin.query(`CREATE TABLE public.wide_copy (id INT PRIMARY KEY, payload TEXT NOT NULL);
      CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id % 1000 = 0 THEN PERFORM pg_sleep(0.02); END IF; RETURN NEW; END $$;
      CREATE TRIGGER slow_insert BEFORE INSERT ON public.wide_copy FOR EACH ROW EXECUTE FUNCTION slow_insert();`);
    const proxy = await startStallingProxy(MYSQL.host, MYSQL.port);
    try {
      let stalledAt = 0;
      const output = captureOutput((line) => {
        if (stalledAt === 0 && line.includes('"step":"dst"') && line.includes('"event":"progress"')) {
          stalledAt = Date.now();
          proxy.stall();
        }
      });
      const env = {
        OSIRIS_CONN__MYSQL__URL: `mysql://root@127.0.0.1:${proxy.port}/${mysql.name}`,
        OSIRIS_CONN__SUPABASE__URL: pg.url,
        OSIRIS_E2B_SANDBOX: 'local',
      };
      const compiled = compilePipeline(
        copyPipeline({ mysqlDb: mysql.name, source: 'wide', target: 'wide_copy', chunkSize: 1000 }),
      );
      const result = await runManifest(
        runOptions(compiled, {
          engine: createE2bEngineFromEnv(env, { output }),
          env,
          progressIntervalMs: 0,
          idleTimeoutMs: 1500,
        }),
      );

      expect(stalledAt).toBeGreaterThan(0);
      expect(Date.now() - stalledAt).toBeLessThan(15_000);
      expect(result.exitCode).toBe(ExitCode.Run);
      expect(result.error?.message).toMatch(/no data came from the source for 1\.5 s \(the idle timeout\)/);
      expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toMatchObject({
        status: 'failed',
        exit_code: 4,
      });
      expect((await fingerprint(pg.admin, 'public.wide_copy')).count).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('exits 130 on Ctrl-C: the sandbox is killed and the target keeps nothing', async () => {
    await pg.admin.query('CREATE TABLE public.big_copy (id INT PRIMARY KEY, payload TEXT NOT NULL)');
    const controller = new AbortController();
    const output = captureOutput((line) => {
      if (line.includes('"step":"dst"') && line.includes('"event":"progress"')) controller.abort();
    });
    const { factory, recorded } = recordingFactory();
    const engine = createE2bEngine({ sandbox: factory, output });
    const compiled = compilePipeline(
      copyPipeline({ mysqlDb: mysql.name, source: 'big', target: 'big_copy', chunkSize: 1000 }),
    );
    const started = Date.now();
    const result = await runManifest(
      runOptions(compiled, { engine, signal: controller.signal, progressIntervalMs: 0 }),
    );

    expect(controller.signal.aborted).toBe(true);
    expect(result.exitCode).toBe(ExitCode.Interrupted);
    expect(result.status).toBe('interrupted');
    expect(result.error?.code).toBe(OsirisErrorCode.Interrupted);
    expect(recorded.kills).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await fingerprint(pg.admin, 'public.big_copy')).count).toBe(0);
    expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toMatchObject({
      status: 'interrupted',
      exit_code: 130,
    });
    const metrics = readJson<RunMetrics>(join(result.runDir, 'metrics.json'));
    expect(metrics.steps.find((step) => step.id === 'dst')).toMatchObject({ status: 'interrupted', rows_written: 0 });
    expect(logLines(result.runDir).some((line) => line.step === 'dst' && line.event === 'progress')).toBe(true);
  });
});
