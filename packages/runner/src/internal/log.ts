// SPDX-License-Identifier: MIT
import type { Redactor } from '@osiris/registry';
import pino from 'pino';
import type { RunEvent } from '../events';

interface RunLoggerOptions {
  readonly file: string;
  readonly engine: string;
  readonly level: 'info' | 'debug';
  readonly redactor: Redactor;
}

interface RunLogger {
  event(event: RunEvent): void;
  close(): Promise<void>;
}

/**
 * The JSONL run log: one pino line per event with exactly the keys of
 * `RunLogLine` (no pid, hostname or msg; the event's own `ts` in ISO 8601;
 * string levels). Every string passes the run's redactor before pino sees it.
 */
export function createRunLogger(options: RunLoggerOptions): RunLogger {
  const destination = pino.destination({ dest: options.file, sync: true, mkdir: true });
  const logger = pino(
    {
      level: options.level,
      base: null,
      // The event's time, stamped by the runner (or kept from a sandbox's log), not the time of writing.
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  let closed = false;
  return {
    event(event) {
      if (closed) return;
      const { payload } = event;
      const line = options.redactor.value({
        ts: event.ts,
        run_id: event.runId,
        correlation_id: event.correlationId,
        event_id: event.id,
        agent: 'runner',
        engine: options.engine,
        step: event.step,
        event: event.type,
        rows_read: payload.rowsRead ?? null,
        rows_written: payload.rowsWritten ?? null,
        duration_ms: payload.durationMs ?? null,
        phase: payload.phase ?? null,
        message: payload.message ?? null,
        error: payload.error ?? null,
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
