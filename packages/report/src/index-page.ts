// SPDX-License-Identifier: MIT
import { createRedactor, type Redactor } from '@osiris/registry';
import type { RunSummary } from '@osiris/runner';
import { formatCount, formatDuration, page, textOf } from './html';

export interface IndexEntry {
  readonly run: RunSummary;
  /** Link from the index page to the run's report. */
  readonly href: string;
}

export interface RenderIndexOptions {
  readonly redactor?: Redactor;
  readonly generatedAt?: string;
  /** What the list was filtered by, said under the title (`status failed, since 2026-12-01`). */
  readonly filter?: string;
}

/** A small line of a pipeline's run durations, oldest first; the last run is a dot. */
function sparkline(durations: readonly number[]): string {
  const width = 120;
  const height = 24;
  if (durations.length === 0) return '';
  const max = Math.max(...durations, 1);
  const x = (i: number) => (durations.length === 1 ? width / 2 : 2 + (i / (durations.length - 1)) * (width - 4));
  const y = (ms: number) => height - 2 - (ms / max) * (height - 4);
  const points = durations.map((ms, i) => `${x(i).toFixed(1)},${y(ms).toFixed(1)}`).join(' ');
  const last = durations.length - 1;
  return `<svg class="sparkline" data-points="${durations.length}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><polyline fill="none" stroke="#4e79a7" stroke-width="1.5" points="${points}"/><circle cx="${x(last).toFixed(1)}" cy="${y(durations[last] as number).toFixed(1)}" r="2.5" fill="#4e79a7"/></svg>`;
}

/** The index of runs: one row per run (newest first) linking its report, and a line per pipeline. */
export function renderRunIndex(entries: readonly IndexEntry[], options: RenderIndexOptions = {}): string {
  const redactor = options.redactor ?? createRedactor();
  const t = (value: unknown) => textOf(redactor, value);
  const pipelines = new Map<string, RunSummary[]>();
  for (const { run } of entries) {
    const name = run.pipeline ?? '(unknown)';
    pipelines.set(name, [...(pipelines.get(name) ?? []), run]);
  }
  const pipelineRows = [...pipelines.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([name, runs]) => {
      const oldestFirst = [...runs].sort((a, b) => (a.startedAt ?? a.runId).localeCompare(b.startedAt ?? b.runId));
      const durations = oldestFirst.flatMap((run) => (run.durationMs === undefined ? [] : [run.durationMs]));
      const latest = oldestFirst.at(-1);
      const failed = runs.filter((run) => run.status === 'failed').length;
      return `<tr data-pipeline="${t(name)}"><td>${t(name)}</td><td class="n">${runs.length}</td><td class="n">${failed}</td><td><span class="badge s-${t(latest?.status)}">${t(latest?.status)}</span></td><td>${sparkline(durations)}</td></tr>`;
    });
  const runRows = entries.map(
    ({ run, href }) =>
      `<tr class="run" data-run="${t(run.runId)}" data-status="${t(run.status)}"><td><a href="${t(href)}">${t(run.runId)}</a></td><td><span class="badge s-${t(run.status)}">${t(run.status)}</span></td><td>${t(run.pipeline ?? '–')}</td><td>${t(run.startedAt ?? '–')}</td><td class="n">${formatDuration(run.durationMs)}</td><td class="n">${formatCount(run.rowsRead)}</td><td class="n">${formatCount(run.rowsWritten)}</td><td class="n">${t(run.exitCode ?? '–')}</td></tr>`,
  );
  const body = `<header><h1>Osiris runs</h1><div class="muted">${entries.length} run(s)${options.filter ? ` · ${t(options.filter)}` : ''} · made ${t(options.generatedAt ?? new Date().toISOString())}</div></header>
<h2>Pipelines</h2>
${pipelineRows.length === 0 ? '<p class="muted">No runs.</p>' : `<table id="pipelines"><thead><tr><th>pipeline</th><th class="n">runs</th><th class="n">failed</th><th>latest</th><th>duration per run</th></tr></thead><tbody>${pipelineRows.join('')}</tbody></table>`}
<h2>Runs</h2>
${runRows.length === 0 ? '<p class="muted">No runs.</p>' : `<table id="runs"><thead><tr><th>run</th><th>status</th><th>pipeline</th><th>started</th><th class="n">duration</th><th class="n">read</th><th class="n">written</th><th class="n">exit</th></tr></thead><tbody>${runRows.join('')}</tbody></table>`}
<footer>Made by <code>osiris runs report --index</code> from the run folders alone.</footer>`;
  return page('Osiris runs', body);
}
