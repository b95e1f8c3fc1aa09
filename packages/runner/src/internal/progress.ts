// SPDX-License-Identifier: MIT
import type { Redactor } from '@osiris/registry';
import type { RunEvent } from '../events';

/** Where live progress goes: usually `process.stderr` and whether it is a terminal. */
export interface ProgressTarget {
  readonly stream: { write(chunk: string): unknown };
  readonly isTTY: boolean;
  /**
   * Not on a terminal (a CI log, a pipe): the least time between two lines, default 10 s, so a
   * long load is not silent and a short one prints nothing. On a terminal the line is redrawn
   * on every event and every second.
   */
  readonly intervalMs?: number;
}

const CI_INTERVAL_MS = 10_000;
const TTY_REFRESH_MS = 1000;

// Made on first use: the first Intl formatter of a process loads ICU data, several ms that a run without a
// terminal, or a command that never runs, would otherwise pay at start.
let numberFormat: Intl.NumberFormat | undefined;
const format = (value: number) => {
  numberFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  return numberFormat.format(value);
};

function clock(ms: number): string {
  const total = Math.floor(ms / 1000);
  const hours = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, '0');
  const ss = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The pipe whose sink (or lone source) is running. */
interface Pipe {
  readonly label: string;
  readonly startedAt: number;
  rows: number;
  /** When, in the pipe's time, `rows` was counted: the rate is over that span, not the live clock's. */
  rowsAtMs: number;
  estimate: number | undefined;
  phase: string | undefined;
}

/**
 * `src → dst  123,456 of ~1,000,000 rows (12%)  45,678 rows/s  00:12  about 00:19 left` while rows stream
 * (the total only when the source estimated one and the count has not passed it), `src → dst  1,000,000 rows
 * merging…  00:25` in a phase without rows.
 */
function progressLine(pipe: Pipe, durationMs: number): string {
  if (pipe.phase !== undefined) return `${pipe.label}  ${format(pipe.rows)} rows  ${pipe.phase}…  ${clock(durationMs)}`;
  const rate = pipe.rowsAtMs > 0 ? (pipe.rows * 1000) / pipe.rowsAtMs : 0;
  const { estimate, rows } = pipe;
  const known = estimate !== undefined && estimate > 0 && rows <= estimate;
  const count = known
    ? `${format(rows)} of ~${format(estimate)} rows (${Math.floor((rows * 100) / estimate)}%)`
    : `${format(rows)} rows`;
  // At the rate of the last count, from when it was made: between two counts the time left still runs down.
  const leftMs = known && rate > 0 ? ((estimate - rows) * 1000) / rate - (durationMs - pipe.rowsAtMs) : undefined;
  const left = leftMs === undefined ? '' : `  about ${clock(Math.max(0, leftMs))} left`;
  return `${pipe.label}  ${count}  ${format(rate)} rows/s  ${clock(durationMs)}${left}`;
}

/**
 * Live progress. On a terminal: one line that updates in place (rows, rate, and the total and time
 * left when the source estimated its rows; the phase, such as `merging…`, once the rows are in), a
 * final line per finished pipe, and failures. Elsewhere: the same line at most once per
 * `intervalMs`, nothing for a shorter run. `labels` maps the step that reports progress to what
 * the line shows.
 */
export function createProgressDisplay(
  target: ProgressTarget | undefined,
  labels: ReadonlyMap<string, string>,
  redactor: Redactor,
): { onEvent(event: RunEvent): void; finish(): void } {
  if (target === undefined) return { onEvent() {}, finish() {} };
  const { isTTY } = target;
  const intervalMs = isTTY ? TTY_REFRESH_MS : (target.intervalMs ?? CI_INTERVAL_MS);
  const write = (text: string) => target.stream.write(redactor.text(text));
  let pipe: Pipe | undefined;
  /** A terminal line without its newline yet. */
  let live = false;
  let lastLine = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const show = () => {
    if (pipe === undefined) return;
    const now = performance.now();
    if (isTTY) {
      write(`\r\x1b[2K${progressLine(pipe, now - pipe.startedAt)}`);
      live = true;
    } else if (now - lastLine >= intervalMs) {
      lastLine = now;
      write(`${progressLine(pipe, now - pipe.startedAt)}\n`);
    }
  };
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  return {
    onEvent(event) {
      const label = event.step === null ? undefined : labelOf(labels, event.step);
      const { payload } = event;
      if (label !== undefined && event.type === 'start') {
        const now = performance.now();
        pipe = { label, startedAt: now, rows: 0, rowsAtMs: 0, estimate: payload.estimatedRows, phase: undefined };
        lastLine = now;
        // Between events (a slow source, a long upsert) the clock still moves; it holds no process open.
        timer ??= setInterval(show, Math.max(1, Math.min(intervalMs, TTY_REFRESH_MS)));
        timer.unref?.();
      } else if (
        label !== undefined &&
        (event.type === 'progress' || event.type === 'phase') &&
        pipe?.label === label
      ) {
        if (payload.rowsRead !== undefined) {
          pipe.rows = payload.rowsRead;
          pipe.rowsAtMs = payload.durationMs ?? performance.now() - pipe.startedAt;
        }
        if (payload.estimatedRows !== undefined) pipe.estimate = payload.estimatedRows;
        if (payload.phase !== undefined) pipe.phase = payload.phase;
        if (payload.rowsRead !== undefined || payload.phase !== undefined) show();
      } else if (label !== undefined && event.type === 'end') {
        if (isTTY && pipe !== undefined) {
          const durationMs = payload.durationMs ?? 0;
          const rows = payload.rowsWritten ?? payload.rowsRead ?? pipe.rows;
          const done = { ...pipe, rows, rowsAtMs: durationMs, estimate: undefined, phase: undefined };
          write(`\r\x1b[2K${progressLine(done, durationMs)}\n`);
        }
        live = false;
        pipe = undefined;
        stop();
      } else if (isTTY && event.type === 'error' && event.step !== null && payload.error !== undefined) {
        write(
          `${live ? '\r\x1b[2K' : ''}${event.level === 'error' ? 'error' : 'warn'} ${event.step}: ${payload.error}\n`,
        );
        live = false;
      }
    },
    finish() {
      stop();
      if (live) write('\n');
      live = false;
      pipe = undefined;
    },
  };
}

/** A step's label; one table of a many-table step (`dst.orders`) has its step's label and the table. */
function labelOf(labels: ReadonlyMap<string, string>, step: string): string | undefined {
  const own = labels.get(step);
  if (own !== undefined) return own;
  const dot = step.indexOf('.');
  const parent = dot <= 0 ? undefined : labels.get(step.slice(0, dot));
  return parent === undefined ? undefined : `${parent} ${step.slice(dot + 1)}`;
}
