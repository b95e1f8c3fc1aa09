// SPDX-License-Identifier: MIT
import type { OsirisErrorCode } from '@osiris/registry';
import type { RunStatus, StepResult, StepStatus } from './engine';
import type { RunEventType } from './events';

/** One step in `metrics.json`. */
export interface StepMetrics {
  readonly id: string;
  readonly component: string;
  readonly component_version: string;
  readonly mode: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly rows_read: number;
  readonly rows_written: number;
  /** Merges only, when the database reports them. */
  readonly rows_inserted?: number;
  readonly rows_updated?: number;
  /**
   * Merges only: staged rows that neither inserted nor updated a row (`rows_written` − inserted −
   * updated): rows equal to the target's, and earlier duplicates of a key in the input.
   */
  readonly rows_unchanged?: number;
  /** Rows the sink set aside (`max_rejects`, ADR 0020), and their file relative to the run folder. */
  readonly rows_rejected?: number;
  readonly rejects_file?: string;
  readonly duration_ms: number;
  /** The table of one step of many tables (its id is `<step>.<table>`, ADR 0021). */
  readonly table?: string;
  /** Sinks with `deletes: soft | hard`: target rows marked deleted or deleted. */
  readonly rows_deleted?: number;
  /** Incremental sources (ADR 0024): why these rows (`rows changed since … (lag 5 min)`). */
  readonly read_reason?: string;
  /** Incremental sources: the watermark in the target's state before the run (null: none). */
  readonly watermark_before?: string | null;
  /** Incremental sources: the watermark after the run, the largest cursor value read (null: none). */
  readonly watermark_after?: string | null;
  /** Incremental sources: rows whose cursor is NULL, which runs after the first do not see. */
  readonly rows_null_cursor?: number;
  readonly error?: string;
}

/** A step of `metrics.json` (and of `osiris run --json`) from the step's result. */
export function stepMetrics(step: StepResult): StepMetrics {
  const merged = step.inserted !== undefined && step.updated !== undefined;
  return {
    id: step.id,
    component: step.component,
    component_version: step.componentVersion,
    mode: step.mode,
    status: step.status,
    attempts: step.attempts,
    rows_read: step.rowsRead,
    rows_written: step.rowsWritten,
    ...(step.inserted === undefined ? {} : { rows_inserted: step.inserted }),
    ...(step.updated === undefined ? {} : { rows_updated: step.updated }),
    ...(merged ? { rows_unchanged: step.rowsWritten - (step.inserted ?? 0) - (step.updated ?? 0) } : {}),
    ...(step.rowsRejected === undefined ? {} : { rows_rejected: step.rowsRejected }),
    ...(step.rejectsFile === undefined ? {} : { rejects_file: step.rejectsFile }),
    duration_ms: step.durationMs,
    ...(step.table === undefined ? {} : { table: step.table }),
    ...(step.deleted === undefined ? {} : { rows_deleted: step.deleted }),
    ...(step.incremental === undefined
      ? {}
      : {
          read_reason: step.incremental.reason,
          watermark_before: step.incremental.watermarkBefore ?? null,
          watermark_after: step.incremental.watermarkAfter ?? null,
          rows_null_cursor: step.incremental.rowsNullCursor,
        }),
    ...(step.error === undefined ? {} : { error: step.error }),
  };
}

/** The content of `metrics.json` in a run folder. */
export interface RunMetrics {
  readonly run_id: string;
  readonly correlation_id: string;
  readonly pipeline: string;
  readonly engine: string;
  readonly status: RunStatus;
  /** 0 success, 2 validation, 4 run error, 5 configuration or secrets, 130 interrupted. */
  readonly exit_code: number;
  readonly started_at: string;
  readonly ended_at: string;
  readonly duration_ms: number;
  readonly rows_read: number;
  readonly rows_written: number;
  readonly steps: readonly StepMetrics[];
  /** Component type → version, for every component the run used. */
  readonly components: Readonly<Record<string, string>>;
  readonly fingerprints: { readonly oml: string; readonly registry: string };
  /**
   * Steps that read many tables (`tables: [pattern, …]`): the tables the run resolved, in load
   * order (ADR 0021). Absent when the pipeline has none.
   */
  readonly tables?: Readonly<Record<string, readonly string[]>>;
  readonly error?: { readonly code: OsirisErrorCode; readonly message: string };
}

/** The content of `status.json`: `running` while the run goes, then its outcome. */
export interface RunStatusFile {
  readonly run_id: string;
  readonly status: RunStatus | 'running';
  readonly exit_code: number | null;
  readonly error?: string;
}

/**
 * One line of `run.log.jsonl`. Every line has every key; those that do not apply are `null`
 * (ADR 0007, ADR 0016, ADR 0018). `event_id` is the event's id (unique, sorts in the order of the
 * run's events); `error` holds errors (and retries); `message` the text of a `note` (a connector's
 * notes and warnings); `phase` the phase a step entered (`merging`) on a `phase` event.
 */
export interface RunLogLine {
  readonly ts: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly run_id: string;
  readonly correlation_id: string;
  readonly event_id: string;
  readonly agent: string;
  readonly engine: string;
  readonly step: string | null;
  /** `state` on the supervisor's lines (`agent: supervisor`): `message` holds the state the run entered (ADR 0019). */
  readonly event: RunEventType | 'state';
  readonly rows_read: number | null;
  readonly rows_written: number | null;
  readonly duration_ms: number | null;
  readonly phase: string | null;
  readonly message: string | null;
  readonly error: string | null;
}

/** `metrics.json`'s `tables`: each many-table read step's tables, in the order its steps ran. */
export function resolvedTables(steps: readonly StepResult[]): { tables?: Record<string, string[]> } {
  const tables: Record<string, string[]> = {};
  for (const step of steps) {
    if (step.table === undefined || step.mode !== 'read') continue;
    const owner = step.id.slice(0, step.id.length - step.table.length - 1);
    tables[owner] = [...(tables[owner] ?? []), step.table];
  }
  return Object.keys(tables).length === 0 ? {} : { tables };
}
