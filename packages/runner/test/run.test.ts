// SPDX-License-Identifier: MIT
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry, OsirisErrorCode } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import type { Connector } from '../src/contracts';
import type { Engine } from '../src/engine';
import type { RunLogLine, RunMetrics, RunStatusFile } from '../src/metrics';
import { type RunManifestOptions, runManifest } from '../src/run';
import { RUN_ID_PATTERN } from '../src/run-id';
import { codeError, fakeSink, fakeSource, pipeline, testEngine, transientCodes } from './fakes';

const registry = loadRegistry();
const env = {
  OSIRIS_CONN__MYSQL__URL: 'mysql://app:pw-mysql-1@db:3306/shop',
  OSIRIS_CONN__SUPABASE__URL: 'postgresql://svc:pw-pg-2@pooler:6543/postgres',
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'osiris-run-'));
}

function options(connectors: readonly Connector[], overrides: Partial<RunManifestOptions> = {}): RunManifestOptions {
  const { manifest, configs } = pipeline(10);
  return {
    manifest,
    configs,
    engine: testEngine(connectors),
    registry,
    runsDir: join(tempDir(), 'runs'),
    env,
    settings: { retryBaseDelayMs: 1, progressIntervalMs: 0 },
    ...overrides,
  };
}

function logLines(runDir: string): RunLogLine[] {
  return readFileSync(join(runDir, 'run.log.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RunLogLine);
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const LOG_KEYS = [
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
];

describe('runManifest', () => {
  it('records the run folder, a JSONL log with the same keys on every line, metrics and status', async () => {
    const sink = fakeSink();
    const opts = options([fakeSource({ rows: 25 }), sink], {
      now: () => new Date('2026-11-27T14:30:00.123Z'),
      correlationId: 'corr-1',
    });
    const result = await runManifest(opts);

    expect(result).toMatchObject({ status: 'succeeded', exitCode: 0, rowsRead: 25, rowsWritten: 25 });
    expect(result.runId).toMatch(RUN_ID_PATTERN);
    expect(result.runId.startsWith('r_20261127T143000Z_')).toBe(true);
    expect(result.runDir).toBe(join(opts.runsDir, result.runId));
    expect(
      filesUnder(result.runDir)
        .map((file) => file.slice(result.runDir.length + 1))
        .sort(),
    ).toEqual(['cfg/dst.json', 'cfg/src.json', 'manifest.yaml', 'metrics.json', 'run.log.jsonl', 'status.json']);
    expect(readJson(join(result.runDir, 'cfg', 'src.json'))).toEqual(
      opts.configs instanceof Map ? opts.configs.get('src') : {},
    );
    expect(readFileSync(join(result.runDir, 'manifest.yaml'), 'utf8')).toContain('pipeline: orders_copy');

    const lines = logLines(result.runDir);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(LOG_KEYS);
      expect(line).toMatchObject({ run_id: result.runId, correlation_id: 'corr-1', agent: 'runner', engine: 'test' });
      expect(line.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(['start', 'progress', 'phase', 'note', 'metrics', 'end', 'error']).toContain(line.event);
    }
    // Event ids: the run id and a counter, so that they sort in the order the events came.
    expect(lines.map((line) => line.event_id)).toEqual(
      lines.map((_, index) => `${result.runId}_${String(index + 1).padStart(8, '0')}`),
    );
    expect(lines[0]).toMatchObject({ step: null, event: 'start' });
    expect(lines.at(-1)).toMatchObject({ step: null, event: 'end', rows_read: 25, rows_written: 25 });
    expect(lines).toContainEqual(
      expect.objectContaining({ step: 'dst', event: 'metrics', rows_read: 25, rows_written: 25, error: null }),
    );

    const metrics = readJson<RunMetrics>(join(result.runDir, 'metrics.json'));
    expect(metrics).toEqual({
      run_id: result.runId,
      correlation_id: 'corr-1',
      pipeline: 'orders_copy',
      engine: 'test',
      status: 'succeeded',
      exit_code: 0,
      started_at: '2026-11-27T14:30:00.123Z',
      ended_at: '2026-11-27T14:30:00.123Z',
      duration_ms: expect.any(Number),
      rows_read: 25,
      rows_written: 25,
      steps: [
        {
          id: 'src',
          component: 'mysql.table',
          component_version: '0.1.0',
          mode: 'read',
          status: 'succeeded',
          attempts: 1,
          rows_read: 25,
          rows_written: 0,
          duration_ms: expect.any(Number),
        },
        {
          id: 'dst',
          component: 'supabase.table',
          component_version: '0.1.0',
          mode: 'write',
          status: 'succeeded',
          attempts: 1,
          rows_read: 25,
          rows_written: 25,
          duration_ms: expect.any(Number),
        },
      ],
      components: { 'mysql.table': '0.1.0', 'supabase.table': '0.1.0' },
      fingerprints: opts.manifest.fingerprints,
    });
    expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toEqual({
      run_id: result.runId,
      status: 'succeeded',
      exit_code: 0,
    });
  });

  it('throws a Config error for a missing connection before it creates anything', async () => {
    const opts = options([fakeSource(), fakeSink()], { env: { OSIRIS_CONN__MYSQL__URL: env.OSIRIS_CONN__MYSQL__URL } });
    await expect(runManifest(opts)).rejects.toMatchObject({
      code: OsirisErrorCode.Config,
      message: expect.stringMatching(/^connection @supabase is not defined/),
    });
    expect(existsSync(opts.runsDir)).toBe(false);
  });

  it('throws a Config error for a bad OSIRIS_REDACTION_STRATEGY or chunk_size before it creates anything', async () => {
    const opts = options([fakeSource(), fakeSink()], { env: { ...env, OSIRIS_REDACTION_STRATEGY: 'none' } });
    await expect(runManifest(opts)).rejects.toThrow('OSIRIS_REDACTION_STRATEGY=none is not one of fixed, hash');
    const { manifest } = pipeline();
    const bad = { ...manifest, execution: { engine: 'local' as const, params: { chunk_size: 0 } } };
    await expect(runManifest({ ...opts, env, manifest: bad })).rejects.toThrow(/chunk_size must be a positive/);
    expect(existsSync(opts.runsDir)).toBe(false);
  });

  it('takes the idle timeout from the settings, then OSIRIS_IDLE_TIMEOUT (seconds); a bad value exits 5 first', async () => {
    const seen: (number | undefined)[] = [];
    const engine = {
      name: 'test',
      run: async (...args: Parameters<Engine['run']>) => {
        seen.push(args[2].settings.idleTimeoutMs);
        return { status: 'succeeded' as const, steps: [] };
      },
    };
    await runManifest(options([], { engine }));
    await runManifest(options([], { engine, env: { ...env, OSIRIS_IDLE_TIMEOUT: '2.5' } }));
    await runManifest(options([], { engine, env: { ...env, OSIRIS_IDLE_TIMEOUT: '0' } }));
    await runManifest(
      options([], { engine, env: { ...env, OSIRIS_IDLE_TIMEOUT: '2.5' }, settings: { idleTimeoutMs: 100 } }),
    );
    // The option it replaces still works.
    await runManifest(options([], { engine, env: { ...env, OSIRIS_IDLE_TIMEOUT: '2.5' }, idleTimeoutMs: 200 }));
    expect(seen).toEqual([600_000, 2500, 0, 100, 200]);
    for (const bad of ['-1', 'ten', '1e3', '9999999999']) {
      const opts = options([], { engine, env: { ...env, OSIRIS_IDLE_TIMEOUT: bad } });
      await expect(runManifest(opts)).rejects.toMatchObject({
        code: OsirisErrorCode.Config,
        message: `OSIRIS_IDLE_TIMEOUT=${bad} is not a number of seconds`,
      });
      expect(existsSync(opts.runsDir)).toBe(false);
    }
  });

  it('records a mode violation as a failed run with exit code 2', async () => {
    const result = await runManifest(options([fakeSource(), fakeSink({ modes: ['read'] })]));
    expect(result).toMatchObject({ status: 'failed', exitCode: 2, error: { code: OsirisErrorCode.Validation } });
    expect(result.error?.message).toBe('step "dst" (supabase.table) cannot write: its connector supports read');
    expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toMatchObject({
      status: 'failed',
      exit_code: 2,
    });
  });

  it('returns a run error with exit code 4 and logs each attempt of a retried step', async () => {
    const source = fakeSource({ readError: () => codeError('ECONNREFUSED') });
    const result = await runManifest(options([source, fakeSink()]));
    expect(result).toMatchObject({ status: 'failed', exitCode: 4, error: { code: OsirisErrorCode.Run } });
    const srcLines = logLines(result.runDir).filter((line) => line.step === 'src');
    expect(srcLines.map((line) => `${line.event}/${line.level}`)).toEqual([
      'start/info',
      'error/warn',
      'start/info',
      'error/warn',
      'start/info',
      'error/error',
    ]);
    const metrics = readJson<RunMetrics>(join(result.runDir, 'metrics.json'));
    expect(metrics.steps[0]).toMatchObject({ id: 'src', status: 'failed', attempts: 3 });
    expect(metrics.error?.message).toMatch(/failed after 3 attempts/);
  });

  it('logs both attempts when a retry succeeds', async () => {
    const source = fakeSource({
      readError: (attempt) => (attempt === 1 ? codeError('ER_CON_COUNT_ERROR', 'Too many connections') : undefined),
      isTransient: transientCodes('ER_CON_COUNT_ERROR'),
    });
    const result = await runManifest(options([source, fakeSink()]));
    expect(result.status).toBe('succeeded');
    const starts = logLines(result.runDir).filter((line) => line.step === 'src' && line.event === 'start');
    expect(starts).toHaveLength(2);
    expect(logLines(result.runDir)).toContainEqual(
      expect.objectContaining({
        step: 'src',
        event: 'error',
        level: 'warn',
        error: expect.stringMatching(/^attempt 1 of 3 failed/),
      }),
    );
  });

  it('records interrupted with exit code 130 when the signal aborts', async () => {
    const controller = new AbortController();
    const sink = fakeSink();
    const source = fakeSource({ rows: 100, onBatch: (index) => (index === 2 ? controller.abort() : undefined) });
    const result = await runManifest(options([source, sink], { signal: controller.signal }));
    expect(result).toMatchObject({
      status: 'interrupted',
      exitCode: 130,
      error: { code: OsirisErrorCode.Interrupted },
    });
    expect(sink.committed).toHaveLength(0);
    expect(readJson<RunMetrics>(join(result.runDir, 'metrics.json'))).toMatchObject({
      status: 'interrupted',
      exit_code: 130,
    });
    expect(readJson<RunStatusFile>(join(result.runDir, 'status.json'))).toMatchObject({
      status: 'interrupted',
      exit_code: 130,
    });
  });

  it('turns an engine that throws into a failed run', async () => {
    const engine = { name: 'broken', run: () => Promise.reject(new Error('sandbox vanished')) };
    const result = await runManifest({ ...options([]), engine });
    expect(result).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(result.error?.message).toBe('the broken engine failed: sandbox vanished');
  });

  it('shows one updating progress line on a terminal, and nothing elsewhere for a run shorter than the interval', async () => {
    const chunks: string[] = [];
    const stream = { write: (chunk: string) => chunks.push(chunk) };
    await runManifest(options([fakeSource({ rows: 30 }), fakeSink()], { progress: { stream, isTTY: true } }));
    const text = chunks.join('');
    expect(text).toContain('\r\u001b[2Ksrc → dst  10 rows  ');
    expect(text).toMatch(/src → dst {2}10 rows {2}[\d,]+ rows\/s {2}00:00/);
    expect(text).toMatch(/src → dst {2}30 rows {2}[\d,]+ rows\/s {2}00:00\n$/);

    const quiet: string[] = [];
    await runManifest(
      options([fakeSource({ rows: 30 }), fakeSink()], {
        progress: { stream: { write: (c: string) => quiet.push(c) }, isTTY: false },
      }),
    );
    expect(quiet).toEqual([]);
  });

  it('takes the redaction strategy from the option, then the environment, then the card', async () => {
    const failing = () =>
      fakeSink({ writeError: (_attempt, ctx) => new Error(`cannot connect to ${ctx.connection.url ?? ''}`) });
    const byCard = await runManifest(options([fakeSource(), failing()]));
    expect(byCard.error?.message).toBe('step "dst" (supabase.table) failed: cannot connect to ***');
    const byEnv = await runManifest(
      options([fakeSource(), failing()], { env: { ...env, OSIRIS_REDACTION_STRATEGY: 'hash' } }),
    );
    expect(byEnv.error?.message).toMatch(/cannot connect to \[sha256:[0-9a-f]{10}\]$/);
    const byOption = await runManifest(
      options([fakeSource(), failing()], {
        env: { ...env, OSIRIS_REDACTION_STRATEGY: 'hash' },
        redactionStrategy: 'fixed',
      }),
    );
    expect(byOption.error?.message).toMatch(/cannot connect to \*\*\*$/);
  });

  it('logs notes as note lines and phases as phase lines, and returns the info and warn notes', async () => {
    const source = fakeSource({
      onBatch: (index, ctx) => (index === 0 ? ctx.reporter.log('warn', 'zero dates became NULL') : undefined),
    });
    const merging = fakeSink();
    const write = merging.write?.bind(merging);
    merging.write = async (ctx, config, input) => {
      ctx.reporter.log('info', 'created table public.orders');
      const written = await write?.(ctx, config, input);
      ctx.reporter.phase?.('merging');
      return written ?? { rowsWritten: 0 };
    };
    const result = await runManifest(options([source, merging]));
    const lines = logLines(result.runDir).filter((line) => line.event === 'note' || line.event === 'phase');
    expect(lines).toEqual([
      expect.objectContaining({ step: 'dst', event: 'note', level: 'info', message: 'created table public.orders' }),
      expect.objectContaining({ step: 'src', event: 'note', level: 'warn', message: 'zero dates became NULL' }),
      expect.objectContaining({ step: 'dst', event: 'phase', phase: 'merging', rows_read: 25, message: null }),
    ]);
    expect(result.notes).toEqual([
      { step: 'dst', level: 'info', message: 'created table public.orders' },
      { step: 'src', level: 'warn', message: 'zero dates became NULL' },
    ]);
    expect(result.warnings).toEqual([{ step: 'src', message: 'zero dates became NULL' }]);
  });

  it('writes debug notes only at log level debug', async () => {
    const source = fakeSource({
      onBatch: (index, ctx) => (index === 0 ? ctx.reporter.log('debug', 'query plan: full scan') : undefined),
    });
    const info = await runManifest(options([source, fakeSink()]));
    expect(logLines(info.runDir).some((line) => line.level === 'debug')).toBe(false);
    const debug = await runManifest(options([source, fakeSink()], { env: { ...env, OSIRIS_LOG_LEVEL: 'debug' } }));
    expect(logLines(debug.runDir)).toContainEqual(
      expect.objectContaining({ level: 'debug', step: 'src', event: 'note', message: 'query plan: full scan' }),
    );
  });
});

describe('no secret leaks', () => {
  const canaries = {
    filePassword: 'CANARY_FILE_PW_7c1d',
    envPassword: 'CANARY_ENV_PW_93ab',
    urlPassword: 'CANARY@URL:PW_55e0',
    unusedEnv: 'CANARY_UNUSED_KEY_e2b9',
  };
  const encodedUrlPassword = encodeURIComponent(canaries.urlPassword);

  it.each(['fixed', 'hash'] as const)('no canary appears in any file, message or output (%s)', async (strategy) => {
    const dir = tempDir();
    const secretsFile = join(dir, 'secrets.yaml');
    writeFileSync(
      secretsFile,
      [
        'connections:',
        '  mysql:',
        '    host: db.internal',
        '    user: app',
        `    password: ${canaries.filePassword}`,
        '  supabase:',
        `    url: "postgresql://svc:${encodedUrlPassword}@pooler.supabase.com:6543/postgres?sslmode=require"`,
        '',
      ].join('\n'),
    );
    const leakEnv = {
      // Loses to the file, but is a secret all the same.
      OSIRIS_CONN__MYSQL__PASSWORD: canaries.envPassword,
      OSIRIS_CONN__SUPABASE__URL: `postgresql://svc:${canaries.envPassword}@elsewhere:5432/postgres`,
      OSIRIS_E2B_API_KEY: canaries.unusedEnv,
    };
    const source = fakeSource({
      rows: 30,
      onBatch: (index, ctx) => {
        if (index === 0) {
          ctx.reporter.log('warn', `connected as app:${ctx.connection.password ?? ''}@db.internal`, {
            password: ctx.connection.password,
            env: leakEnv.OSIRIS_E2B_API_KEY,
          });
        }
      },
    });
    const sink = fakeSink({
      failAfterRows: {
        rows: 20,
        error: (ctx) => {
          const url = ctx.connection.url ?? '';
          const password = decodeURIComponent(new URL(url).password);
          return new Error(`connect failed for ${url}: password authentication failed (password ${password})`, {
            cause: Object.assign(new Error(`FATAL: password "${password}" for "svc" rejected; dsn=${url}`), {
              code: '28P01',
            }),
          });
        },
      },
    });
    const chunks: string[] = [];
    const result = await runManifest({
      ...options([source, sink]),
      secretsFile,
      env: leakEnv,
      redactionStrategy: strategy,
      progress: { stream: { write: (chunk: string) => chunks.push(chunk) }, isTTY: true },
    });

    expect(result.status).toBe('failed');
    expect(result.exitCode).toBe(4);
    const everything = [
      ...filesUnder(result.runDir).map((file) => readFileSync(file, 'utf8')),
      JSON.stringify(result),
      chunks.join(''),
    ].join('\n');
    expect(everything).toContain('password authentication failed');
    expect(everything).toContain('connected as');
    for (const canary of [...Object.values(canaries), encodedUrlPassword]) {
      expect(everything).not.toContain(canary);
    }
  });
});

describe('chunkSizeOf and exitCodeOf', () => {
  it('reads chunk_size from the manifest, 10,000 by default', async () => {
    const { chunkSizeOf } = await import('../src/run');
    expect(chunkSizeOf(pipeline().manifest)).toBe(10_000);
    expect(chunkSizeOf(pipeline(5000).manifest)).toBe(5000);
    const fromParam = {
      ...pipeline().manifest,
      execution: { engine: 'local' as const, params: { chunk_size: '2500' } },
    };
    expect(chunkSizeOf(fromParam)).toBe(2500);
  });

  it.each([
    [OsirisErrorCode.Validation, 2],
    [OsirisErrorCode.Compile, 3],
    [OsirisErrorCode.Run, 4],
    [OsirisErrorCode.Config, 5],
    [OsirisErrorCode.Interrupted, 130],
  ])('maps %s to exit code %i', async (code, exit) => {
    const { ExitCode, exitCodeOf, OsirisError } = await import('@osiris/registry');
    expect(exitCodeOf(new OsirisError(code, 'x'))).toBe(exit);
    expect(exitCodeOf(new Error('driver'), ExitCode.Run)).toBe(4);
  });
});
