// SPDX-License-Identifier: MIT
import type { RunLogLine, StepMetrics } from '@osiris/runner';
import type { RunFolder } from './folder';

/** Points drawn per step in the rows-per-second chart: a 16-step page stays small however long the log. */
export const MAX_CHART_POINTS = 240;

/** A stretch of a step's bar: what the step was doing from `start` to `end` (ms since the run started). */
export interface TimelineSegment {
  readonly phase: string;
  readonly start: number;
  readonly end: number;
}

/** One bar of the timeline: a step, or one table of a multi-table step. */
export interface TimelineBar {
  readonly step: string;
  readonly table?: string;
  readonly mode?: string;
  readonly status: string;
  readonly segments: readonly TimelineSegment[];
}

/** Rows per second of one step over time (seconds since the run started). */
export interface RateSeries {
  readonly step: string;
  readonly points: readonly (readonly [number, number])[];
}

/** What the report draws: the timeline and the rates, derived from the log (and metrics for the bounds). */
export interface RunPicture {
  /** ms the timeline spans. */
  readonly spanMs: number;
  readonly bars: readonly TimelineBar[];
  readonly rates: readonly RateSeries[];
}

const time = (ts: unknown): number | undefined => {
  if (typeof ts !== 'string') return undefined;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
};

/** The key of a bar: a step, or a step's table when the log names one. */
const barKey = (line: Partial<RunLogLine> & { table?: unknown }) =>
  typeof line.table === 'string' ? `${line.step}\u0000${line.table}` : String(line.step);

interface BarState {
  step: string;
  table?: string;
  start?: number;
  end?: number;
  failed: boolean;
  /** Phase changes: `[ms, phase]`, in order. */
  marks: [number, string][];
  /** `[ms, rows]` from progress events. */
  progress: [number, number][];
}

/**
 * Rows per second between consecutive progress events, averaged into at most `max` time buckets, so
 * 10,000 events draw as a few hundred points and a burst does not hide in one pixel.
 */
function rates(progress: readonly [number, number][], origin: number, max: number): [number, number][] {
  const points: [number, number][] = [];
  for (let i = 1; i < progress.length; i++) {
    const [t0, r0] = progress[i - 1] as [number, number];
    const [t1, r1] = progress[i] as [number, number];
    if (t1 <= t0 || r1 < r0) continue;
    points.push([(t1 - origin) / 1000, ((r1 - r0) * 1000) / (t1 - t0)]);
  }
  if (points.length <= max) return points;
  const first = (points[0] as [number, number])[0];
  const last = (points.at(-1) as [number, number])[0];
  const width = (last - first) / max || 1;
  const buckets = new Map<number, { t: number; rate: number; n: number }>();
  for (const [t, rate] of points) {
    const index = Math.min(max - 1, Math.floor((t - first) / width));
    const bucket = buckets.get(index) ?? { t: 0, rate: 0, n: 0 };
    bucket.t += t;
    bucket.rate += rate;
    bucket.n++;
    buckets.set(index, bucket);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => [b.t / b.n, b.rate / b.n]);
}

/**
 * Derives the timeline and rate series from the run log: a bar per step (and per table when log lines
 * carry one) from its `start` to its `end` or `error`, cut where `phase` events say the step moved on
 * (`merging`, `committing`); the first stretch is the step's own mode (`read` or `write`).
 */
export function runPicture(folder: RunFolder): RunPicture {
  const steps = new Map<string, StepMetrics>((folder.metrics?.steps ?? []).map((step) => [step.id, step]));
  const origin =
    time(folder.metrics?.started_at) ?? folder.log.map((line) => time(line.ts)).find((ms) => ms !== undefined) ?? 0;
  const bars = new Map<string, BarState>();
  let lastMs = origin;
  for (const line of folder.log as (Partial<RunLogLine> & { table?: unknown })[]) {
    const ms = time(line.ts);
    if (ms === undefined) continue;
    lastMs = Math.max(lastMs, ms);
    if (typeof line.step !== 'string') continue;
    const key = barKey(line);
    let bar = bars.get(key);
    if (bar === undefined) {
      bar = { step: line.step, failed: false, marks: [], progress: [] };
      if (typeof line.table === 'string') bar.table = line.table;
      bars.set(key, bar);
    }
    bar.start = Math.min(bar.start ?? ms, ms);
    switch (line.event) {
      case 'phase':
        if (typeof line.phase === 'string') bar.marks.push([ms, line.phase]);
        // Rows stop moving when a phase such as `merging` begins: the last point of the copy.
        if (typeof line.rows_read === 'number') bar.progress.push([ms, line.rows_read]);
        break;
      case 'progress': {
        const rows = line.rows_read ?? line.rows_written;
        if (typeof rows === 'number') bar.progress.push([ms, rows]);
        break;
      }
      case 'metrics': {
        // A step without phases moved rows until it counted them (a short run may have no progress event).
        const rows = line.rows_read ?? line.rows_written;
        if (bar.marks.length === 0 && typeof rows === 'number') bar.progress.push([ms, rows]);
        break;
      }
      case 'end':
        bar.end = ms;
        break;
      case 'error':
        // An error line of an attempt that is retried is not the end; the last one is.
        if (line.level === 'error') bar.failed = true;
        bar.end = ms;
        break;
    }
  }
  const ended = time(folder.metrics?.ended_at) ?? lastMs;
  const spanMs = Math.max(1, ended - origin);

  const out: TimelineBar[] = [];
  for (const bar of bars.values()) {
    const metrics = steps.get(bar.step);
    const start = (bar.start ?? origin) - origin;
    const end = Math.max(start, (bar.end ?? ended) - origin);
    const segments: TimelineSegment[] = [];
    let from = start;
    let phase = metrics?.mode ?? 'run';
    for (const [ms, next] of bar.marks) {
      const at = Math.min(end, Math.max(from, ms - origin));
      if (at > from) segments.push({ phase, start: from, end: at });
      from = at;
      phase = next;
    }
    segments.push({ phase, start: from, end });
    const status =
      bar.table === undefined
        ? (metrics?.status ?? (bar.failed ? 'failed' : 'unknown'))
        : bar.failed
          ? 'failed'
          : 'succeeded';
    out.push({
      step: bar.step,
      ...(bar.table === undefined ? {} : { table: bar.table }),
      ...(metrics?.mode === undefined ? {} : { mode: metrics.mode }),
      status,
      segments,
    });
  }
  // Steps that never logged (a run that failed before them) still get a row, empty.
  for (const step of steps.values()) {
    if (!out.some((bar) => bar.step === step.id))
      out.push({ step: step.id, mode: step.mode, status: step.status, segments: [] });
  }
  const rateSeries: RateSeries[] = [];
  for (const bar of bars.values()) {
    if (bar.table !== undefined) continue;
    // From the step's start at 0 rows, so a step with one progress event still has its rate.
    const seeded: [number, number][] = bar.start === undefined ? bar.progress : [[bar.start, 0], ...bar.progress];
    const points = rates(seeded, origin, MAX_CHART_POINTS);
    if (points.length > 0) rateSeries.push({ step: bar.step, points });
  }
  return { spanMs, bars: out, rates: rateSeries };
}
