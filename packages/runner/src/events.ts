// SPDX-License-Identifier: MIT
import type { LogLevel } from './contracts';

/**
 * What happened: a step (or the run, `step: null`) started, moved rows (`progress`), entered a phase
 * without rows (`phase`, e.g. `merging`), noted something (`note`: a created table, zero dates read
 * as NULL), counted its rows (`metrics`), ended, or failed (`error`, also a failed attempt that is
 * retried). The same names appear as `event` in `run.log.jsonl`.
 */
export type RunEventType = 'start' | 'progress' | 'phase' | 'note' | 'metrics' | 'end' | 'error';

/** Every event type, in the order a step goes through them. */
export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'start',
  'progress',
  'phase',
  'note',
  'metrics',
  'end',
  'error',
];

/** What an event carries besides who and when; a field that does not apply is absent. */
export interface RunEventPayload {
  readonly rowsRead?: number;
  readonly rowsWritten?: number;
  readonly durationMs?: number;
  /** The source's estimate of its rows (`TabularStream.estimatedRows`), on a pipe's `start`, `progress` and `phase`. */
  readonly estimatedRows?: number;
  /** `phase` events: the phase the step entered. */
  readonly phase?: string;
  /** `note` events: the connector's text (not yet redacted). */
  readonly message?: string;
  /** `error` events: what went wrong, or why an attempt is retried (not yet redacted). */
  readonly error?: string;
}

/**
 * An event as an engine emits it. The runner stamps it into a {@link RunEvent}; an engine never
 * makes ids. `ts` is set only by an engine that relays events that happened elsewhere (the e2b
 * engine keeps the sandbox's times); otherwise the runner stamps the time it receives the event.
 */
export interface RunEventDraft {
  readonly type: RunEventType;
  readonly level: LogLevel;
  /** The step id, or `null` for the run itself. */
  readonly step: string | null;
  /** 1-based attempt of the step this event belongs to. */
  readonly attempt?: number;
  readonly payload: RunEventPayload;
  /** ISO 8601, when the event happened somewhere else first. */
  readonly ts?: string;
}

/** One thing that happened during a run, as the runner hands it to the log, the display and listeners. */
export interface RunEvent extends RunEventDraft {
  /**
   * Unique, and sortable: the run id (which sorts by the run's start time) and a counter that rises
   * with every event of the run, e.g. `r_20261127T143000Z_ab12cd_00000042`.
   */
  readonly id: string;
  /** ISO 8601 with milliseconds. */
  readonly ts: string;
  readonly runId: string;
  readonly correlationId: string;
}

/** Where an engine sends its events: the runner's stamper, or a test's array. */
export type EventSink = (event: RunEventDraft) => void;

/** Receives every event of a run once it is stamped (and redacted, for listeners given to `runManifest`). */
export type RunEventListener = (event: RunEvent) => void;

/**
 * The one place events get their identity: each draft becomes a {@link RunEvent} with the run's
 * ids, the next id of the run and the time (the draft's own, when it carries one).
 */
export function createEventStamper(options: {
  readonly runId: string;
  readonly correlationId: string;
  readonly now?: () => Date;
}): (draft: RunEventDraft) => RunEvent {
  const now = options.now ?? (() => new Date());
  let sequence = 0;
  return (draft) => {
    sequence += 1;
    return {
      ...draft,
      // Eight digits keep the ids of one run in order as text up to 100 million events.
      id: `${options.runId}_${String(sequence).padStart(8, '0')}`,
      ts: draft.ts ?? now().toISOString(),
      runId: options.runId,
      correlationId: options.correlationId,
    };
  };
}
