// SPDX-License-Identifier: MIT
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedactor } from '@osiris/registry';
import type { RunSummary } from '@osiris/runner';
import { afterAll, describe, expect, it } from 'vitest';
import {
  filterRuns,
  MAX_CHART_POINTS,
  readRunFolder,
  renderRunIndex,
  renderRunReport,
  runPicture,
  runStart,
  writeRunIndex,
  writeRunReport,
} from '../src/index';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const RUN = 'r_20261206T020000Z_abc123';
const T0 = Date.parse('2026-12-06T02:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A log line with every key (ADR 0007), the given ones set. */
function line(fields: Record<string, unknown>) {
  return JSON.stringify({
    level: 'info',
    run_id: RUN,
    correlation_id: 'c-1',
    event_id: `${RUN}_${Math.random()}`,
    agent: 'runner',
    engine: 'local',
    step: null,
    rows_read: null,
    rows_written: null,
    duration_ms: null,
    phase: null,
    message: null,
    error: null,
    ...fields,
  });
}

interface FolderOptions {
  log?: string[];
  metrics?: unknown;
  status?: unknown;
  files?: Record<string, string>;
}

/** A run folder under `<home>/runs/`, as the runner (or an older one) leaves it. */
function runFolder(options: FolderOptions = {}): { home: string; runsDir: string; runDir: string } {
  const home = mkdtempSync(join(tmpdir(), 'osiris-report-'));
  roots.push(home);
  const runsDir = join(home, 'runs');
  const runDir = join(runsDir, RUN);
  mkdirSync(join(runDir, 'cfg'), { recursive: true });
  if (options.log !== undefined) writeFileSync(join(runDir, 'run.log.jsonl'), `${options.log.join('\n')}\n`);
  if (options.metrics !== undefined) writeFileSync(join(runDir, 'metrics.json'), JSON.stringify(options.metrics));
  if (options.status !== undefined) writeFileSync(join(runDir, 'status.json'), JSON.stringify(options.status));
  for (const [name, text] of Object.entries(options.files ?? {})) {
    mkdirSync(join(runDir, name, '..'), { recursive: true });
    writeFileSync(join(runDir, name), text);
  }
  return { home, runsDir, runDir };
}

const steps = [
  {
    id: 'src',
    component: 'mysql.table',
    component_version: '0.1.0',
    mode: 'read',
    status: 'succeeded',
    attempts: 1,
    rows_read: 5000,
    rows_written: 0,
    duration_ms: 4000,
  },
  {
    id: 'dst',
    component: 'supabase.table',
    component_version: '0.1.0',
    mode: 'write',
    status: 'succeeded',
    attempts: 1,
    rows_read: 5000,
    rows_written: 5000,
    rows_inserted: 4000,
    rows_updated: 600,
    rows_unchanged: 400,
    duration_ms: 5000,
  },
];
const metrics = {
  run_id: RUN,
  correlation_id: 'c-1',
  pipeline: 'nightly_orders',
  engine: 'local',
  status: 'succeeded',
  exit_code: 0,
  started_at: at(0),
  ended_at: at(6000),
  duration_ms: 6000,
  rows_read: 5000,
  rows_written: 5000,
  steps,
  components: { 'mysql.table': '0.1.0', 'supabase.table': '0.1.0' },
  fingerprints: { oml: 'sha256-aa', registry: 'sha256-bb' },
};
const mergeLog = [
  line({ ts: at(0), event: 'start' }),
  line({ ts: at(100), step: 'src', event: 'start' }),
  line({ ts: at(200), step: 'dst', event: 'start' }),
  line({ ts: at(1200), step: 'dst', event: 'progress', rows_read: 1000, duration_ms: 1000 }),
  line({ ts: at(2200), step: 'dst', event: 'progress', rows_read: 3000, duration_ms: 2000 }),
  line({ ts: at(4100), step: 'src', event: 'end', rows_read: 5000 }),
  line({ ts: at(4200), step: 'dst', event: 'phase', phase: 'merging', rows_read: 5000 }),
  line({ ts: at(5200), step: 'dst', event: 'end', rows_read: 5000, rows_written: 5000 }),
  line({ ts: at(6000), event: 'end' }),
];

describe('runPicture', () => {
  it('cuts a bar where a phase begins and draws a rate from each progress event', async () => {
    const { runDir } = runFolder({ log: mergeLog, metrics });
    const picture = runPicture(await readRunFolder(runDir));
    expect(picture.spanMs).toBe(6000);
    const dst = picture.bars.find((bar) => bar.step === 'dst');
    expect(dst?.segments).toEqual([
      { phase: 'write', start: 200, end: 4200 },
      { phase: 'merging', start: 4200, end: 5200 },
    ]);
    expect(picture.bars.find((bar) => bar.step === 'src')?.segments).toEqual([
      { phase: 'read', start: 100, end: 4100 },
    ]);
    // 1,000 rows in the first second from the start, 2,000 in the next, 2,000 over the 2 s to the merge.
    expect(picture.rates.find((series) => series.step === 'dst')?.points).toEqual([
      [1.2, 1000],
      [2.2, 2000],
      [4.2, 1000],
    ]);
  });

  it('averages 10,000 progress events into at most the chart budget of points', async () => {
    const log = [line({ ts: at(0), step: 'dst', event: 'start' })];
    for (let i = 1; i <= 10_000; i++)
      log.push(line({ ts: at(i * 10), step: 'dst', event: 'progress', rows_read: i * 100 }));
    const { runDir } = runFolder({ log });
    const series = runPicture(await readRunFolder(runDir)).rates[0];
    expect(series?.points.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(series?.points.length).toBeGreaterThan(MAX_CHART_POINTS / 2);
    // A steady 100 rows per 10 ms stays 10,000 rows/s after averaging.
    for (const [, rate] of series?.points ?? []) expect(rate).toBeCloseTo(10_000, 6);
  });

  it('marks a step failed by its last error, not by a retried attempt', async () => {
    const log = [
      line({ ts: at(0), step: 'dst', event: 'start' }),
      line({ ts: at(100), step: 'dst', event: 'error', level: 'warn', error: 'connection reset; retrying' }),
      line({ ts: at(900), step: 'dst', event: 'end', rows_written: 10 }),
      line({ ts: at(0), step: 'other', event: 'start' }),
      line({ ts: at(500), step: 'other', event: 'error', level: 'error', error: 'boom' }),
    ];
    const { runDir } = runFolder({ log });
    const bars = runPicture(await readRunFolder(runDir)).bars;
    expect(bars.find((bar) => bar.step === 'dst')?.status).toBe('unknown');
    expect(bars.find((bar) => bar.step === 'other')?.status).toBe('failed');
  });
});

describe('renderRunReport', () => {
  it('shows the counts, phases, state history, rejects, DLQ items and artifacts of a run folder', async () => {
    const rejects = Array.from({ length: 150 }, (_, i) =>
      JSON.stringify({
        row: { id: i, qty: -i },
        sqlstate: '23514',
        message: 'violates check constraint "qty_positive"',
      }),
    );
    const { home, runDir } = runFolder({
      log: mergeLog,
      metrics: {
        ...metrics,
        steps: [
          steps[0],
          { ...steps[1], rows_rejected: 150, watermark_before: '2026-12-05', watermark_after: '2026-12-06' },
        ],
      },
      status: {
        run_id: RUN,
        status: 'succeeded',
        exit_code: 0,
        host: 'build-7',
        pid: 4242,
        history: [
          { state: 'NEW', at: at(0) },
          { state: 'VALIDATED', at: at(10) },
          { state: 'RUNNING', at: at(20) },
          { state: 'SUCCEEDED', at: at(6000) },
        ],
      },
      files: {
        'manifest.yaml': 'pipeline: nightly_orders\n',
        'cfg/dst.json': JSON.stringify({ connection: '@warehouse', table: 'orders' }),
        'rejects/dst.jsonl': rejects.join('\n'),
      },
    });
    mkdirSync(join(home, 'dlq', 'run.events'), { recursive: true });
    writeFileSync(
      join(home, 'dlq', 'run.events', 'e1.json'),
      JSON.stringify({ id: 'e1', payload: { run_id: RUN, kind: 'rejects' } }),
    );
    writeFileSync(
      join(home, 'dlq', 'run.events', 'e2.json'),
      JSON.stringify({ id: 'e2', payload: { run_id: 'r_other' } }),
    );

    const html = renderRunReport(await readRunFolder(runDir), { generatedAt: at(7000) });
    expect(html).toContain('<td class="n" data-field="rows_inserted">4,000</td>');
    expect(html).toContain('<td class="n" data-field="rows_rejected">150</td>');
    expect(html).toContain('<td>2026-12-05</td><td>2026-12-06</td>');
    expect(html).toContain('data-phase="merging"');
    expect(html.match(/<tr><td><span class="badge s-[A-Z]+">/g)).toHaveLength(4);
    expect(html).toContain('build-7');
    expect(html).toContain('150 rejected, first 100 shown');
    expect(html).toContain('<th>id</th><th>qty</th><th>sqlstate</th><th>message</th>');
    expect(html).toContain('<td>-7</td><td>23514</td>');
    expect(html.match(/<table class="rejects"[\s\S]*?<\/table>/)?.[0].match(/<tr>/g)).toHaveLength(101);
    expect(html).toContain('run.events/e1');
    expect(html).not.toContain('run.events/e2');
    expect(html).toContain('<a href="rejects/dst.jsonl">');
    expect(html).toContain('<a href="../../dlq/run.events/e1.json">');
    // Self-contained: no script and nothing to fetch.
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3)/);
  });

  it('masks secrets that reached the folder and escapes what could be markup', async () => {
    const { runDir } = runFolder({
      log: [
        line({ ts: at(0), step: 'dst<script>alert(1)</script>', event: 'start' }),
        line({
          ts: at(10),
          step: 'dst<script>alert(1)</script>',
          event: 'error',
          level: 'error',
          error: 'connect failed: postgresql://app:CanaryPw1@db.example.com/x with token EnvCanary77',
        }),
      ],
      files: {
        'cfg/dst.json': JSON.stringify({
          connection: '@warehouse',
          password: 'CanaryPw2',
          dsn: 'mysql://u:CanaryPw3@h/db',
        }),
        'manifest.yaml': 'note: password=CanaryPw4\n',
        'rejects/dst.jsonl': JSON.stringify({ row: { dsn: 'postgres://x:CanaryPw5@h/y' }, message: 'm' }),
      },
    });
    const html = renderRunReport(await readRunFolder(runDir), {
      redactor: createRedactor({ knownSecrets: ['EnvCanary77'] }),
    });
    for (const canary of ['CanaryPw1', 'CanaryPw2', 'CanaryPw3', 'CanaryPw4', 'CanaryPw5', 'EnvCanary77']) {
      expect(html).not.toContain(canary);
    }
    expect(html).toContain('***');
    expect(html).not.toContain('<script>');
    expect(html).toContain('dst&lt;script&gt;');
  });

  it('makes a report of a folder without metrics (a run that died, or an older Osiris)', async () => {
    const { runDir } = runFolder({
      status: { run_id: RUN, status: 'running', exit_code: null },
      log: [line({ ts: at(0), event: 'start' }), 'not json', line({ ts: at(50), step: 'src', event: 'start' })],
    });
    const html = renderRunReport(await readRunFolder(runDir));
    expect(html).toContain('id="run-status">running</span>');
    expect(html).toContain('No metrics.json');
    expect(html).toContain('1 line(s) of run.log.jsonl are not JSON');
    expect(html).toContain('data-step="src"');
  });

  it('fails with exit 5 for a folder that is not there', async () => {
    await expect(readRunFolder(join(tmpdir(), 'osiris-no-such-run'))).rejects.toMatchObject({ code: 'CONFIG' });
  });
});

describe('writing reports and the index', () => {
  it('writes the report into the run folder, and links artifacts relative to an --out elsewhere', async () => {
    const { home, runDir } = runFolder({ log: mergeLog, metrics, files: { 'manifest.yaml': 'x: 1\n' } });
    const inFolder = await writeRunReport(runDir);
    expect(inFolder.path).toBe(join(runDir, 'report.html'));
    const elsewhere = await writeRunReport(runDir, { out: join(home, 'site', 'nightly.html') });
    expect(readFileSync(elsewhere.path, 'utf8')).toContain(`<a href="../runs/${RUN}/manifest.yaml">`);
    // The report is not one of the run's artifacts.
    expect(readFileSync(inFolder.path, 'utf8')).not.toContain('>report.html<');
  });

  it('indexes the runs that pass the filter, with a duration line per pipeline', async () => {
    const { runsDir } = runFolder({ log: mergeLog, metrics });
    const failedId = 'r_20261207T020000Z_def456';
    mkdirSync(join(runsDir, failedId));
    writeFileSync(
      join(runsDir, failedId, 'metrics.json'),
      JSON.stringify({
        ...metrics,
        run_id: failedId,
        status: 'failed',
        exit_code: 4,
        started_at: '2026-12-07T02:00:00.000Z',
        duration_ms: 9000,
      }),
    );
    const all = await writeRunIndex(runsDir);
    expect(all.reports.map((report) => report.runId)).toEqual([failedId, RUN]);
    const index = readFileSync(all.path, 'utf8');
    expect(index).toContain(`<a href="${failedId}/report.html">`);
    expect(index).toContain('class="sparkline" data-points="2"');
    const failed = await writeRunIndex(runsDir, { status: 'failed', out: join(runsDir, '..', 'failed') });
    expect(failed.reports.map((report) => report.runId)).toEqual([failedId]);
    const recent = await writeRunIndex(runsDir, {
      since: new Date('2026-12-06T12:00:00Z'),
      out: join(runsDir, '..', 'recent'),
    });
    expect(recent.reports.map((report) => report.runId)).toEqual([failedId]);
  });

  it('dates a run without metrics by its id, and renders an empty index', () => {
    const run = { runId: 'r_20261206T061103Z_d2eb37', runDir: '/x', status: 'running', exitCode: null } as RunSummary;
    expect(runStart(run)?.toISOString()).toBe('2026-12-06T06:11:03.000Z');
    expect(filterRuns([run], { status: 'failed' })).toEqual([]);
    expect(renderRunIndex([])).toContain('No runs.');
  });
});
