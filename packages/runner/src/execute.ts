// SPDX-License-Identifier: MIT
import type { RunManifest } from '@osiris/compiler';
import { isOsirisError, OsirisError, OsirisErrorCode } from '@osiris/registry';
import { type AttemptOutcome, attemptPipe, interruptedError, type StepCounts } from './attempt';
import type { LogLevel, RejectedRow } from './contracts';
import type { EngineResult, RunStatus, StepConfigs, StepResult, StepStatus } from './engine';
import { describeError, isTransientError } from './errors';
import type { EventSink } from './events';
import type { IncrementalReport } from './incremental';
import { type PlannedStep, type PlanOptions, planRun } from './plan';
import { exponentialBackoff, type RetryPolicy } from './retry';
import { DEFAULT_RUN_SETTINGS, type RunSettings } from './settings';
import { expandTableSets, notCommitted, reportedSteps, tableSetOutcome } from './table-sets';

/** What {@link executeSteps} needs besides the manifest and the configs: an engine's context, and connectors. */
export interface ExecuteOptions extends PlanOptions {
  readonly events: EventSink;
  /** Aborted on Ctrl-C: the run stops, writers roll back, the result is `interrupted`. */
  readonly signal: AbortSignal;
  /** Chunk size, progress interval, idle timeout and (for the default policy) retries. Default {@link DEFAULT_RUN_SETTINGS}. */
  readonly settings?: RunSettings;
  /** Whether and when a failed attempt is tried again. Default: {@link exponentialBackoff} with the settings' `retry*`. */
  readonly retryPolicy?: RetryPolicy;
  /** The run id (and the manifest's pipeline and fingerprint) an incremental pipe's state row records. */
  readonly runId?: string;
}

interface StepState {
  status: StepStatus;
  attempts: number;
  rowsRead: number;
  rowsWritten: number;
  inserted: number | undefined;
  updated: number | undefined;
  rejected: readonly RejectedRow[] | undefined;
  durationMs: number;
  error: string | undefined;
  deleted?: number;
  incremental?: IncrementalReport;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The code of a failed run: the error's own, when a connector raised an `OsirisError` (a
 * configuration error stays exit 5 inside a run), else `RUN`. An interruption code on an error of a
 * run that was not interrupted says nothing true, and is a run error too.
 */
function failureCode(error: unknown): OsirisErrorCode {
  return isOsirisError(error) && error.code !== OsirisErrorCode.Interrupted ? error.code : OsirisErrorCode.Run;
}

/**
 * Runs the steps of a manifest in this process, in three parts: plans the
 * run ({@link planRun}: a violation throws an `OsirisError` before any step
 * runs), then runs each pipe ({@link attemptPipe}: a source and the sink that
 * reads it) in manifest order, asking the retry policy after each failed
 * attempt whether and when to try the pipe again. Each failed attempt is an
 * `error` event (`warn` when it is retried); the run stops at the first pipe
 * that fails for good. On abort the writer is told through its signal and the
 * run ends `interrupted`.
 *
 * A failed or interrupted run is returned, not thrown. Its error keeps the
 * Osiris code of the connector's error (`CONFIG` for a bad option found at
 * run time: exit 5), else it is a run error (exit 4).
 *
 * For an engine, {@link createInProcessEngine} wraps this; call it directly to
 * run connectors of your own without an engine.
 *
 * @example
 * const result = await executeSteps(manifest, configs, {
 *   connectors, connections, registry, events: (event) => console.log(event), signal,
 *   settings: parseRunSettings({ chunkSize: 5000 }),
 * });
 */
export async function executeSteps(
  manifest: RunManifest,
  configs: StepConfigs,
  options: ExecuteOptions,
): Promise<EngineResult> {
  const { events, signal } = options;
  const settings = options.settings ?? DEFAULT_RUN_SETTINGS;
  // A step with `tables: [pattern, …]` becomes one pipe per table here, at run time (ADR 0021).
  const { pipes } = await expandTableSets(planRun(manifest, configs, options), { events, signal, settings });
  const steps = reportedSteps(manifest.steps, pipes);
  const policy =
    options.retryPolicy ??
    exponentialBackoff({
      attempts: settings.retryAttempts,
      baseDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
    });
  const states = new Map<string, StepState>(
    steps.map((step) => [
      step.id,
      {
        status: 'skipped',
        attempts: 0,
        rowsRead: 0,
        rowsWritten: 0,
        inserted: undefined,
        updated: undefined,
        rejected: undefined,
        durationMs: 0,
        error: undefined,
      },
    ]),
  );
  const stateOf = (id: string): StepState => {
    const state = states.get(id);
    if (state === undefined) throw new Error(`unknown step ${id}`);
    return state;
  };

  let runStatus: RunStatus = 'succeeded';
  let runError: OsirisError | undefined;

  const record = (planned: PlannedStep, counts: StepCounts, status: StepStatus, error?: string) => {
    const state = stateOf(planned.step.id);
    state.rowsRead += counts.rowsRead;
    state.rowsWritten += counts.rowsWritten;
    if (counts.inserted !== undefined) state.inserted = (state.inserted ?? 0) + counts.inserted;
    if (counts.updated !== undefined) state.updated = (state.updated ?? 0) + counts.updated;
    // Only the attempt that committed set rows aside: a failed one's rows are in no table.
    if (status === 'succeeded') state.rejected = counts.rejected;
    if (counts.deleted !== undefined) state.deleted = (state.deleted ?? 0) + counts.deleted;
    if (counts.incremental !== undefined) state.incremental = counts.incremental;
    state.status = status;
    state.error = error;
  };

  for (const pipe of pipes) {
    if (signal.aborted) {
      runStatus = 'interrupted';
      runError = interruptedError();
      break;
    }
    for (let attempt = 1; ; attempt += 1) {
      const outcome: AttemptOutcome = await attemptPipe(pipe, attempt, {
        events,
        signal,
        settings,
        run: { pipeline: manifest.pipeline, runId: options.runId ?? '', fingerprint: manifest.fingerprints.oml },
      });
      const sourceState = stateOf(pipe.source.step.id);
      sourceState.attempts += 1;
      sourceState.durationMs += outcome.source.durationMs;
      if (pipe.sink !== undefined && outcome.sink !== undefined) {
        const sinkState = stateOf(pipe.sink.step.id);
        sinkState.attempts += 1;
        sinkState.durationMs += outcome.sink.durationMs;
      }
      if (outcome.ok) {
        record(pipe.source, outcome.source, 'succeeded');
        if (pipe.sink !== undefined && outcome.sink !== undefined) record(pipe.sink, outcome.sink, 'succeeded');
        break;
      }

      const { error, failed } = outcome;
      // The steps of this attempt that had not finished when it stopped.
      const unfinished = [
        ...(outcome.sourceDone ? [] : [pipe.source]),
        ...(pipe.sink !== undefined && outcome.sinkStarted ? [pipe.sink] : []),
      ];
      const interrupted = signal.aborted;
      const detail = describeError(error);
      const decision = interrupted
        ? undefined
        : policy.next({ error, attempt, step: failed.step.id, connector: failed.connector });
      const retrying = decision !== undefined;
      const of = policy.attempts === undefined ? '' : ` of ${policy.attempts}`;
      const where = `step "${failed.step.id}" (${failed.step.component})`;
      const message = interrupted
        ? 'interrupted; the step was stopped and its writes rolled back'
        : retrying
          ? `attempt ${attempt}${of} failed with a transient error, retrying in ${decision.delayMs} ms: ${detail}`
          : `${where} failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${detail}`;
      const level: LogLevel = retrying || interrupted ? 'warn' : 'error';
      for (const planned of unfinished) {
        const text =
          planned === failed || interrupted || retrying
            ? message
            : `stopped because step "${failed.step.id}" failed: ${detail}`;
        events({ type: 'error', level, step: planned.step.id, attempt, payload: { error: text } });
      }
      if (retrying) {
        await sleep(decision.delayMs, signal);
        if (!signal.aborted) continue;
      }

      const status: StepStatus = signal.aborted ? 'interrupted' : 'failed';
      if (outcome.sourceDone) record(pipe.source, { ...outcome.source }, 'succeeded');
      for (const planned of unfinished) {
        const counts = planned === pipe.source ? outcome.source : (outcome.sink ?? outcome.source);
        const text =
          status === 'interrupted'
            ? 'interrupted'
            : planned === failed
              ? message
              : `stopped because step "${failed.step.id}" failed`;
        record(planned, { ...counts, rowsWritten: 0 }, status, text);
      }
      if (status === 'interrupted') {
        runStatus = 'interrupted';
        runError = interruptedError();
      } else {
        runStatus = 'failed';
        const tables = tableSetOutcome(pipes, pipe);
        runError = new OsirisError(failureCode(error), tables === undefined ? message : `${message} (${tables})`, {
          cause: error,
          hint: isTransientError(error, failed.connector)
            ? 'The database refused or dropped the connection; check that it is up and accepts connections, then run again.'
            : tables === undefined
              ? 'Nothing was committed by the failed step; fix the cause above and run again.'
              : `Each table commits on its own: fix the cause above and run again, or load only the tables not committed with --tables ${notCommitted(pipes, pipe)}.`,
        });
      }
      break;
    }
    if (runStatus !== 'succeeded') break;
  }

  const results: StepResult[] = steps.map((step) => {
    const state = stateOf(step.id);
    const table = pipes.find((pipe) => pipe.source.step === step || pipe.sink?.step === step)?.source.table?.name;
    return {
      id: step.id,
      component: step.component,
      componentVersion: step.component_version,
      mode: step.mode,
      status: state.status,
      attempts: state.attempts,
      rowsRead: state.rowsRead,
      rowsWritten: state.rowsWritten,
      durationMs: state.durationMs,
      ...(state.inserted === undefined ? {} : { inserted: state.inserted }),
      ...(state.updated === undefined ? {} : { updated: state.updated }),
      ...(state.rejected === undefined ? {} : { rowsRejected: state.rejected.length, rejected: state.rejected }),
      ...(table === undefined ? {} : { table }),
      ...(state.deleted === undefined ? {} : { deleted: state.deleted }),
      ...(state.incremental === undefined ? {} : { incremental: state.incremental }),
      ...(state.error === undefined ? {} : { error: state.error }),
    };
  });
  return { status: runStatus, steps: results, ...(runError === undefined ? {} : { error: runError }) };
}
