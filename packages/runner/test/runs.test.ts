// SPDX-License-Identifier: MIT
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { osirisPaths } from '../src/paths';
import { runManifest } from '../src/run';
import { newRunId, RUN_ID_PATTERN } from '../src/run-id';
import { listRuns, readRun } from '../src/runs';
import { fakeSink, fakeSource, pipeline, testEngine } from './fakes';

const registry = loadRegistry();
const env = {
  OSIRIS_CONN__MYSQL__URL: 'mysql://app:pw-1@db:3306/shop',
  OSIRIS_CONN__SUPABASE__URL: 'postgresql://svc:pw-2@pooler:6543/postgres',
};

describe('newRunId', () => {
  it('has the documented form and sorts by time', () => {
    const early = newRunId(new Date('2026-11-27T14:30:00.999Z'));
    const late = newRunId(new Date('2026-11-27T14:30:01Z'));
    expect(early).toMatch(RUN_ID_PATTERN);
    expect(early.slice(0, 19)).toBe('r_20261127T143000Z_');
    expect([late, early].sort()).toEqual([early, late]);
    expect(newRunId(new Date(0))).not.toBe(newRunId(new Date(0)));
  });
});

describe('osirisPaths', () => {
  it('puts runs and cache under OSIRIS_HOME or .osiris, and lets --runs-dir win for runs', () => {
    expect(osirisPaths({ env: {}, cwd: '/work' })).toEqual({
      home: '/work/.osiris',
      runsDir: '/work/.osiris/runs',
      cacheDir: '/work/.osiris/cache',
    });
    expect(osirisPaths({ env: { OSIRIS_HOME: '/data/osiris' }, cwd: '/work', runsDir: 'out' })).toEqual({
      home: '/data/osiris',
      runsDir: '/work/out',
      cacheDir: '/data/osiris/cache',
    });
  });
});

describe('listRuns and readRun', () => {
  it('lists runs newest first and shows one with its steps and artifacts', async () => {
    const runsDir = join(mkdtempSync(join(tmpdir(), 'osiris-runs-')), 'runs');
    expect(await listRuns(runsDir)).toEqual([]);
    const { manifest, configs } = pipeline();
    const base = { manifest, configs, registry, runsDir, env };
    const ok = await runManifest({
      ...base,
      engine: testEngine([fakeSource({ rows: 12 }), fakeSink()]),
      now: () => new Date('2026-11-27T10:00:00Z'),
    });
    const bad = await runManifest({
      ...base,
      engine: testEngine([fakeSource({ readError: () => new Error('no such table') }), fakeSink()]),
      now: () => new Date('2026-11-27T11:00:00Z'),
    });

    const runs = await listRuns(runsDir);
    expect(runs.map((run) => run.runId)).toEqual([bad.runId, ok.runId]);
    expect(runs[0]).toMatchObject({
      status: 'failed',
      exitCode: 4,
      pipeline: 'orders_copy',
      error: expect.any(String),
    });
    expect(runs[1]).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
      rowsRead: 12,
      rowsWritten: 12,
      startedAt: '2026-11-27T10:00:00.000Z',
    });

    const view = await readRun(runsDir, ok.runId);
    expect(view.metrics?.steps.map((step) => [step.id, step.rows_read, step.rows_written])).toEqual([
      ['src', 12, 0],
      ['dst', 12, 12],
    ]);
    expect(view.artifacts).toEqual({
      manifest: join(ok.runDir, 'manifest.yaml'),
      configs: [join(ok.runDir, 'cfg', 'dst.json'), join(ok.runDir, 'cfg', 'src.json')],
      log: join(ok.runDir, 'run.log.jsonl'),
      metrics: join(ok.runDir, 'metrics.json'),
      status: join(ok.runDir, 'status.json'),
      rejects: [],
      deadLetters: [],
    });
  });

  it('refuses an unknown or malformed run id', async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'osiris-runs-'));
    await expect(readRun(runsDir, 'r_20261127T143000Z_abcdef')).rejects.toThrow(
      /^no run r_20261127T143000Z_abcdef in /,
    );
    await expect(readRun(runsDir, '../../etc')).rejects.toThrow(/^no run \.\.\/\.\.\/etc in /);
  });
});
