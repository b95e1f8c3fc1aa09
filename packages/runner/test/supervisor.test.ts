// SPDX-License-Identifier: MIT
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedactor, loadRegistry, OsirisError } from '@osiris/registry';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createBus } from '../src/bus';
import { listDeadLetters, readDeadLetter } from '../src/dlq';
import { createEnvelope, ENVELOPE_ID_PATTERN, type Envelope, envelopeSchema, newEnvelopeId } from '../src/envelope';
import { shownState } from '../src/liveness';
import { type ReplayContext, registerReplayer, replayDeadLetter } from '../src/replay';
import { exponentialBackoff } from '../src/retry';
import { listRuns, readRun } from '../src/runs';
import { sqlstateOf } from '../src/sqlstate';
import { deadLetterValidation, type SupervisedStatusFile, superviseRun } from '../src/supervisor';
import { fakeSink, fakeSource, pipeline, testEngine } from './fakes';

const registry = loadRegistry();
const env = {
  OSIRIS_CONN__MYSQL__URL: 'mysql://app:CanarySupervisor42@db:3306/shop',
  OSIRIS_CONN__SUPABASE__URL: 'postgresql://svc:pw-2222@pooler:6543/postgres',
};
const envelope = (correlationId: string, n: number): Envelope =>
  createEnvelope({ source: 'runner', type: 'RUN_RESULT', correlationId, payload: { kind: 'event', n } });

function scratch() {
  const root = mkdtempSync(join(tmpdir(), 'osiris-supervisor-'));
  return { runsDir: join(root, 'runs'), dlqDir: join(root, 'dlq') };
}

describe('envelopes', () => {
  it('ids sort by time and rise within a millisecond; the schema accepts an envelope and refuses a bad one', () => {
    const at = new Date('2026-12-06T06:15:00.123Z');
    const ids = [newEnvelopeId(at), newEnvelopeId(at), newEnvelopeId(new Date('2026-12-06T06:15:00.124Z'))];
    for (const id of ids) expect(id).toMatch(ENVELOPE_ID_PATTERN);
    expect(ids[0]?.slice(0, 22)).toBe('e_20261206T061500123Z_');
    expect([...ids].reverse().sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(3);

    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(envelopeSchema);
    expect(validate(envelope('c1', 1)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...envelope('c1', 1), type: 'GOSSIP' })).toBe(false);
    expect(validate({ ...envelope('c1', 1), secret: 'x' })).toBe(false);
  });
});

describe('the bus', () => {
  it('keeps the order of one correlation id while another is not held up', async () => {
    const bus = createBus();
    const seen: string[] = [];
    bus.subscribe('run.events', async (e) => {
      const n = e.payload.n as number;
      // The first envelope of "a" is the slowest: "a" must still come in order, "b" need not wait.
      if (e.correlation_id === 'a' && n === 1) await new Promise((resolve) => setTimeout(resolve, 30));
      seen.push(`${e.correlation_id}${n}`);
    });
    for (const n of [1, 2, 3]) void bus.publish('run.events', envelope('a', n));
    void bus.publish('run.events', envelope('b', 1));
    await bus.drain();
    expect(seen.filter((s) => s.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(seen.indexOf('b1')).toBeLessThan(seen.indexOf('a1'));
  });

  it('retries a failing handler with exponential backoff, then sends the envelope to the dead-letter sink', async () => {
    const delays: number[] = [];
    const letters: { attempts: number; error: string }[] = [];
    const bus = createBus({
      retryPolicy: exponentialBackoff({ attempts: 4, baseDelayMs: 100, maxDelayMs: 250 }),
      sleep: async (ms) => {
        delays.push(ms);
      },
      deadLetter: (letter) => {
        letters.push({ attempts: letter.attempts, error: letter.error });
      },
    });
    let calls = 0;
    bus.subscribe('validation.reports', () => {
      calls += 1;
      throw new Error('handler down');
    });
    await bus.publish('validation.reports', envelope('c', 1));
    expect(calls).toBe(4);
    expect(delays).toEqual([100, 200, 250]);
    expect(letters).toEqual([{ attempts: 4, error: 'handler down' }]);

    let flaky = 0;
    bus.subscribe('intent', () => {
      flaky += 1;
      if (flaky < 3) throw new Error('not yet');
    });
    await bus.publish('intent', envelope('d', 1));
    expect(flaky).toBe(3);
    expect(letters).toHaveLength(1);
  });
});

describe('superviseRun', () => {
  it('moves a run from a pipeline through every state to SUCCEEDED: status.json, run.log.jsonl, envelopes', async () => {
    const { runsDir } = scratch();
    const { manifest, configs } = pipeline();
    const bus = createBus();
    const published: Envelope[] = [];
    bus.subscribe('run.events', (e) => {
      published.push(e);
    });
    const result = await superviseRun({
      manifest,
      configs,
      registry,
      runsDir,
      env,
      bus,
      origin: 'pipeline',
      engine: testEngine([fakeSource({ rows: 5 }), fakeSink()]),
    });
    expect(result.exitCode).toBe(0);
    expect(result.transitions.map((t) => t.state)).toEqual(['NEW', 'GENERATED', 'VALIDATED', 'RUNNING', 'SUCCEEDED']);
    const status = JSON.parse(readFileSync(join(result.runDir, 'status.json'), 'utf8')) as SupervisedStatusFile;
    expect(status).toMatchObject({ run_id: result.runId, status: 'succeeded', state: 'SUCCEEDED', exit_code: 0 });
    expect(status.owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(status.transitions.map((t) => t.state)).toEqual(result.transitions.map((t) => t.state));
    const lines = readFileSync(join(result.runDir, 'run.log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const states = lines.filter((line) => line.event === 'state');
    expect(states.map((line) => line.message)).toEqual(['NEW', 'GENERATED', 'VALIDATED', 'RUNNING', 'SUCCEEDED']);
    // The states before RUNNING come first, the final one last; every line has the run log's keys.
    expect(lines[0].message).toBe('NEW');
    expect(lines.at(-1).message).toBe('SUCCEEDED');
    expect(Object.keys(states[0]).sort()).toEqual(Object.keys(lines.find((l) => l.event === 'start')).sort());
    const stateEnvelopes = published.filter((e) => e.payload.kind === 'state');
    expect(stateEnvelopes.map((e) => e.type)).toEqual([
      'RUN_MANIFEST',
      'RUN_MANIFEST',
      'RUN_MANIFEST',
      'RUN_MANIFEST',
      'RUN_RESULT',
    ]);
    expect(published.filter((e) => e.payload.kind === 'event').length).toBeGreaterThan(2);
    expect(new Set(published.map((e) => e.correlation_id))).toEqual(new Set([result.correlationId]));
    expect(result.deadLetters).toEqual([]);
    const run = await readRun(runsDir, result.runId);
    expect(run.state).toBe('SUCCEEDED');
  });

  it('sends a failed step to the dead-letter queue with its pipe, fingerprint and error, never a secret', async () => {
    const { runsDir, dlqDir } = scratch();
    const { manifest, configs } = pipeline();
    const result = await superviseRun({
      manifest,
      configs,
      registry,
      runsDir,
      env,
      engine: testEngine([
        fakeSource({ rows: 5 }),
        fakeSink({
          writeError: () =>
            Object.assign(new Error('new row violates check constraint, url mysql://app:CanarySupervisor42@db'), {
              code: '23514',
            }),
        }),
      ]),
    });
    expect(result.exitCode).toBe(4);
    expect(result.state).toBe('FAILED');
    expect(result.error?.sqlstate).toBe('23514');
    expect(result.transitions.map((t) => t.state)).toEqual(['NEW', 'VALIDATED', 'RUNNING', 'FAILED']);
    const items = await listDeadLetters(dlqDir);
    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item?.path).toBe(join(dlqDir, 'run.events', `${item?.id}.json`));
    expect(item?.envelope).toMatchObject({
      source: 'runner',
      type: 'ERROR',
      correlation_id: result.correlationId,
      payload: {
        kind: 'step',
        run_id: result.runId,
        step: 'dst',
        error: { code: 'RUN', sqlstate: '23514' },
        replay: { steps: ['src', 'dst'], configs: { src: { connection: '@mysql' }, dst: { connection: '@supabase' } } },
      },
    });
    expect(String(item?.envelope.payload.manifest_fingerprint)).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(readFileSync(item?.path as string, 'utf8')).not.toContain('CanarySupervisor42');
    const run = await readRun(runsDir, result.runId);
    expect(run.artifacts.deadLetters).toEqual([item?.path]);
  });

  it('a run that cannot start (a missing connection) throws, leaves no folder, and the bus hears FAILED', async () => {
    const { runsDir } = scratch();
    const { manifest, configs } = pipeline();
    const bus = createBus();
    const states: unknown[] = [];
    bus.subscribe('run.events', (e) => {
      states.push(e.payload.state);
    });
    await expect(
      superviseRun({
        manifest,
        configs,
        registry,
        runsDir,
        env: {},
        bus,
        engine: testEngine([fakeSource({ rows: 1 }), fakeSink()]),
      }),
    ).rejects.toThrow(/@mysql/);
    expect(states).toEqual(['NEW', 'VALIDATED', 'FAILED']);
    expect(await listRuns(runsDir)).toEqual([]);
  });

  it('writes one rejects item for a step that reports rejected rows', async () => {
    const { runsDir, dlqDir } = scratch();
    const { manifest, configs } = pipeline();
    const engine = testEngine([fakeSource({ rows: 5 }), fakeSink()]);
    const rejecting = {
      name: engine.name,
      run: async (...args: Parameters<typeof engine.run>) => {
        const outcome = await engine.run(...args);
        return {
          ...outcome,
          steps: outcome.steps.map((s) =>
            s.id === 'dst' ? { ...s, rowsRejected: 2, rejectsFile: 'rejects/dst.jsonl' } : s,
          ),
        };
      },
    };
    const result = await superviseRun({ manifest, configs, registry, runsDir, env, engine: rejecting });
    expect(result.exitCode).toBe(0);
    const items = await listDeadLetters(dlqDir);
    expect(items.map((i) => i.envelope.payload)).toEqual([
      expect.objectContaining({ kind: 'rejects', step: 'dst', rows_rejected: 2, rejects_file: 'rejects/dst.jsonl' }),
    ]);
  });
});

describe('replay', () => {
  it('dispatches on payload.kind, records the new run, and does nothing the second time', async () => {
    const { runsDir, dlqDir } = scratch();
    const { manifest, configs } = pipeline();
    let fail = true;
    const sink = fakeSink({ writeError: () => (fail ? new Error('table is locked') : undefined) });
    const engine = testEngine([fakeSource({ rows: 3 }), sink]);
    const failed = await superviseRun({ manifest, configs, registry, runsDir, env, engine });
    const [item] = await listDeadLetters(dlqDir);
    if (item === undefined) throw new Error('no item');
    const context: ReplayContext = {
      connectors: async () => [],
      redactor: createRedactor(),
      registry,
      env,
      runsDir,
      load: () => {
        throw new Error('not used');
      },
      run: (request) => superviseRun({ ...request, registry, runsDir, env, engine, deadLetters: false }),
    };
    // Still failing: the item stays pending with the attempt recorded, and no second item appears.
    const again = await replayDeadLetter(item, context);
    expect(again).toMatchObject({ outcome: 'failed', exitCode: 4 });
    expect((await listDeadLetters(dlqDir)).length).toBe(1);
    fail = false;
    const replayed = await replayDeadLetter(await readDeadLetter(dlqDir, item.id), context);
    expect(replayed).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(replayed.runId).not.toBe(failed.runId);
    const stored = await readDeadLetter(dlqDir, item.id);
    expect(stored.dlq).toMatchObject({ status: 'replayed', replay_run_id: replayed.runId });
    expect(stored.dlq.replays.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    const status = JSON.parse(readFileSync(join(runsDir, replayed.runId as string, 'status.json'), 'utf8'));
    expect(status.replay_of).toBe(item.id);
    const writes = sink.writes;
    expect(await replayDeadLetter(stored, context)).toMatchObject({ outcome: 'already', runId: replayed.runId });
    expect(sink.writes).toBe(writes);
  });

  it('replays a validation item by loading the file again; a rejects item needs what it names', async () => {
    const { runsDir, dlqDir } = scratch();
    const path = await deadLetterValidation({
      dlqDir,
      file: '/nowhere/pipeline.yaml',
      error: new OsirisError('VALIDATION', 'pipeline.yaml did not compile'),
      redactor: createRedactor(),
      params: ['n=1'],
      mode: 'strict',
    });
    expect(path).toContain(join(dlqDir, 'validation.reports'));
    const [item] = await listDeadLetters(dlqDir);
    if (item === undefined) throw new Error('no item');
    const { manifest, configs } = pipeline();
    const loaded: unknown[] = [];
    const engine = testEngine([fakeSource({ rows: 1 }), fakeSink()]);
    const context: ReplayContext = {
      connectors: async () => [],
      redactor: createRedactor(),
      registry,
      env,
      runsDir,
      load: (request) => {
        loaded.push(request);
        return { manifest, configs: Object.fromEntries(configs), fromManifest: false };
      },
      run: (request) => superviseRun({ ...request, registry, runsDir, env, engine, deadLetters: false }),
    };
    const report = await replayDeadLetter(item, context);
    expect(loaded).toEqual([{ file: '/nowhere/pipeline.yaml', params: ['n=1'], mode: 'strict' }]);
    expect(report.outcome).toBe('succeeded');
    const run = await readRun(runsDir, report.runId as string);
    expect(run.transitions?.map((t) => t.state)).toContain('GENERATED');

    const rejects = { ...item, id: newEnvelopeId(), envelope: { ...item.envelope, payload: { kind: 'rejects' } } };
    // A rejects item replays through the sink's connector: this build's context has none for it.
    await expect(replayDeadLetter(rejects, context)).rejects.toThrow(/has no replay\.manifest/);
    registerReplayer('test-kind', async () => {
      throw new Error('custom replayer ran');
    });
    const custom = { ...rejects, envelope: { ...item.envelope, payload: { kind: 'test-kind' } } };
    await expect(replayDeadLetter(custom, context)).rejects.toThrow('custom replayer ran');
  });
});

describe('liveness', () => {
  const status = (overrides: Partial<SupervisedStatusFile>): SupervisedStatusFile => ({
    run_id: 'r_20261206T000000Z_000000',
    correlation_id: 'c',
    status: 'running',
    state: 'RUNNING',
    exit_code: null,
    transitions: [],
    owner: { pid: process.pid, host: hostname(), started_at: new Date().toISOString() },
    heartbeat_at: new Date().toISOString(),
    heartbeat_ms: 5000,
    ...overrides,
  });

  it('shows a running run whose owner is gone or silent as ABANDONED, never a finished one', () => {
    expect(shownState(status({}))).toBe('RUNNING');
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    expect(shownState(status({ owner: { pid: dead, host: hostname(), started_at: '' } }))).toBe('ABANDONED');
    const old = new Date(Date.now() - 60_000).toISOString();
    expect(shownState(status({ owner: { pid: 1, host: 'elsewhere', started_at: '' }, heartbeat_at: old }))).toBe(
      'ABANDONED',
    );
    expect(shownState(status({ owner: { pid: 1, host: 'elsewhere', started_at: '' } }))).toBe('RUNNING');
    expect(shownState(status({ state: 'SUCCEEDED', heartbeat_at: old }))).toBe('SUCCEEDED');
  });

  it('readRun shows a folder left RUNNING by a dead owner as abandoned', async () => {
    const { runsDir } = scratch();
    const { manifest, configs } = pipeline();
    const done = await superviseRun({
      manifest,
      configs,
      registry,
      runsDir,
      env,
      engine: testEngine([fakeSource({ rows: 1 }), fakeSink()]),
    });
    const file = join(done.runDir, 'status.json');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const left = { ...JSON.parse(readFileSync(file, 'utf8')), state: 'RUNNING', status: 'running' };
    writeFileSync(file, JSON.stringify({ ...left, owner: { ...left.owner, pid: dead } }));
    // metrics.json says succeeded; the state machine's word wins only for a run that is not over.
    const run = await readRun(runsDir, done.runId);
    expect(run.state).toBe('ABANDONED');
    expect(run.status).toBe('abandoned');
  });
});

describe('sqlstateOf', () => {
  it.each([
    [{ code: '23514' }, '23514'],
    [{ code: 'RUN', cause: { sqlState: '23000', code: 'ER_DUP_ENTRY' } }, '23000'],
    [{ code: 'EPIPE' }, undefined],
    [{ code: 'HY000' }, 'HY000'],
    [new Error('plain'), undefined],
  ])('%j → %s', (error, expected) => {
    expect(sqlstateOf(error)).toBe(expected);
  });
});
