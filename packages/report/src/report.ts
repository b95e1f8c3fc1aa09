// SPDX-License-Identifier: MIT
import { join } from 'node:path';
import { createRedactor, EXIT_CODES, type Redactor } from '@osiris/registry';
import type { StepMetrics } from '@osiris/runner';
import type { RunFolder } from './folder';
import { formatBytes, formatCount, formatDuration, hrefOf, PALETTE, page, shortNumber, textOf, ticks } from './html';
import { type RunPicture, runPicture } from './model';

export interface RenderOptions {
  /** Masks what the folder should never have held; default: the redactor's patterns alone. */
  readonly redactor?: Redactor;
  /** Folder the page will be written to, for relative links to the artifacts; default the run folder. */
  readonly reportDir?: string;
  /** When the page was made (ISO 8601); default now. */
  readonly generatedAt?: string;
}

/** A count of `metrics.json` the report shows per step, with its column title. */
const COUNT_COLUMNS: readonly (readonly [string, string])[] = [
  ['rows_read', 'read'],
  ['rows_written', 'written'],
  ['rows_inserted', 'inserted'],
  ['rows_updated', 'updated'],
  ['rows_unchanged', 'unchanged'],
  ['rows_rejected', 'rejected'],
  ['rows_deleted', 'deleted'],
];

const PHASE_COLOURS: Record<string, string> = {
  read: '#4e79a7',
  write: '#59a14f',
  merging: '#f28e2b',
  committing: '#b07aa1',
  staging: '#76b7b2',
  swapping: '#edc948',
};
const phaseColour = (phase: string) => PHASE_COLOURS[phase] ?? '#9c755f';

const exitWords = (code: unknown) =>
  typeof code === 'number' ? (EXIT_CODES.find((info) => info.code === code)?.description ?? 'unknown exit code') : '';

/** `status.json`'s state history, whatever its keys: `[{ state, at }]` under `history`, `transitions` or `states`. */
function stateHistory(status: Record<string, unknown> | undefined): { state: string; at: string }[] {
  for (const key of ['history', 'transitions', 'states']) {
    const list = status?.[key];
    if (!Array.isArray(list)) continue;
    return list.flatMap((entry) => {
      if (entry === null || typeof entry !== 'object') return [];
      const record = entry as Record<string, unknown>;
      const state = record.state ?? record.to ?? record.status;
      const at = record.at ?? record.ts ?? record.timestamp;
      return typeof state === 'string' ? [{ state, at: typeof at === 'string' ? at : '' }] : [];
    });
  }
  return [];
}

/** Who ran it and where: the owner process and the sandbox, when the folder says. */
const WHO_KEYS = ['host', 'hostname', 'pid', 'user', 'sandbox_id', 'heartbeat_at', 'heartbeat', 'osiris_version'];

function overview(folder: RunFolder, t: (value: unknown) => string): string {
  const m = folder.metrics;
  const s = folder.status ?? {};
  const rows: [string, unknown][] = [
    ['run', folder.runId],
    ['pipeline', m?.pipeline ?? s.pipeline],
    ['engine', m?.engine ?? s.engine],
    ['correlation id', m?.correlation_id ?? s.correlation_id],
    ['started', m?.started_at ?? s.started_at],
    ['ended', m?.ended_at ?? s.ended_at],
    ['duration', m === undefined ? undefined : formatDuration(m.duration_ms)],
    [
      'exit code',
      (m?.exit_code ?? s.exit_code) === undefined
        ? undefined
        : `${m?.exit_code ?? s.exit_code} — ${exitWords(m?.exit_code ?? s.exit_code)}`,
    ],
    ['rows', m === undefined ? undefined : `${formatCount(m.rows_read)} read, ${formatCount(m.rows_written)} written`],
    ['OML fingerprint', m?.fingerprints?.oml],
    ['registry fingerprint', m?.fingerprints?.registry],
    ...WHO_KEYS.map((key): [string, unknown] => [
      key.replaceAll('_', ' '),
      s[key] ?? (m as Record<string, unknown> | undefined)?.[key],
    ]),
  ];
  const components = Object.entries(m?.components ?? {}).map(([type, version]) => `${type} ${version}`);
  if (components.length > 0) rows.push(['components', components.join(', ')]);
  return `<dl id="overview">${rows
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([name, value]) => `<dt>${t(name)}</dt><dd>${t(value)}</dd>`)
    .join('')}</dl>`;
}

function timeline(picture: RunPicture, t: (value: unknown) => string): string {
  if (picture.bars.length === 0) return '<p class="muted">The run log has no step events.</p>';
  const width = 960;
  const label = 200;
  const plot = width - label - 16;
  const rowHeight = 24;
  const top = 8;
  const height = top + picture.bars.length * rowHeight + 24;
  const x = (ms: number) => label + (ms / picture.spanMs) * plot;
  const parts: string[] = [];
  for (const tick of ticks(picture.spanMs / 1000, 8)) {
    const at = x(tick * 1000);
    parts.push(
      `<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${top}" y2="${height - 20}" stroke="#eaeef2"/><text x="${at.toFixed(1)}" y="${height - 6}" text-anchor="middle">${shortNumber(tick)} s</text>`,
    );
  }
  const phases = new Set<string>();
  picture.bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    const outline = bar.status === 'failed' ? ' stroke="#cf222e" stroke-width="2"' : '';
    const name = bar.table === undefined ? bar.step : `${bar.step} · ${bar.table}`;
    const rects = bar.segments.map((segment) => {
      phases.add(segment.phase);
      const from = x(segment.start);
      const w = Math.max(1.5, x(segment.end) - from);
      return `<rect class="segment" data-phase="${t(segment.phase)}"${outline} x="${from.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" rx="2" fill="${phaseColour(segment.phase)}"><title>${t(`${name}: ${segment.phase} ${formatDuration(segment.end - segment.start)}`)}</title></rect>`;
    });
    parts.push(
      `<g class="bar" data-step="${t(bar.step)}"${bar.table === undefined ? '' : ` data-table="${t(bar.table)}"`} data-status="${t(bar.status)}"><text x="0" y="${y + rowHeight / 2 + 4}">${t(name.length > 30 ? `${name.slice(0, 29)}…` : name)}</text>${rects.join('')}</g>`,
    );
  });
  const legend = [...phases].map((phase) => `<span><i style="background:${phaseColour(phase)}"></i>${t(phase)}</span>`);
  return `<svg id="timeline-chart" role="img" aria-label="timeline of the steps" viewBox="0 0 ${width} ${height}" width="100%">${parts.join('')}</svg><div class="legend">${legend.join('')}</div>`;
}

function rateChart(picture: RunPicture, t: (value: unknown) => string): string {
  if (picture.rates.length === 0) return '<p class="muted">No progress events in the run log.</p>';
  const width = 960;
  const height = 260;
  const left = 56;
  const bottom = 24;
  const plotW = width - left - 12;
  const plotH = height - bottom - 10;
  const maxRate = Math.max(...picture.rates.flatMap((series) => series.points.map(([, rate]) => rate)), 1);
  const yTicks = ticks(maxRate, 5);
  const yMax = yTicks.at(-1) ?? maxRate;
  const span = picture.spanMs / 1000;
  const x = (s: number) => left + (s / span) * plotW;
  const y = (rate: number) => 10 + plotH - (rate / yMax) * plotH;
  const parts: string[] = [];
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${left}" x2="${width - 12}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#eaeef2"/><text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${shortNumber(tick)}</text>`,
    );
  }
  for (const tick of ticks(span, 8)) {
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${height - 6}" text-anchor="middle">${shortNumber(tick)} s</text>`);
  }
  const legend: string[] = [];
  picture.rates.forEach((series, index) => {
    const colour = PALETTE[index % PALETTE.length];
    const points = series.points.map(([s, rate]) => `${x(s).toFixed(1)},${y(rate).toFixed(1)}`).join(' ');
    const dots =
      series.points.length === 1
        ? `<circle cx="${x((series.points[0] as [number, number])[0]).toFixed(1)}" cy="${y((series.points[0] as [number, number])[1]).toFixed(1)}" r="3" fill="${colour}"/>`
        : '';
    parts.push(
      `<polyline class="series" data-step="${t(series.step)}" data-points="${series.points.length}" fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>${dots}`,
    );
    legend.push(`<span><i style="background:${colour}"></i>${t(series.step)}</span>`);
  });
  return `<svg id="rate-chart" role="img" aria-label="rows per second over time" viewBox="0 0 ${width} ${height}" width="100%">${parts.join('')}</svg><div class="legend">${legend.join('')}</div>`;
}

function counts(steps: readonly StepMetrics[], t: (value: unknown) => string): string {
  if (steps.length === 0) return '<p class="muted">No metrics.json: the run ended before it counted its steps.</p>';
  const record = (step: StepMetrics) => step as unknown as Record<string, unknown>;
  const shown = COUNT_COLUMNS.filter(([key]) => steps.some((step) => record(step)[key] !== undefined));
  const watermarks = steps.some(
    (step) => record(step).watermark_before !== undefined || record(step).watermark_after !== undefined,
  );
  const head = [
    '<th>step</th><th>component</th><th>mode</th><th>status</th>',
    ...shown.map(([, title]) => `<th class="n">${t(title)}</th>`),
    watermarks ? '<th>watermark before</th><th>watermark after</th>' : '',
    '<th class="n">attempts</th><th class="n">duration</th>',
  ].join('');
  const rows = steps.map((step) => {
    const r = record(step);
    const name = typeof r.table === 'string' ? `${step.id} · ${r.table}` : step.id;
    return `<tr data-step="${t(step.id)}"><td>${t(name)}</td><td>${t(step.component)}</td><td>${t(step.mode)}</td><td><span class="badge s-${t(step.status)}">${t(step.status)}</span></td>${shown
      .map(([key]) => `<td class="n" data-field="${key}">${formatCount(r[key])}</td>`)
      .join(
        '',
      )}${watermarks ? `<td>${t(r.watermark_before ?? '–')}</td><td>${t(r.watermark_after ?? '–')}</td>` : ''}<td class="n">${formatCount(step.attempts)}</td><td class="n">${formatDuration(step.duration_ms)}</td></tr>`;
  });
  return `<table id="counts-table"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function problems(folder: RunFolder, t: (value: unknown) => string): string {
  const out: string[] = [];
  // The run's error usually repeats its failed step's, and the log repeats both: each text is shown once.
  const shown = new Set<string>();
  const error = (label: string, message: string, kind = 'err') => {
    if (shown.has(message)) return;
    shown.add(message);
    out.push(`<div class="${kind}"><strong>${t(label)}</strong> ${t(message)}</div>`);
  };
  for (const step of folder.metrics?.steps ?? []) {
    if (step.error !== undefined) error(step.id, step.error);
  }
  const runError =
    folder.metrics?.error?.message ?? (typeof folder.status?.error === 'string' ? folder.status.error : undefined);
  if (runError !== undefined) error(folder.metrics?.error?.code ?? 'error', runError);
  for (const line of folder.log) {
    if (line.event !== 'error' || typeof line.error !== 'string') continue;
    const retried = line.level !== 'error';
    error(`${line.ts ?? ''} ${line.step ?? 'run'}${retried ? ' (retried)' : ''}`, line.error, retried ? 'warn' : 'err');
  }
  for (const line of folder.log) {
    if (line.event !== 'note' || typeof line.message !== 'string') continue;
    out.push(
      `<div class="${line.level === 'warn' ? 'warn' : 'note'}"><span class="muted">${t(line.step ?? 'run')}</span> ${t(line.message)}</div>`,
    );
  }
  if (folder.malformedLogLines > 0) {
    out.push(
      `<div class="warn">${folder.malformedLogLines} line(s) of run.log.jsonl are not JSON and were skipped.</div>`,
    );
  }
  return out.length === 0 ? '<p class="muted">No errors, warnings or notes.</p>' : out.join('');
}

function rejects(folder: RunFolder, reportDir: string, t: (value: unknown) => string, redactor: Redactor): string {
  if (folder.rejects.length === 0) return '<p class="muted">No rejected rows.</p>';
  return folder.rejects
    .map((step) => {
      // A rejects line keeps the row's values under `row` (or `values`) beside why it was rejected: one column each.
      const rows = step.rows.map((entry) => {
        const values = entry.row ?? entry.values;
        if (values === null || typeof values !== 'object' || Array.isArray(values)) return redactor.value(entry);
        const { row: _row, values: _values, ...why } = entry;
        return redactor.value({ ...(values as Record<string, unknown>), ...why });
      });
      const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
      const cell = (value: unknown) => t(typeof value === 'string' ? value : JSON.stringify(value));
      return `<h3>${t(step.step)} <span class="muted">${formatCount(step.total)} rejected${step.total > rows.length ? `, first ${rows.length} shown` : ''} — <a href="${hrefOf(reportDir, join(folder.dir, step.file))}">${t(step.file)}</a></span></h3><table class="rejects" data-step="${t(step.step)}"><thead><tr>${columns.map((c) => `<th>${t(c)}</th>`).join('')}</tr></thead><tbody>${rows
        .map((row) => `<tr>${columns.map((c) => `<td>${cell(row[c])}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    })
    .join('');
}

function dlq(folder: RunFolder, reportDir: string, t: (value: unknown) => string, redactor: Redactor): string {
  if (folder.dlq.length === 0) return '<p class="muted">No dead-letter items name this run.</p>';
  return folder.dlq
    .map(
      (item) =>
        `<details><summary><code>${t(item.topic)}/${t(item.id)}</code> — <a href="${hrefOf(reportDir, item.file)}">file</a></summary><pre>${t(JSON.stringify(redactor.value(item.item), null, 2))}</pre></details>`,
    )
    .join('');
}

function definitions(folder: RunFolder, t: (value: unknown) => string, redactor: Redactor): string {
  const out: string[] = [];
  if (folder.manifest !== undefined) {
    out.push(`<details open><summary>manifest.yaml</summary><pre>${t(folder.manifest)}</pre></details>`);
  }
  for (const config of folder.configs) {
    let text = config.text;
    try {
      text = JSON.stringify(redactor.value(JSON.parse(config.text)), null, 2);
    } catch {
      // Not JSON: shown as it is, through the redactor's text patterns.
    }
    out.push(`<details><summary>cfg/${t(config.name)}.json</summary><pre>${t(text)}</pre></details>`);
  }
  return out.length === 0 ? '<p class="muted">No manifest in the run folder.</p>' : out.join('');
}

function artifacts(folder: RunFolder, reportDir: string, t: (value: unknown) => string): string {
  if (folder.artifacts.length === 0) return '<p class="muted">The run folder is empty.</p>';
  const items = folder.artifacts.map(
    (file) =>
      `<li><a href="${hrefOf(reportDir, join(folder.dir, file.path))}">${t(file.path)}</a> <span class="muted">${formatBytes(file.bytes)}</span></li>`,
  );
  const dlqItems = folder.dlq.map(
    (item) => `<li><a href="${hrefOf(reportDir, item.file)}">dlq/${t(item.topic)}/${t(item.id)}.json</a></li>`,
  );
  return `<ul id="artifact-list">${[...items, ...dlqItems].join('')}</ul>`;
}

/**
 * One self-contained HTML page for a run: no script, no network, styles and charts (SVG) inline.
 * Every string goes through the redactor before it is escaped.
 */
export function renderRunReport(folder: RunFolder, options: RenderOptions = {}): string {
  const redactor = options.redactor ?? createRedactor();
  const t = (value: unknown) => textOf(redactor, value);
  const reportDir = options.reportDir ?? folder.dir;
  const picture = runPicture(folder);
  const status = String(folder.metrics?.status ?? folder.status?.state ?? folder.status?.status ?? 'unknown');
  const pipeline =
    folder.metrics?.pipeline ?? (typeof folder.status?.pipeline === 'string' ? folder.status.pipeline : undefined);
  const history = stateHistory(folder.status);
  const historyHtml =
    history.length === 0
      ? ''
      : `<h2>States</h2><table id="states"><thead><tr><th>state</th><th>at</th></tr></thead><tbody>${history
          .map(
            (entry) =>
              `<tr><td><span class="badge s-${t(entry.state)}">${t(entry.state)}</span></td><td>${t(entry.at)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const body = `<header>
<h1>${t(pipeline ?? folder.runId)} <span class="badge s-${t(status)}" id="run-status">${t(status)}</span></h1>
<div class="muted">run ${t(folder.runId)} · ${t(folder.metrics?.engine ?? '')} · report made ${t(options.generatedAt ?? new Date().toISOString())}</div>
</header>
${overview(folder, t)}
${historyHtml}
<h2>Timeline</h2>
<section id="timeline">${timeline(picture, t)}</section>
<h2>Rows per second</h2>
<section id="rates">${rateChart(picture, t)}</section>
<h2>Counts</h2>
<section id="counts">${counts(folder.metrics?.steps ?? [], t)}</section>
<h2>Errors, warnings and notes</h2>
<section id="problems">${problems(folder, t)}</section>
<h2>Rejected rows</h2>
<section id="rejects">${rejects(folder, reportDir, t, redactor)}</section>
<h2>Dead-letter items</h2>
<section id="dlq">${dlq(folder, reportDir, t, redactor)}</section>
<h2>Manifest and step configs</h2>
<section id="definitions">${definitions(folder, t, redactor)}</section>
<h2>Artifacts</h2>
<section id="artifacts">${artifacts(folder, reportDir, t)}</section>
<footer>Made by <code>osiris runs report</code> from the run folder alone. Secrets are masked; connections appear as their <code>@references</code>.</footer>`;
  return page(`${t(pipeline ?? 'run')} · ${t(folder.runId)} · Osiris`, body);
}
