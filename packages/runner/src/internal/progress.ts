// SPDX-License-Identifier: MIT
import type { Redactor } from '@osiris/registry';
import type { StepEvent } from '../engine';

/** Where live progress goes: usually `process.stderr` and whether it is a terminal. */
export interface ProgressTarget {
  readonly stream: { write(chunk: string): unknown };
  readonly isTTY: boolean;
}

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

/** `src → dst  123,456 rows  45,678 rows/s  00:12` */
function progressLine(label: string, rows: number, durationMs: number): string {
  const rate = durationMs > 0 ? (rows * 1000) / durationMs : 0;
  return `${label}  ${format(rows)} rows  ${format(rate)} rows/s  ${clock(durationMs)}`;
}

/**
 * Live progress on a terminal: one line that updates in place, a final line
 * per finished pipe, and failures. Silent when the target is not a terminal.
 * `labels` maps the step that reports progress to what the line shows.
 */
export function createProgressDisplay(
  target: ProgressTarget | undefined,
  labels: ReadonlyMap<string, string>,
  redactor: Redactor,
): { onEvent(event: StepEvent): void; finish(): void } {
  if (target === undefined || !target.isTTY) return { onEvent() {}, finish() {} };
  let live = false;
  const write = (text: string) => target.stream.write(redactor.text(text));
  return {
    onEvent(event) {
      const label = event.step === null ? undefined : labels.get(event.step);
      if (label !== undefined && event.event === 'progress' && event.rowsRead !== undefined) {
        write(`\r\x1b[2K${progressLine(label, event.rowsRead, event.durationMs ?? 0)}`);
        live = true;
      } else if (label !== undefined && event.event === 'end') {
        write(`\r\x1b[2K${progressLine(label, event.rowsWritten ?? event.rowsRead ?? 0, event.durationMs ?? 0)}\n`);
        live = false;
      } else if (event.event === 'error' && event.step !== null && event.error !== undefined) {
        write(
          `${live ? '\r\x1b[2K' : ''}${event.level === 'error' ? 'error' : 'warn'} ${event.step}: ${event.error}\n`,
        );
        live = false;
      }
    },
    finish() {
      if (live) write('\n');
      live = false;
    },
  };
}
