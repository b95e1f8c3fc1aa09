// SPDX-License-Identifier: MIT
// pnpm bench:report — the run report of a big run (SPEC §9 budget for #18: a 16-step run with 10,000
// progress events makes a page under 300 KB that renders in under 1 s). Writes such a run folder, makes
// its report with the built @osiris/report, and loads it in Debian's Chromium (OSIRIS_CHROMIUM, default
// /usr/bin/chromium) beside a baseline measured in the same browser: a plain page of the same bytes of
// text in one <pre>, so the ratio is what the report's tables and SVG cost over text alone.
// Options: --steps N (default 16), --events N (default 10000), --repeat N (default 7).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ms, percentile, printTable } from './stats.mjs';

const arg = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const stepCount = arg('steps', 16);
const events = arg('events', 10_000);
const repeat = arg('repeat', 7);

const root = new URL('..', import.meta.url).pathname;
const { writeRunReport } = await import(join(root, 'packages/report/dist/index.js'));

const work = mkdtempSync(join(tmpdir(), 'osiris-bench-report-'));
const runId = 'r_20261206T020000Z_bench0';
const runDir = join(work, 'runs', runId);
mkdirSync(join(runDir, 'cfg'), { recursive: true });

// Eight source/sink pairs: each pair's sink gets its share of the progress events, one a second, then merges.
const t0 = Date.parse('2026-12-06T02:00:00Z');
const iso = (ms) => new Date(t0 + ms).toISOString();
const lines = [];
const line = (fields) =>
  lines.push(
    JSON.stringify({
      level: 'info',
      ts: iso(0),
      run_id: runId,
      correlation_id: 'bench',
      event_id: `${runId}_${String(lines.length + 1).padStart(8, '0')}`,
      agent: 'runner',
      engine: 'local',
      step: null,
      event: 'start',
      rows_read: null,
      rows_written: null,
      duration_ms: null,
      phase: null,
      message: null,
      error: null,
      ...fields,
    }),
  );
const steps = [];
const pairs = stepCount / 2;
const perSink = Math.floor(events / pairs);
line({});
let end = 0;
for (let p = 0; p < pairs; p++) {
  const start = p * 30_000;
  const src = `src_${p}`;
  const dst = `dst_${p}`;
  line({ ts: iso(start), step: src, event: 'start' });
  line({ ts: iso(start + 50), step: dst, event: 'start' });
  let rows = 0;
  for (let i = 1; i <= perSink; i++) {
    rows += 8_000 + Math.round(4_000 * Math.sin(i / 40));
    line({ ts: iso(start + 50 + i * 1000), step: dst, event: 'progress', rows_read: rows, duration_ms: i * 1000 });
  }
  const copied = start + 50 + perSink * 1000;
  line({ ts: iso(copied), step: src, event: 'end', rows_read: rows });
  line({ ts: iso(copied + 10), step: dst, event: 'phase', phase: 'merging', rows_read: rows });
  line({ ts: iso(copied + 20_000), step: dst, event: 'end', rows_read: rows, rows_written: rows });
  end = Math.max(end, copied + 20_000);
  const base = { component_version: '0.1.0', status: 'succeeded', attempts: 1, duration_ms: copied + 20_000 - start };
  steps.push({ ...base, id: src, component: 'mysql.table', mode: 'read', rows_read: rows, rows_written: 0 });
  steps.push({
    ...base,
    id: dst,
    component: 'supabase.table',
    mode: 'write',
    rows_read: rows,
    rows_written: rows,
    rows_inserted: Math.round(rows / 10),
    rows_updated: Math.round(rows / 5),
    rows_unchanged: rows - Math.round(rows / 10) - Math.round(rows / 5),
  });
  writeFileSync(join(runDir, 'cfg', `${src}.json`), JSON.stringify({ connection: '@shop', table: `t${p}` }));
  writeFileSync(
    join(runDir, 'cfg', `${dst}.json`),
    JSON.stringify({ connection: '@warehouse', table: `t${p}`, write_mode: 'merge', merge_keys: ['id'] }),
  );
}
line({ ts: iso(end), event: 'end' });
writeFileSync(join(runDir, 'run.log.jsonl'), `${lines.join('\n')}\n`);
writeFileSync(
  join(runDir, 'metrics.json'),
  JSON.stringify({
    run_id: runId,
    correlation_id: 'bench',
    pipeline: 'bench_report',
    engine: 'local',
    status: 'succeeded',
    exit_code: 0,
    started_at: iso(0),
    ended_at: iso(end),
    duration_ms: end,
    rows_read: steps.reduce((sum, step) => sum + step.rows_read, 0),
    rows_written: steps.reduce((sum, step) => sum + step.rows_written, 0),
    steps,
    components: { 'mysql.table': '0.1.0', 'supabase.table': '0.1.0' },
    fingerprints: { oml: 'sha256-bench', registry: 'sha256-bench' },
  }),
);
writeFileSync(join(runDir, 'manifest.yaml'), `pipeline: bench_report\nsteps: ${stepCount}\n`);

const makeStart = performance.now();
const report = await writeRunReport(runDir);
const makeMs = performance.now() - makeStart;
const baselinePath = join(work, 'baseline.html');
writeFileSync(
  baselinePath,
  `<!doctype html><meta charset="utf-8"><title>baseline</title><pre>${'x'.repeat(Math.max(0, report.bytes - 80))}</pre>`,
);

const browser = await chromium.launch({
  executablePath: process.env.OSIRIS_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
/** Load to the end of the first paint after the load event (ms), in a fresh page. */
async function render(file) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const start = performance.now();
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const elapsed = performance.now() - start;
  await page.close();
  return elapsed;
}
const reportTimes = [];
const baselineTimes = [];
await render(report.path);
await render(baselinePath);
for (let i = 0; i < repeat; i++) {
  // Alternate, so a change in the machine's load hits both alike.
  if (i % 2 === 0) {
    reportTimes.push(await render(report.path));
    baselineTimes.push(await render(baselinePath));
  } else {
    baselineTimes.push(await render(baselinePath));
    reportTimes.push(await render(report.path));
  }
}
await browser.close();
rmSync(work, { recursive: true, force: true });

const reportP50 = percentile(reportTimes, 50);
const baselineP50 = percentile(baselineTimes, 50);
console.log(
  `A ${stepCount}-step run with ${lines.length.toLocaleString('en-US')} log lines (${events.toLocaleString('en-US')} progress events); report made in ${ms(makeMs)}`,
);
printTable([
  ['page', 'bytes', 'render p50', 'render p95', 'ratio'],
  [
    'run report',
    `${(report.bytes / 1024).toFixed(1)} KB`,
    ms(reportP50),
    ms(percentile(reportTimes, 95)),
    `${(reportP50 / baselineP50).toFixed(2)}x`,
  ],
  [
    'same bytes as text (baseline)',
    `${(report.bytes / 1024).toFixed(1)} KB`,
    ms(baselineP50),
    ms(percentile(baselineTimes, 95)),
    '1.00x',
  ],
]);
console.log(
  `budget: page < 300 KB → ${report.bytes < 300 * 1024 ? 'ok' : 'OVER'}; render < 1 s → ${reportP50 < 1000 ? 'ok' : 'OVER'}`,
);
