// SPDX-License-Identifier: MIT
import type { ManifestStep, RunManifest, StepConfig } from '@osiris/compiler';
import { OsirisError, OsirisErrorCode, type Registry } from '@osiris/registry';
import type { Connector, LogLevel, Row, StepContext, StepReporter, TabularStream, TextBatch } from './contracts';
import { CopyBinaryFraming } from './copy-binary-framing';
import type {
  EngineResult,
  EventSink,
  ResolvedConnections,
  RetryOptions,
  RunStatus,
  StepConfigs,
  StepResult,
  StepStatus,
} from './engine';
import { describeError, isTransientError } from './errors';

export interface ExecuteOptions {
  /** The implementations available, one per component `type`. */
  readonly connectors: readonly Connector[];
  readonly connections: ResolvedConnections;
  readonly events: EventSink;
  readonly signal: AbortSignal;
  readonly chunkSize: number;
  /** When given, every connector is checked against its spec card too. */
  readonly registry?: Registry;
  readonly retry?: RetryOptions;
  /** Least time between two `progress` events of a step. Default 1000 ms. */
  readonly progressIntervalMs?: number;
  /**
   * How long a sink may wait for the source's next batch before the step fails: a silent source
   * (a cut connection, a stalled server) must not hang the run. 0 waits forever. Default
   * {@link DEFAULT_IDLE_TIMEOUT_MS}.
   */
  readonly idleTimeoutMs?: number;
}

/**
 * Ten minutes: as long as the MySQL reader lets its server wait for a slow sink (`net_write_timeout`),
 * and long enough for a filtered scan to find its next batch of rows.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

interface PlannedStep {
  readonly step: ManifestStep;
  readonly config: StepConfig;
  readonly connector: Connector;
  readonly connection: Readonly<Record<string, string>>;
}

/** A unit that runs (and retries) as a whole: a source and the sink that reads it, or a source alone. */
interface Pipe {
  readonly source: PlannedStep;
  readonly sink: PlannedStep | undefined;
}

interface Counts {
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly durationMs: number;
  /** Merges: what the database reports it inserted and updated. */
  readonly inserted?: number;
  readonly updated?: number;
}

type AttemptOutcome =
  | { readonly ok: true; readonly sinkStarted: boolean; readonly source: Counts; readonly sink?: Counts }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly failed: PlannedStep;
      readonly sourceDone: boolean;
      readonly sinkStarted: boolean;
      readonly source: Counts;
      readonly sink?: Counts;
    };

interface StepState {
  status: StepStatus;
  attempts: number;
  rowsRead: number;
  rowsWritten: number;
  inserted: number | undefined;
  updated: number | undefined;
  durationMs: number;
  error: string | undefined;
}

const DEFAULT_RETRY = { attempts: 3, baseDelayMs: 500, maxDelayMs: 5000 } as const;

/** Turns step configs given as a Map or an object into a Map. */
export function configMap(configs: StepConfigs): ReadonlyMap<string, StepConfig> {
  return configs instanceof Map
    ? (configs as ReadonlyMap<string, StepConfig>)
    : new Map(Object.entries(configs as Readonly<Record<string, StepConfig>>));
}

function violation(message: string, hint: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Validation, message, { hint });
}

/**
 * Checks every step before anything runs: a config for each step, a
 * connector for its component that supports its mode, a card (when a
 * registry is given) that declares the mode and every capability the
 * connector claims, sinks that read exactly one source, a resolved connection.
 * Throws the first violation as an `OsirisError`.
 */
function plan(
  manifest: RunManifest,
  configs: ReadonlyMap<string, StepConfig>,
  options: Pick<ExecuteOptions, 'connectors' | 'connections' | 'registry'>,
): Pipe[] {
  const byType = new Map(options.connectors.map((connector) => [connector.type, connector]));
  const planned = new Map<string, PlannedStep>();
  for (const step of manifest.steps) {
    const where = `step "${step.id}" (${step.component})`;
    const config = configs.get(step.id);
    if (config === undefined) {
      throw violation(`${where} has no config`, `Compile the pipeline again so that cfg/${step.id}.json exists.`);
    }
    if (config.component !== step.component || config.mode !== step.mode) {
      throw violation(
        `${where}: cfg/${step.id}.json says ${config.component} in mode ${config.mode}, the manifest ${step.component} in mode ${step.mode}`,
        'Compile the pipeline again; the manifest and its configs must come from the same compile.',
      );
    }
    const connector = byType.get(step.component);
    if (connector === undefined) {
      throw violation(
        `${where}: this engine has no connector for ${step.component}`,
        `Available components: ${[...byType.keys()].sort().join(', ') || 'none'}.`,
      );
    }
    if (step.mode !== 'read' && step.mode !== 'write') {
      throw violation(
        `${where}: mode ${step.mode} is not supported by the runner`,
        'Use a read step as a source and a write step as a sink.',
      );
    }
    const method = step.mode === 'read' ? connector.read : connector.write;
    if (!connector.modes.includes(step.mode) || typeof method !== 'function') {
      throw violation(
        `${where} cannot ${step.mode}: its connector supports ${connector.modes.join(', ') || 'no mode'}`,
        `Set mode to ${connector.modes.join(' or ') || 'a supported mode'}, or use a component that can ${step.mode}.`,
      );
    }
    if (options.registry !== undefined) {
      const card = options.registry.get(step.component);
      if (card === undefined) {
        throw violation(
          `${where}: no spec card for ${step.component}`,
          'Use a component listed by `osiris components`.',
        );
      }
      if (!card.modes.includes(step.mode)) {
        throw violation(
          `${where} cannot ${step.mode}: its spec card declares ${card.modes.join(', ')}`,
          `Set mode to ${card.modes.join(' or ')}.`,
        );
      }
      const undeclaredModes = connector.modes.filter((mode) => !card.modes.includes(mode));
      const undeclaredCapabilities = connector.capabilities.filter((cap) => !card.capabilities.includes(cap));
      if (undeclaredModes.length > 0 || undeclaredCapabilities.length > 0) {
        const what = [
          ...undeclaredModes.map((mode) => `mode ${mode}`),
          ...undeclaredCapabilities.map((cap) => `capability ${cap}`),
        ].join(', ');
        throw violation(
          `${where}: the connector claims ${what}, which the ${step.component} spec card does not declare`,
          'A connector may only do what its card declares; fix the connector or add it to the card.',
        );
      }
    }
    const connection = options.connections.get(config.connection);
    if (connection === undefined) {
      throw new OsirisError(OsirisErrorCode.Config, `${where}: connection ${config.connection} was not resolved`, {
        hint: 'Resolve every connection reference with resolveConnections before running.',
      });
    }
    planned.set(step.id, { step, config, connector, connection });
  }

  const pipes: Pipe[] = [];
  const consumed = new Set<string>();
  for (const { step } of planned.values()) {
    const needs = step.needs ?? [];
    if (step.mode === 'read') {
      if (needs.length > 0) {
        throw violation(`step "${step.id}" reads and cannot need other steps`, 'Remove needs from the source step.');
      }
      continue;
    }
    const sourceId = needs[0];
    const source = sourceId === undefined ? undefined : planned.get(sourceId);
    if (needs.length !== 1 || source === undefined || source.step.mode !== 'read') {
      throw violation(
        `step "${step.id}" must need exactly one read step (it needs ${needs.length === 0 ? 'none' : needs.join(', ')})`,
        'A sink takes its rows from one source: needs: [<source id>].',
      );
    }
    if (consumed.has(source.step.id)) {
      // Two sinks would read the source twice and commit separately: one could land while the other fails.
      throw violation(
        `step "${step.id}" reads from "${source.step.id}", which another sink already reads`,
        'Give each sink its own source step (a copy of the source with its own id).',
      );
    }
    consumed.add(source.step.id);
    pipes.push({ source, sink: planned.get(step.id) });
  }
  // A source that feeds no sink is still read (and counted), after the pipes, in manifest order.
  for (const entry of planned.values()) {
    if (entry.step.mode === 'read' && !consumed.has(entry.step.id)) pipes.push({ source: entry, sink: undefined });
  }
  return pipes;
}

function interruptedError(): OsirisError {
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
 * Runs the steps of a manifest in this process: checks every step first
 * (see {@link planSteps}), then, for each sink, reads the source it needs and
 * pipes the rows into the sink's write. Emits `start`, throttled `progress`,
 * `metrics`, `end` and `error` events per step. A transient connection error
 * retries the source and sink together with exponential backoff, at most
 * three attempts. On abort the writer is told through its signal and the run
 * ends `interrupted`. Every engine that runs connectors in process reuses this.
 *
 * Contract violations throw an `OsirisError` before any step runs; a failed
 * or interrupted run is returned, not thrown.
 */
export async function executeSteps(
  manifest: RunManifest,
  configs: StepConfigs,
  options: ExecuteOptions,
): Promise<EngineResult> {
  const pipes = plan(manifest, configMap(configs), options);
  const { events, signal } = options;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const states = new Map<string, StepState>(
    manifest.steps.map((step) => [
      step.id,
      {
        status: 'skipped',
        attempts: 0,
        rowsRead: 0,
        rowsWritten: 0,
        inserted: undefined,
        updated: undefined,
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

  /** One attempt of a pipe. Never throws: the outcome says what each step did. */
  const attemptPipe = async (pipe: Pipe, attempt: number): Promise<AttemptOutcome> => {
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
        events({ event: 'progress', level, step: stepId, message: `${message}${formatFields(fields)}`, attempt });
      },
      phase(name: string) {
        const counts = { rowsRead: rows, durationMs: elapsed() };
        events({ event: 'progress', level: 'info', step: stepId, phase: name, ...counts, ...estimate(), attempt });
      },
    });
    const context = (planned: PlannedStep): StepContext => ({
      stepId: planned.step.id,
      connection: planned.connection,
      chunkSize: options.chunkSize,
      signal: controller.signal,
      reporter: reporter(planned.step.id),
    });

    const finishSource = () => {
      if (sourceDone) return;
      sourceDone = true;
      sourceDuration = Math.round(performance.now() - sourceStart);
      const counts = { rowsRead: rows, durationMs: sourceDuration };
      events({ event: 'metrics', level: 'info', step: source.step.id, ...counts, attempt });
      events({ event: 'end', level: 'info', step: source.step.id, ...counts, attempt });
    };

    let stream: TabularStream | undefined;
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
              event: 'progress',
              level: 'info',
              step: progressStep.step.id,
              rowsRead: rows,
              durationMs: elapsed(),
              ...estimate(),
              attempt,
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
      events({ event: 'start', level: 'info', step: source.step.id, attempt });
      try {
        const read = source.connector.read;
        if (read === undefined) throw new Error(`${source.step.component} cannot read`);
        stream = await read.call(source.connector, context(source), source.config.options);
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
      events({ event: 'start', level: 'info', step: sink.step.id, ...estimate(), attempt });
      const write = sink.connector.write;
      if (write === undefined) throw new Error(`${sink.step.component} cannot write`);
      const { textBatches, copyBinary } = stream;
      // A COPY binary stream's rows are its tuples, counted as they end, whichever chunk that is in.
      const framing = new CopyBinaryFraming();
      const result = await write.call(sink.connector, context(sink), sink.config.options, {
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
      const counts = {
        rowsRead: rows,
        rowsWritten: result.rowsWritten,
        durationMs: Math.round(performance.now() - sinkStart),
      };
      events({ event: 'metrics', level: 'info', step: sink.step.id, ...counts, attempt });
      events({ event: 'end', level: 'info', step: sink.step.id, ...counts, attempt });
      return {
        ok: true,
        sinkStarted,
        source: { rowsRead: rows, rowsWritten: 0, durationMs: sourceDuration },
        sink: {
          ...counts,
          ...(result.inserted === undefined ? {} : { inserted: result.inserted }),
          ...(result.updated === undefined ? {} : { updated: result.updated }),
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
  };

  const record = (planned: PlannedStep, counts: Counts, status: StepStatus, error?: string) => {
    const state = stateOf(planned.step.id);
    state.rowsRead += counts.rowsRead;
    state.rowsWritten += counts.rowsWritten;
    if (counts.inserted !== undefined) state.inserted = (state.inserted ?? 0) + counts.inserted;
    if (counts.updated !== undefined) state.updated = (state.updated ?? 0) + counts.updated;
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
      const outcome = await attemptPipe(pipe, attempt);
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
      const retrying = !interrupted && attempt < retry.attempts && isTransientError(error, failed.connector);
      const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      const where = `step "${failed.step.id}" (${failed.step.component})`;
      const message = interrupted
        ? 'interrupted; the step was stopped and its writes rolled back'
        : retrying
          ? `attempt ${attempt} of ${retry.attempts} failed with a transient error, retrying in ${delay} ms: ${detail}`
          : `${where} failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${detail}`;
      const level: LogLevel = retrying || interrupted ? 'warn' : 'error';
      for (const planned of unfinished) {
        const text =
          planned === failed || interrupted || retrying
            ? message
            : `stopped because step "${failed.step.id}" failed: ${detail}`;
        events({ event: 'error', level, step: planned.step.id, error: text, attempt });
      }
      if (retrying) {
        await sleep(delay, signal);
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
        runError = new OsirisError(OsirisErrorCode.Run, message, {
          cause: error,
          hint: isTransientError(error, failed.connector)
            ? 'The database refused or dropped the connection; check that it is up and accepts connections, then run again.'
            : 'Nothing was committed by the failed step; fix the cause above and run again.',
        });
      }
      break;
    }
    if (runStatus !== 'succeeded') break;
  }

  const steps: StepResult[] = manifest.steps.map((step) => {
    const state = stateOf(step.id);
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
      ...(state.error === undefined ? {} : { error: state.error }),
    };
  });
  return { status: runStatus, steps, ...(runError === undefined ? {} : { error: runError }) };
}
