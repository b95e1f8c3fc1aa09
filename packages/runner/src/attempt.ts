// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { LogLevel, RejectedRow, Row, StepContext, StepReporter, TabularStream, TextBatch } from './contracts';
import { CopyBinaryFraming } from './copy-binary-framing';
import type { EventSink } from './events';
import type { IncrementalReport, StateRecord } from './incremental';
import { type IncrementalPlan, prepareIncremental, type RunIdentity, stateToWrite } from './incremental-pipe';
import type { Pipe, PlannedStep } from './plan';
import type { RunSettings } from './settings';

/** What one step of a pipe did in one attempt. */
export interface StepCounts {
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly durationMs: number;
  /** Merges: what the database reports it inserted and updated. */
  readonly inserted?: number;
  readonly updated?: number;
  /** Rows the sink set aside (`max_rejects`, ADR 0020), not yet redacted. */
  readonly rejected?: readonly RejectedRow[];
  /** Sinks with `deletes`: rows the database marked deleted or deleted. */
  readonly deleted?: number;
  /** Incremental sources: what was read and why, the watermark before and after (ADR 0024). */
  readonly incremental?: IncrementalReport;
}

/** How one attempt of a pipe ended. `sink` is there once the sink started. */
export type AttemptOutcome =
  | { readonly ok: true; readonly sinkStarted: boolean; readonly source: StepCounts; readonly sink?: StepCounts }
  | {
      readonly ok: false;
      /** The error that stopped the attempt: the source's when it failed first, else the sink's. Not redacted. */
      readonly error: unknown;
      /** The step the error belongs to. */
      readonly failed: PlannedStep;
      /** Whether the source had read its last row before the attempt stopped. */
      readonly sourceDone: boolean;
      readonly sinkStarted: boolean;
      readonly source: StepCounts;
      readonly sink?: StepCounts;
    };

/** What one attempt needs besides the pipe. */
export interface AttemptOptions {
  readonly events: EventSink;
  /** Aborted on Ctrl-C: the attempt stops and the sink rolls back. */
  readonly signal: AbortSignal;
  /** `chunkSize`, `progressIntervalMs` and `idleTimeoutMs` apply to an attempt. */
  readonly settings: RunSettings;
  /** The run's pipeline, id and fingerprint, which an incremental pipe's state row records. */
  readonly run?: RunIdentity;
}

/** The error of a run stopped by its signal (exit 130). */
export function interruptedError(): OsirisError {
  return new OsirisError(OsirisErrorCode.Interrupted, 'the run was interrupted', {
    hint: 'Nothing was committed by the step that was running; run again to load the data.',
  });
}

/** `1.5 s`, `600 s`: a timeout as the user sets it. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Settles as `pending` does, or rejects with `onTimeout()` when that takes longer than `ms` (0: never). */
function withTimeout<T>(pending: Promise<T>, ms: number, onTimeout: () => unknown): Promise<T> {
  if (ms <= 0) return pending;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const rowsIn = (batch: Row[]): number => batch.length;
const textRowsIn = (batch: TextBatch): number => batch.rowCount;

function formatFields(fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return '';
  const parts = Object.entries(fields).map(
    ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/**
 * The second part of a run: one attempt of one pipe. Reads the source into
 * the sink once (or drains a source that feeds no sink) and says how it
 * ended; it never retries and never throws. It emits `start`, throttled
 * `progress`, `phase`, `note`, `metrics` and `end` events; the `error` events
 * are the caller's, which knows whether the attempt will be retried.
 *
 * Along the way it times the sink's waits for the source (`idleTimeoutMs`: a
 * silent source fails the attempt), counts the rows of text batches and of a
 * COPY binary stream (by its tuples), forwards the run's signal to both
 * connectors, and closes the source when the sink fails before pulling a row.
 *
 * @example
 * const outcome = await attemptPipe(pipes[0], 1, { events, signal, settings: DEFAULT_RUN_SETTINGS });
 * if (!outcome.ok) console.error(outcome.failed.step.id, outcome.error);
 */
export async function attemptPipe(pipe: Pipe, attempt: number, options: AttemptOptions): Promise<AttemptOutcome> {
  const { events, signal } = options;
  const { chunkSize, progressIntervalMs, idleTimeoutMs } = options.settings;
  const { source, sink } = pipe;
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  let rows = 0;
  let estimatedRows: number | undefined;
  const estimate = () => (estimatedRows === undefined ? {} : { estimatedRows });
  let sourceDone = false;
  let sourceError: unknown;
  let sinkStarted = false;
  const sourceStart = performance.now();
  let sourceDuration = 0;
  let sinkStart = sourceStart;
  const progressStep = sink ?? source;
  let lastProgress = performance.now();
  const elapsed = () => Math.round(performance.now() - (sink === undefined ? sourceStart : sinkStart));

  const reporter = (stepId: string): StepReporter => ({
    log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
      events({ type: 'note', level, step: stepId, attempt, payload: { message: `${message}${formatFields(fields)}` } });
    },
    phase(name: string) {
      const payload = { phase: name, rowsRead: rows, durationMs: elapsed(), ...estimate() };
      events({ type: 'phase', level: 'info', step: stepId, attempt, payload });
    },
  });
  const context = (planned: PlannedStep): StepContext => ({
    stepId: planned.step.id,
    connection: planned.connection,
    chunkSize,
    signal: controller.signal,
    reporter: reporter(planned.step.id),
  });

  const finishSource = () => {
    if (sourceDone) return;
    sourceDone = true;
    sourceDuration = Math.round(performance.now() - sourceStart);
    const payload = { rowsRead: rows, durationMs: sourceDuration };
    events({ type: 'metrics', level: 'info', step: source.step.id, attempt, payload });
    events({ type: 'end', level: 'info', step: source.step.id, attempt, payload });
  };

  let stream: TabularStream | undefined;
  let incremental: IncrementalPlan | undefined;
  let state: StateRecord | undefined;
  let iterating = false;
  const silent = () =>
    new OsirisError(
      OsirisErrorCode.Run,
      `no data came from the source for ${seconds(idleTimeoutMs)} (the idle timeout) after ${rows} rows: its connection may be cut or its server stalled. If it is only slow (a filter that matches few rows), raise the idle timeout (--idle-timeout <seconds> or OSIRIS_IDLE_TIMEOUT; 0 waits forever) or lower chunk_size`,
    );
  /**
   * The source's batches (rows or text) as the sink pulls them, counted, with throttled progress.
   * Only the sink's waits for the source are timed: a slow sink is not a silent source.
   */
  async function* counted<B>(batches: AsyncIterable<B>, sizeOf: (batch: B) => number): AsyncGenerator<B> {
    iterating = true;
    const iterator = batches[Symbol.asyncIterator]();
    // Whether the source has answered its last pull and is not done: only then may it be returned.
    let idle = false;
    try {
      for (;;) {
        idle = false;
        const next = await withTimeout(iterator.next(), idleTimeoutMs, () => {
          const error = silent();
          sourceError ??= error;
          // The source stops and closes its connection; the sink rolls back.
          controller.abort(error);
          return error;
        });
        if (next.done === true) break;
        idle = true;
        const batch = next.value;
        if (controller.signal.aborted) throw interruptedError();
        rows += sizeOf(batch);
        const now = performance.now();
        if (now - lastProgress >= progressIntervalMs) {
          lastProgress = now;
          events({
            type: 'progress',
            level: 'info',
            step: progressStep.step.id,
            attempt,
            payload: { rowsRead: rows, durationMs: elapsed(), ...estimate() },
          });
        }
        yield batch;
      }
    } catch (error) {
      if (!controller.signal.aborted) sourceError ??= error;
      throw error;
    } finally {
      // As `for await` does: a consumer that stops early (or a failure between pulls) closes the source.
      if (idle) await iterator.return?.();
    }
    finishSource();
  }

  try {
    events({ type: 'start', level: 'info', step: source.step.id, attempt, payload: {} });
    try {
      const read = source.connector.read;
      if (read === undefined) throw new Error(`${source.step.component} cannot read`);
      // Incremental sources learn their watermark from the sink's target first (ADR 0024).
      incremental = await prepareIncremental(pipe, () => context(sink as PlannedStep), options.run, options.settings);
      const sourceContext = context(source);
      stream = await read.call(
        source.connector,
        incremental === undefined ? sourceContext : { ...sourceContext, incremental: incremental.read },
        source.config.options,
      );
      state = stateToWrite(incremental, stream, pipe, options.run);
      estimatedRows = stream.estimatedRows;
    } catch (error) {
      sourceError = error;
      throw error;
    }
    if (sink === undefined) {
      for await (const _batch of counted(stream.batches, rowsIn)) {
        // Draining a source that feeds no sink: rows are counted as they pass.
      }
      return { ok: true, sinkStarted, source: { rowsRead: rows, rowsWritten: 0, durationMs: sourceDuration } };
    }
    sinkStarted = true;
    sinkStart = performance.now();
    lastProgress = sinkStart;
    events({ type: 'start', level: 'info', step: sink.step.id, attempt, payload: estimate() });
    const write = sink.connector.write;
    if (write === undefined) throw new Error(`${sink.step.component} cannot write`);
    const { textBatches, copyBinary } = stream;
    // A COPY binary stream's rows are its tuples, counted as they end, whichever chunk that is in.
    const framing = new CopyBinaryFraming();
    // `deletes: soft | hard` compare key sets: the source's keys, every row, no incremental bound.
    const readAgain = source.connector.read as NonNullable<typeof source.connector.read>;
    const sourceKeys = (columns: readonly string[]) => {
      const { incremental: _bound, ...rest } = source.config.options;
      return readAgain.call(source.connector, context(source), { ...rest, columns });
    };
    const sinkContext = { ...context(sink), sourceKeys, ...(state === undefined ? {} : { state }) };
    const result = await write.call(sink.connector, sinkContext, sink.config.options, {
      columns: stream.columns,
      batches: counted(stream.batches, rowsIn),
      // The sink pulls one of the forms; the other generators never start.
      ...(textBatches === undefined ? {} : { textBatches: counted(textBatches, textRowsIn) }),
      ...(copyBinary === undefined
        ? {}
        : {
            copyBinary: {
              typnames: copyBinary.typnames,
              chunks: counted(copyBinary.chunks, (chunk: Uint8Array) => framing.push(chunk)),
            },
          }),
    });
    finishSource();
    const report = stream.incremental;
    if (report !== undefined) {
      events({
        type: 'note',
        level: 'info',
        step: source.step.id,
        attempt,
        payload: { message: `read ${rows} ${report.reason}` },
      });
      if (report.rowsNullCursor > 0) {
        events({
          type: 'note',
          level: 'warn',
          step: source.step.id,
          attempt,
          payload: {
            message: `${report.rowsNullCursor} row(s) have a NULL cursor (${report.cursor}): the first run loaded them, later runs do not see their changes. Give them a cursor value, or run with --full-refresh`,
          },
        });
      }
    }
    const counts = {
      rowsRead: rows,
      rowsWritten: result.rowsWritten,
      durationMs: Math.round(performance.now() - sinkStart),
    };
    events({ type: 'metrics', level: 'info', step: sink.step.id, attempt, payload: counts });
    events({ type: 'end', level: 'info', step: sink.step.id, attempt, payload: counts });
    return {
      ok: true,
      sinkStarted,
      source: {
        rowsRead: rows,
        rowsWritten: 0,
        durationMs: sourceDuration,
        ...(report === undefined ? {} : { incremental: report }),
      },
      sink: {
        ...counts,
        ...(result.deleted === undefined ? {} : { deleted: result.deleted }),
        ...(result.inserted === undefined ? {} : { inserted: result.inserted }),
        ...(result.updated === undefined ? {} : { updated: result.updated }),
        ...(result.rejected === undefined ? {} : { rejected: result.rejected }),
      },
    };
  } catch (error) {
    controller.abort();
    if (stream !== undefined && !iterating) {
      // The writer failed before it pulled a row: close the source all the same.
      try {
        await stream.batches[Symbol.asyncIterator]().return?.();
      } catch {
        // Closing is best effort; the step's own error is the one to report.
      }
    }
    const now = performance.now();
    const failed = sourceError === undefined && sink !== undefined ? sink : source;
    return {
      ok: false,
      error: sourceError ?? error,
      failed,
      sourceDone,
      sinkStarted,
      source: {
        rowsRead: rows,
        rowsWritten: 0,
        durationMs: sourceDone ? sourceDuration : Math.round(now - sourceStart),
      },
      ...(sinkStarted ? { sink: { rowsRead: rows, rowsWritten: 0, durationMs: Math.round(now - sinkStart) } } : {}),
    };
  } finally {
    signal.removeEventListener('abort', forward);
  }
}
