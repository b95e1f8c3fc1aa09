// SPDX-License-Identifier: MIT
// The runner in three parts (ADR 0018): planning, one attempt of one pipe, and an injected retry policy.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTOR_ERROR_REASONS, ConnectorError, loadRegistry, OsirisErrorCode } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { attemptPipe } from '../src/attempt';

import type { RunEvent, RunEventDraft } from '../src/events';
import { executeSteps } from '../src/execute';
import { createInProcessEngine } from '../src/in-process';
import { planRun } from '../src/plan';
import { exponentialBackoff, type RetryFailure, type RetryPolicy } from '../src/retry';
import { runManifest } from '../src/run';
import { codeError, connections, fakeSink, fakeSource, fastSettings, pipeline } from './fakes';

const registry = loadRegistry();
const runEnv = {
  OSIRIS_CONN__MYSQL__URL: 'mysql://app:pw-mysql-1@db:3306/shop',
  OSIRIS_CONN__SUPABASE__URL: 'postgresql://svc:pw-pg-2@pooler:6543/postgres',
};

function execute(connectors: Parameters<typeof executeSteps>[2]['connectors'], policy?: RetryPolicy) {
  const events: RunEventDraft[] = [];
  const { manifest, configs } = pipeline();
  const run = executeSteps(manifest, configs, {
    connectors,
    connections,
    registry,
    events: (event) => events.push(event),
    signal: new AbortController().signal,
    settings: fastSettings,
    ...(policy === undefined ? {} : { retryPolicy: policy }),
  });
  return { run, events };
}

describe('planRun', () => {
  it('pairs each sink with its source and puts a source that feeds no sink last, reading nothing', () => {
    const { manifest, configs } = pipeline();
    const lone = { ...manifest.steps[0], id: 'lone', cfg: 'cfg/lone.json' } as (typeof manifest.steps)[0];
    const src = configs.get('src');
    if (src === undefined) throw new Error('fixture changed');
    configs.set('lone', { ...src, id: 'lone' });
    const source = fakeSource();
    const pipes = planRun({ ...manifest, steps: [lone, ...manifest.steps] }, configs, {
      connectors: [source, fakeSink()],
      connections,
      registry,
    });
    expect(pipes.map((pipe) => [pipe.source.step.id, pipe.sink?.step.id])).toEqual([
      ['src', 'dst'],
      ['lone', undefined],
    ]);
    expect(pipes[0]?.source.connection).toBe(connections.get('@mysql'));
    expect(source.reads).toBe(0);
  });

  it('throws the first violation', () => {
    const { manifest, configs } = pipeline();
    expect(() => planRun(manifest, configs, { connectors: [fakeSink()], connections })).toThrow(
      /no connector for mysql\.table/,
    );
  });
});

describe('attemptPipe', () => {
  it('tries once: a transient failure is an outcome naming the failed step, with no error event', async () => {
    const source = fakeSource({ readError: () => codeError('ECONNREFUSED') });
    const { manifest, configs } = pipeline();
    const [pipe] = planRun(manifest, configs, { connectors: [source, fakeSink()], connections });
    if (pipe === undefined) throw new Error('no pipe');
    const events: RunEventDraft[] = [];
    const outcome = await attemptPipe(pipe, 2, {
      events: (event) => events.push(event),
      signal: new AbortController().signal,
      settings: fastSettings,
    });
    expect(source.reads).toBe(1);
    expect(outcome).toMatchObject({
      ok: false,
      sourceDone: false,
      sinkStarted: false,
      error: { code: 'ECONNREFUSED' },
    });
    expect(outcome.ok === false && outcome.failed.step.id).toBe('src');
    expect(events.map((event) => `${event.step}:${event.type}:${event.attempt}`)).toEqual(['src:start:2']);
  });

  it('counts what passed and reports the sink failing as the sink, without throwing', async () => {
    const sink = fakeSink({ failAfterRows: { rows: 20, error: () => new Error('check constraint') } });
    const { manifest, configs } = pipeline();
    const [pipe] = planRun(manifest, configs, { connectors: [fakeSource({ rows: 50 }), sink], connections });
    if (pipe === undefined) throw new Error('no pipe');
    const outcome = await attemptPipe(pipe, 1, {
      events: () => undefined,
      signal: new AbortController().signal,
      settings: { ...fastSettings, chunkSize: 10 },
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failed.step.id).toBe('dst');
    expect(outcome.source.rowsRead).toBe(20);
    expect(outcome.sink).toMatchObject({ rowsRead: 20, rowsWritten: 0 });
  });
});

describe('the retry policy', () => {
  it('exponentialBackoff doubles the delay up to its bound, for transient errors only, within its attempts', () => {
    const policy = exponentialBackoff({ attempts: 5, baseDelayMs: 500, maxDelayMs: 1500 });
    const connector = fakeSource();
    const failure = (attempt: number, error: unknown = codeError('ECONNRESET')): RetryFailure => ({
      error,
      attempt,
      step: 'src',
      connector,
    });
    expect([1, 2, 3, 4].map((attempt) => policy.next(failure(attempt))?.delayMs)).toEqual([500, 1000, 1500, 1500]);
    expect(policy.next(failure(5))).toBeUndefined();
    expect(policy.next(failure(1, new Error('syntax error')))).toBeUndefined();
    expect(policy.attempts).toBe(5);
  });

  it('is injected: it sees each failure with its step and connector, and decides alone', async () => {
    const seen: Omit<RetryFailure, 'error'>[] = [];
    // Retries an error the default would not (a syntax error), twice, then gives up.
    const policy: RetryPolicy = {
      next: ({ error: _error, ...failure }) => {
        seen.push(failure);
        return failure.attempt < 3 ? { delayMs: 0 } : undefined;
      },
    };
    const sink = fakeSink({ writeError: () => new Error('syntax error at or near "x"') });
    const source = fakeSource();
    const { run, events } = execute([source, sink], policy);
    const result = await run;
    expect(result.status).toBe('failed');
    expect(seen).toEqual([1, 2, 3].map((attempt) => ({ attempt, step: 'dst', connector: sink })));
    expect(sink.writes).toBe(3);
    expect(source.reads).toBe(3);
    const errors = events.filter((event) => event.type === 'error' && event.step === 'dst');
    expect(errors.map((event) => event.payload.error)).toEqual([
      expect.stringMatching(/^attempt 1 failed with a transient error, retrying in 0 ms: syntax error/),
      expect.stringMatching(/^attempt 2 failed with a transient error, retrying in 0 ms: syntax error/),
      expect.stringMatching(/^step "dst" \(supabase\.table\) failed after 3 attempts: syntax error/),
    ]);
  });

  it('a policy that never retries fails a transient error at once', async () => {
    const source = fakeSource({ readError: () => codeError('ECONNREFUSED') });
    const result = await execute([source, fakeSink()], { next: () => undefined }).run;
    expect(result.status).toBe('failed');
    expect(source.reads).toBe(1);
  });

  it('createInProcessEngine takes a policy too', async () => {
    const source = fakeSource({ readError: () => codeError('ECONNREFUSED') });
    const engine = createInProcessEngine([source, fakeSink()], { retryPolicy: { next: () => undefined } });
    const { manifest, configs } = pipeline();
    const result = await engine.run(manifest, configs, {
      runId: 'r_20261127T143000Z_abcdef',
      correlationId: 'c',
      connections,
      events: () => undefined,
      signal: new AbortController().signal,
      settings: fastSettings,
    });
    expect(result.status).toBe('failed');
    expect(source.reads).toBe(1);
  });
});

describe('a wrapped error keeps its Osiris code', () => {
  const configError = () =>
    new ConnectorError(CONNECTOR_ERROR_REASONS.CONFIG_INVALID, 'src', "mysql.table step 'src': options.table is bad");

  it('a configuration error of a connector fails the run as CONFIG, not RUN, and is not retried', async () => {
    const source = fakeSource({ readError: configError });
    const result = await execute([source, fakeSink()]).run;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe(OsirisErrorCode.Config);
    expect(result.error?.message).toBe(`step "src" (mysql.table) failed: mysql.table step 'src': options.table is bad`);
    expect(source.reads).toBe(1);
  });

  it('osiris run exits 5 for it', async () => {
    const { manifest, configs } = pipeline();
    const result = await runManifest({
      manifest,
      configs,
      engine: createInProcessEngine([fakeSource({ readError: configError }), fakeSink()]),
      registry,
      runsDir: join(tempDirPath(), 'runs'),
      env: runEnv,
    });
    expect(result).toMatchObject({ status: 'failed', exitCode: 5, error: { code: OsirisErrorCode.Config } });
  });

  it('a driver error stays a run error (exit 4)', async () => {
    const result = await execute([fakeSource({ readError: () => new Error('table gone') }), fakeSink()]).run;
    expect(result.error?.code).toBe(OsirisErrorCode.Run);
  });
});

describe('runManifest events', () => {
  it('hands every event, stamped and redacted, to a listener after it is logged', async () => {
    const seen: RunEvent[] = [];
    const { manifest, configs } = pipeline();
    const source = fakeSource({
      onBatch: (index, ctx) => {
        if (index === 0) ctx.reporter.log('info', `connected to ${ctx.connection.url ?? ''}`);
      },
    });
    const result = await runManifest({
      manifest,
      configs,
      engine: createInProcessEngine([source, fakeSink()]),
      registry,
      runsDir: join(tempDirPath(), 'runs'),
      env: runEnv,
      correlationId: 'corr-l',
      settings: { progressIntervalMs: 0 },
      onEvent: (event) => seen.push(event),
    });
    expect(seen[0]).toMatchObject({ type: 'start', step: null, runId: result.runId, correlationId: 'corr-l' });
    expect(seen.at(-1)).toMatchObject({ type: 'end', step: null, payload: { rowsRead: 25, rowsWritten: 25 } });
    expect(seen.map((event) => event.id)).toEqual([...seen.map((event) => event.id)].sort());
    const note = seen.find((event) => event.type === 'note');
    expect(note?.payload.message).toBe('connected to ***');
    expect(JSON.stringify(seen)).not.toContain('pw-mysql-1');
    expect(result.notes).toEqual([{ step: 'src', level: 'info', message: 'connected to ***' }]);
    expect(result.warnings).toEqual([]);
  });
});

function tempDirPath(): string {
  return mkdtempSync(join(tmpdir(), 'osiris-parts-'));
}
