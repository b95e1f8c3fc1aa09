// SPDX-License-Identifier: MIT
import type { RunManifest } from '@osiris/compiler';
import { errorCodeOfExit, isOsirisError, OsirisErrorCode } from '@osiris/registry';
import type { RunMetrics } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import {
  createStepTracker,
  parseMetrics,
  parseRemoteError,
  parseStatus,
  remoteError,
  runEventOf,
  stepsFromMetrics,
} from './remote-result';

const manifest: RunManifest = {
  apiVersion: 'osiris.v1',
  kind: 'RunManifest',
  pipeline: 'p',
  fingerprints: { oml: 'sha256-x', registry: 'sha256-y' },
  steps: [
    { id: 'src', component: 'mysql.table', component_version: '0.1.0', mode: 'read', cfg: 'cfg/src.json' },
    {
      id: 'dst',
      component: 'supabase.table',
      component_version: '0.1.0',
      mode: 'write',
      cfg: 'cfg/dst.json',
      needs: ['src'],
    },
  ],
  execution: { engine: 'e2b', params: {} },
};

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({
    level: 'info',
    ts: '2026-11-27T14:30:00.000Z',
    run_id: 'r',
    correlation_id: 'c',
    agent: 'runner',
    engine: 'e2b',
    step: null,
    event: 'start',
    rows_read: null,
    rows_written: null,
    duration_ms: null,
    phase: null,
    message: null,
    error: null,
    ...fields,
  });

const TS = '2026-11-27T14:30:00.000Z';

describe('runEventOf', () => {
  it('reads a log line as a draft of the event it records, without the nulls, keeping its time', () => {
    expect(runEventOf(line({ step: 'dst', event: 'metrics', rows_read: 5, rows_written: 4, duration_ms: 9 }))).toEqual({
      type: 'metrics',
      level: 'info',
      step: 'dst',
      ts: TS,
      payload: { rowsRead: 5, rowsWritten: 4, durationMs: 9 },
    });
    expect(runEventOf(line({ level: 'warn', event: 'error', error: 'boom', event_id: 'r_x_00000003' }))).toEqual({
      type: 'error',
      level: 'warn',
      step: null,
      ts: TS,
      payload: { error: 'boom' },
    });
  });

  it("keeps a connector's note and a step's phase, so that the CLI shows them as for a local run", () => {
    expect(runEventOf(line({ level: 'warn', step: 'src', event: 'note', message: '2 zero dates' }))).toEqual({
      type: 'note',
      level: 'warn',
      step: 'src',
      ts: TS,
      payload: { message: '2 zero dates' },
    });
    expect(runEventOf(line({ step: 'dst', event: 'phase', phase: 'merging', rows_read: 7 }))).toEqual({
      type: 'phase',
      level: 'info',
      step: 'dst',
      ts: TS,
      payload: { phase: 'merging', rowsRead: 7 },
    });
  });

  it('leaves out a time that is not one: the runner stamps its own', () => {
    expect(runEventOf(line({ ts: 'yesterday' }))).toEqual({ type: 'start', level: 'info', step: null, payload: {} });
  });

  it.each([
    ['plain text', 'Debugger attached.'],
    ['broken JSON', '{"level":'],
    ['an unknown event', line({ event: 'party' })],
    ['an unknown level', line({ level: 'fatal' })],
    ['a numeric step', line({ step: 3 })],
    ['an array', '[1,2]'],
  ])('ignores %s', (_name, text) => {
    expect(runEventOf(text)).toBeUndefined();
  });
});

describe('createStepTracker', () => {
  it('tells finished, interrupted and never started steps apart', () => {
    const tracker = createStepTracker(manifest);
    tracker.onEvent({ type: 'start', level: 'info', step: 'src', payload: {} });
    tracker.onEvent({ type: 'start', level: 'info', step: 'dst', payload: {} });
    tracker.onEvent({ type: 'progress', level: 'info', step: 'dst', payload: { rowsRead: 3000, durationMs: 40 } });
    tracker.onEvent({ type: 'start', level: 'info', step: 'other', payload: {} });
    expect(tracker.results('interrupted')).toEqual([
      expect.objectContaining({ id: 'src', status: 'interrupted', attempts: 1, rowsRead: 3000, error: 'interrupted' }),
      expect.objectContaining({ id: 'dst', status: 'interrupted', attempts: 1, rowsRead: 3000, rowsWritten: 0 }),
    ]);
    tracker.onEvent({ type: 'end', level: 'info', step: 'src', payload: { rowsRead: 3500, durationMs: 50 } });
    tracker.onEvent({ type: 'error', level: 'error', step: 'dst', payload: { error: 'lost' } });
    expect(tracker.results('failed')).toEqual([
      expect.objectContaining({ id: 'src', status: 'succeeded', rowsRead: 3500, durationMs: 50 }),
      expect.objectContaining({ id: 'dst', status: 'failed', error: 'lost', rowsWritten: 0 }),
    ]);
    expect(
      createStepTracker(manifest)
        .results('failed')
        .map((step) => step.status),
    ).toEqual(['skipped', 'skipped']);
  });
});

describe('remote files', () => {
  const metrics = {
    status: 'failed',
    exit_code: 4,
    steps: [
      { id: 'dst', status: 'failed', attempts: 2, rows_read: 10, rows_written: 0, duration_ms: 7, error: 'no' },
      { id: 'src', status: 'succeeded', attempts: 2, rows_read: 10, rows_written: 0, duration_ms: 3 },
    ],
  };

  it('maps metrics.json onto the manifest steps, in manifest order', () => {
    const parsed = parseMetrics(JSON.stringify(metrics)) as RunMetrics;
    expect(stepsFromMetrics(manifest, parsed)).toEqual([
      {
        id: 'src',
        component: 'mysql.table',
        componentVersion: '0.1.0',
        mode: 'read',
        status: 'succeeded',
        attempts: 2,
        rowsRead: 10,
        rowsWritten: 0,
        durationMs: 3,
      },
      {
        id: 'dst',
        component: 'supabase.table',
        componentVersion: '0.1.0',
        mode: 'write',
        status: 'failed',
        attempts: 2,
        rowsRead: 10,
        rowsWritten: 0,
        durationMs: 7,
        error: 'no',
      },
    ]);
  });

  it.each([
    undefined,
    '',
    'nope',
    '[]',
    '{"status":"fine","steps":[]}',
    '{"status":"failed"}',
  ])('rejects %j as metrics', (text) => {
    expect(parseMetrics(text)).toBeUndefined();
  });

  it('reads status.json of a run that ended', () => {
    expect(parseStatus('{"run_id":"r","status":"failed","exit_code":4,"error":"e"}')).toEqual({
      run_id: 'r',
      status: 'failed',
      exit_code: 4,
      error: 'e',
    });
    expect(parseStatus('{"run_id":"r","status":"running","exit_code":null}')).toBeUndefined();
    expect(parseStatus('{"status":"failed","exit_code":"4"}')).toBeUndefined();
    expect(parseStatus('not json')).toBeUndefined();
  });

  it('reads error.json', () => {
    expect(parseRemoteError('{"code":"CONFIG","message":"m","hint":"h"}')).toEqual({
      code: 'CONFIG',
      message: 'm',
      hint: 'h',
    });
    expect(parseRemoteError('{"code":1}')).toBeUndefined();
    expect(parseRemoteError(undefined)).toBeUndefined();
  });

  it.each([
    [2, OsirisErrorCode.Validation],
    [3, OsirisErrorCode.Compile],
    [4, OsirisErrorCode.Run],
    [5, OsirisErrorCode.Config],
    [130, OsirisErrorCode.Interrupted],
    [1, OsirisErrorCode.Run],
    [137, OsirisErrorCode.Run],
  ])('exit code %i stands for %s', (exitCode, code) => {
    expect(errorCodeOfExit(exitCode)).toBe(code);
  });

  it('turns an unknown remote code into a run error', () => {
    const error = remoteError('WEIRD', 'm');
    expect(isOsirisError(error)).toBe(true);
    expect(error.code).toBe(OsirisErrorCode.Run);
    expect(remoteError('VALIDATION', 'm', 'h')).toMatchObject({ code: 'VALIDATION', hint: 'h' });
  });
});
