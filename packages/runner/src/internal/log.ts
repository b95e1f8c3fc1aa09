// SPDX-License-Identifier: MIT
import type { Redactor } from '@osiris/registry';
import pino from 'pino';
import type { StepEvent } from '../engine';

interface RunLoggerOptions {
  readonly file: string;
  readonly runId: string;
  readonly correlationId: string;
  readonly engine: string;
  readonly level: 'info' | 'debug';
  readonly redactor: Redactor;
}

interface RunLogger {
  event(event: StepEvent): void;
  close(): Promise<void>;
}

/**
 * The JSONL run log: one pino line per event with exactly the keys of
 * `RunLogLine` (no pid, hostname or msg; `ts` in ISO 8601; string levels).
 * Every string passes the run's redactor before pino sees it.
 */
export function createRunLogger(options: RunLoggerOptions): RunLogger {
  const destination = pino.destination({ dest: options.file, sync: true, mkdir: true });
  const logger = pino(
    {
      level: options.level,
      base: null,
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const fixed = {
    run_id: options.runId,
    correlation_id: options.correlationId,
    agent: 'runner',
    engine: options.engine,
  };
  let closed = false;
  return {
    event(event) {
      if (closed) return;
      const line = options.redactor.value({
        ...fixed,
        step: event.step,
        event: event.event,
        rows_read: event.rowsRead ?? null,
        rows_written: event.rowsWritten ?? null,
        duration_ms: event.durationMs ?? null,
        phase: event.phase ?? null,
        message: event.message ?? null,
        error: event.error ?? null,
      });
      logger[event.level](line);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      });
    },
  };
}
