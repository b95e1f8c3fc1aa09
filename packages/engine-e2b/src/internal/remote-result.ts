// SPDX-License-Identifier: MIT
import type { RunManifest } from '@osiris/compiler';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import {
  type LogLevel,
  RUN_EVENT_TYPES,
  type RunEventDraft,
  type RunEventPayload,
  type RunEventType,
  type RunMetrics,
  type RunStatus,
  type RunStatusFile,
  type StepResult,
  type StepStatus,
} from '@osiris/runner';
import type { RemoteError } from './protocol';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'interrupted'];
const STEP_STATUSES: readonly StepStatus[] = ['succeeded', 'failed', 'interrupted', 'skipped'];
const CODES = Object.values(OsirisErrorCode) as readonly string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * A line of the remote `run.log.jsonl` as the event it records, a draft for the local runner to stamp
 * (with the remote line's time), or `undefined` for any other line.
 */
export function runEventOf(line: string): RunEventDraft | undefined {
  if (!line.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const { event, level, step, ts } = parsed;
  if (!RUN_EVENT_TYPES.includes(event as RunEventType) || !LEVELS.includes(level as LogLevel)) return undefined;
  if (step !== null && typeof step !== 'string') return undefined;
  const rowsRead = count(parsed.rows_read);
  const rowsWritten = count(parsed.rows_written);
  const durationMs = count(parsed.duration_ms);
  const payload: RunEventPayload = {
    ...(rowsRead === undefined ? {} : { rowsRead }),
    ...(rowsWritten === undefined ? {} : { rowsWritten }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(typeof parsed.error === 'string' ? { error: parsed.error } : {}),
    ...(typeof parsed.message === 'string' ? { message: parsed.message } : {}),
    ...(typeof parsed.phase === 'string' ? { phase: parsed.phase } : {}),
  };
  return {
    type: event as RunEventType,
    level: level as LogLevel,
    step,
    payload,
    ...(typeof ts === 'string' && ISO_TIME.test(ts) ? { ts } : {}),
  };
}

interface TrackedStep {
  started: boolean;
  ended: boolean;
  attempts: number;
  rowsRead: number;
  rowsWritten: number;
  durationMs: number;
  error: string | undefined;
}

/** What each step did, as far as the streamed events tell: the result when the sandbox is gone before the end. */
export interface StepTracker {
  onEvent(event: RunEventDraft): void;
  results(unfinished: 'interrupted' | 'failed'): StepResult[];
}

export function createStepTracker(manifest: RunManifest): StepTracker {
  const steps = new Map<string, TrackedStep>(
    manifest.steps.map((step) => [
      step.id,
      { started: false, ended: false, attempts: 0, rowsRead: 0, rowsWritten: 0, durationMs: 0, error: undefined },
    ]),
  );
  const sourceOf = new Map(
    manifest.steps.flatMap((step) => (step.needs?.[0] === undefined ? [] : [[step.id, step.needs[0]] as const])),
  );
  return {
    onEvent(event) {
      const state = event.step === null ? undefined : steps.get(event.step);
      if (state === undefined) return;
      const { payload } = event;
      if (event.type === 'start') {
        state.started = true;
        state.ended = false;
        state.attempts += 1;
        state.error = undefined;
      }
      if (payload.rowsRead !== undefined) {
        state.rowsRead = payload.rowsRead;
        // A sink reports the rows it has pulled from its source, which are the source's rows read so far.
        const source = sourceOf.get(event.step as string);
        const sourceState = source === undefined ? undefined : steps.get(source);
        if (sourceState !== undefined && !sourceState.ended) sourceState.rowsRead = payload.rowsRead;
      }
      if (payload.rowsWritten !== undefined) state.rowsWritten = payload.rowsWritten;
      if (payload.durationMs !== undefined) state.durationMs = payload.durationMs;
      if (event.type === 'end') state.ended = true;
      if (event.type === 'error' && payload.error !== undefined) state.error = payload.error;
    },
    results(unfinished) {
      return manifest.steps.map((step): StepResult => {
        const state = steps.get(step.id) as TrackedStep;
        const status: StepStatus = state.ended ? 'succeeded' : state.started ? unfinished : 'skipped';
        const error = status === 'interrupted' ? 'interrupted' : status === 'failed' ? state.error : undefined;
        return {
          id: step.id,
          component: step.component,
          componentVersion: step.component_version,
          mode: step.mode,
          status,
          attempts: state.attempts,
          rowsRead: state.rowsRead,
          // Writes of a step that did not end were rolled back.
          rowsWritten: state.ended ? state.rowsWritten : 0,
          durationMs: state.durationMs,
          ...(error === undefined ? {} : { error }),
        };
      });
    },
  };
}

/** `metrics.json` of the remote run, when it is one. */
export function parseMetrics(text: string | undefined): RunMetrics | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed) || !RUN_STATUSES.includes(parsed.status as RunStatus) || !Array.isArray(parsed.steps)) {
      return undefined;
    }
    return parsed as unknown as RunMetrics;
  } catch {
    return undefined;
  }
}

/** `status.json` of a remote run that ended (not `running`), when it is one. */
export function parseStatus(text: string | undefined): (RunStatusFile & { readonly status: RunStatus }) | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed) || !RUN_STATUSES.includes(parsed.status as RunStatus)) return undefined;
    if (parsed.exit_code !== null && typeof parsed.exit_code !== 'number') return undefined;
    return parsed as unknown as RunStatusFile & { readonly status: RunStatus };
  } catch {
    return undefined;
  }
}

/** `out/error.json` of the remote runner, when it is one. */
export function parseRemoteError(text: string | undefined): RemoteError | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed) || typeof parsed.code !== 'string' || typeof parsed.message !== 'string') return undefined;
    return {
      code: parsed.code,
      message: parsed.message,
      ...(typeof parsed.hint === 'string' ? { hint: parsed.hint } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The step results of the remote run, in manifest order, from its `metrics.json`. */
export function stepsFromMetrics(manifest: RunManifest, metrics: RunMetrics): StepResult[] {
  const byId = new Map(metrics.steps.map((step) => [step.id, step]));
  // A step of many tables ran as one step per table (`<step>.<table>`, ADR 0021): those are its result.
  const tablesOf = (id: string) =>
    metrics.steps.filter((step) => typeof step.table === 'string' && step.id === `${id}.${step.table}`);
  return manifest.steps.flatMap((step): StepResult[] => {
    const parts = tablesOf(step.id);
    if (parts.length > 0)
      return parts.map((part) => ({ ...stepResult(step, part), id: part.id, table: part.table as string }));
    return [stepResult(step, byId.get(step.id))];
  });
}

function stepResult(step: RunManifest['steps'][number], found: RunMetrics['steps'][number] | undefined): StepResult {
  const status = STEP_STATUSES.includes(found?.status as StepStatus) ? (found?.status as StepStatus) : 'skipped';
  return {
    id: step.id,
    component: step.component,
    componentVersion: step.component_version,
    mode: step.mode,
    status,
    attempts: count(found?.attempts) ?? 0,
    rowsRead: count(found?.rows_read) ?? 0,
    rowsWritten: count(found?.rows_written) ?? 0,
    ...(count(found?.rows_inserted) === undefined ? {} : { inserted: count(found?.rows_inserted) as number }),
    ...(count(found?.rows_updated) === undefined ? {} : { updated: count(found?.rows_updated) as number }),
    durationMs: count(found?.duration_ms) ?? 0,
    ...(count(found?.rows_deleted) === undefined ? {} : { deleted: count(found?.rows_deleted) as number }),
    ...(typeof found?.read_reason === 'string'
      ? {
          incremental: {
            cursor: '',
            reason: found.read_reason,
            watermarkBefore: found.watermark_before ?? undefined,
            watermarkAfter: found.watermark_after ?? undefined,
            rowsNullCursor: count(found.rows_null_cursor) ?? 0,
            moveWatermark: true,
          },
        }
      : {}),
    ...(typeof found?.error === 'string' ? { error: found.error } : {}),
  };
}

/** An `OsirisError` from a code the remote runner reported (an unknown code counts as a run error). */
export function remoteError(code: string | undefined, message: string, hint?: string): OsirisError {
  const known = code !== undefined && CODES.includes(code) ? (code as OsirisErrorCode) : OsirisErrorCode.Run;
  return new OsirisError(known, message, hint === undefined ? {} : { hint });
}
