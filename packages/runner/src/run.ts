// SPDX-License-Identifier: MIT
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunManifest, renderManifest, renderStepConfig, type StepConfig } from '@osiris/compiler';
import {
  canonicalJson,
  createRedactor,
  ExitCode,
  exitCodeOf,
  isOsirisError,
  isSecretEnvName,
  OsirisError,
  OsirisErrorCode,
  type RedactionStrategy,
  type Redactor,
  type Registry,
  resolveSetting,
} from '@osiris/registry';
import type { Connector } from './contracts';
import type { Engine, EngineResult, RunStatus, StepConfigs, StepResult } from './engine';
import { idleTimeoutSetting, logLevelSetting, redactionSetting } from './env-settings';
import { describeError } from './errors';
import { createEventStamper, type RunEventDraft, type RunEventListener } from './events';
import { createRunLogger } from './internal/log';
import { createProgressDisplay, type ProgressTarget } from './internal/progress';
import { type RunMetrics, type RunStatusFile, resolvedTables, stepMetrics } from './metrics';
import { configMap } from './plan';
import { writeRejects } from './rejects';
import { newRunId } from './run-id';
import { connectionRefsOf, resolveConnections } from './secrets';
import { DEFAULT_RUN_SETTINGS, parseRunSettings, type RunSettings } from './settings';
import { sqlstateOf } from './sqlstate';

/** @deprecated Use the `retry*` fields of {@link RunManifestOptions.settings}. */
export interface RetryOptions {
  /** Attempts per step, including the first. Default 3. */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles each time. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of one delay. Default 5000 ms. */
  readonly maxDelayMs?: number;
}

export interface RunManifestOptions {
  readonly manifest: RunManifest;
  /** Step configs by step id (the content of `cfg/<id>.json`). */
  readonly configs: StepConfigs;
  readonly engine: Engine;
  /** Spec cards: connection schemas, secret pointers, redaction defaults, connector checks. */
  readonly registry: Registry;
  /** Connectors that replace the engine's own of the same type (tests, embedders). */
  readonly connectors?: readonly Connector[];
  /** The folder that holds run folders (`--runs-dir`, or `<OSIRIS_HOME or .osiris>/runs`). */
  readonly runsDir: string;
  readonly secretsFile?: string;
  /**
   * The environment (pass `process.env`): `OSIRIS_CONN__*`, `OSIRIS_REDACTION_STRATEGY`, `OSIRIS_LOG_LEVEL`,
   * `OSIRIS_IDLE_TIMEOUT`.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Settings that beat everything else (command-line flags): the environment (`OSIRIS_LOG_LEVEL`,
   * `OSIRIS_REDACTION_STRATEGY`, `OSIRIS_IDLE_TIMEOUT` in seconds), the cards' redaction strategy and
   * the manifest's `chunk_size`. Whatever none of them sets has its default (`DEFAULT_RUN_SETTINGS`).
   * The engine gets the result as `EngineContext.settings`.
   */
  readonly settings?: Partial<RunSettings>;
  /** Every event of the run, stamped and redacted, after it is logged (a supervisor, a remote log streamer). */
  readonly onEvent?: RunEventListener;
  /** @deprecated Use `settings.redactionStrategy`. */
  readonly redactionStrategy?: RedactionStrategy;
  /** @deprecated Use `settings.logLevel`. */
  readonly logLevel?: 'info' | 'debug';
  /** Abort it on Ctrl-C: the run stops, writers roll back, the result is `interrupted` (exit 130). */
  readonly signal?: AbortSignal;
  /** Live progress (usually stderr); shown only when `isTTY`. */
  readonly progress?: ProgressTarget;
  /** The manifest text as compiled; recorded as is (redacted). Default: the manifest as YAML. */
  readonly manifestText?: string;
  readonly correlationId?: string;
  /** @deprecated Use `settings.retryAttempts`, `settings.retryBaseDelayMs` and `settings.retryMaxDelayMs`. */
  readonly retry?: RetryOptions;
  /** @deprecated Use `settings.progressIntervalMs`. */
  readonly progressIntervalMs?: number;
  /** @deprecated Use `settings.idleTimeoutMs`. */
  readonly idleTimeoutMs?: number;
  /** The clock (tests). */
  readonly now?: () => Date;
  /** The run id to use (a supervisor assigns it); default a new one. */
  readonly runId?: string;
  /**
   * Called once the run folder exists (with `manifest.yaml`, `cfg/` and a first `status.json`), before
   * the first event: a supervisor records its state there, with the run's one redactor.
   */
  readonly onStart?: (run: RunStarted) => void | Promise<void>;
}

/** What {@link RunManifestOptions.onStart} gets. */
export interface RunStarted {
  readonly runId: string;
  readonly runDir: string;
  readonly correlationId: string;
  /** Knows every resolved secret of the run: whatever a listener persists passes it. */
  readonly redactor: Redactor;
}

/** Why a run did not succeed, already redacted: safe to print. */
export interface RunFailure {
  readonly code: OsirisErrorCode;
  readonly message: string;
  readonly hint?: string;
  /** The SQLSTATE of the database error behind it, when there is one (`23514`). */
  readonly sqlstate?: string;
}

/** A warning a connector reported during the run (e.g. zero dates read as NULL), already redacted. */
export interface RunWarning {
  readonly step: string | null;
  readonly message: string;
}

/** A note a connector reported during the run (`info`: a created table; `warn`: a warning), already redacted. */
export interface RunNote extends RunWarning {
  readonly level: 'info' | 'warn';
}

export interface RunResult {
  readonly runId: string;
  readonly runDir: string;
  readonly status: RunStatus;
  /** 0 success, 2 validation (a mode or capability violation), 4 run error, 5 configuration, 130 interrupted. */
  readonly exitCode: number;
  readonly steps: readonly StepResult[];
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly durationMs: number;
  /** Every distinct `warn` note of a connector, in the order they came. */
  readonly warnings: readonly RunWarning[];
  /** Every distinct `info` and `warn` note of a connector, in the order they came (`warnings` are among them). */
  readonly notes: readonly RunNote[];
  readonly error?: RunFailure;
}

/** `manifest.execution.params.chunk_size` (a positive integer), default 10,000. */
export function chunkSizeOf(manifest: RunManifest): number {
  const raw = manifest.execution.params.chunk_size;
  if (raw === undefined || raw === null) return DEFAULT_RUN_SETTINGS.chunkSize;
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new OsirisError(OsirisErrorCode.Config, 'execution.params.chunk_size must be a positive whole number', {
      hint: 'Set params.chunk_size in the pipeline, e.g. 5000.',
    });
  }
  return value;
}

/** Values of secret-looking variables in the environment: masked too, even when the run does not use them. */
function environmentSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([key, value]) => value !== undefined && value !== '' && isSecretEnvName(key))
    .map(([, value]) => value as string);
}

async function createRunFolder(runsDir: string, first: string, nextId: () => string): Promise<[string, string]> {
  try {
    await mkdir(runsDir, { recursive: true });
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `cannot create the runs folder ${runsDir}`, {
      cause: error,
      hint: 'Pass --runs-dir or set OSIRIS_HOME to a writable folder.',
    });
  }
  let runId = first;
  for (let tries = 0; ; tries += 1) {
    const runDir = join(runsDir, runId);
    try {
      await mkdir(runDir);
      await mkdir(join(runDir, 'cfg'));
      return [runId, runDir];
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST' || tries >= 5) {
        throw new OsirisError(OsirisErrorCode.Config, `cannot create the run folder ${runDir}`, {
          cause: error,
          hint: 'Pass --runs-dir or set OSIRIS_HOME to a writable folder.',
        });
      }
      runId = nextId();
    }
  }
}

/** The settings given as options: `settings` beats the deprecated options of the same meaning. */
function givenSettings(options: RunManifestOptions): Partial<RunSettings> {
  const { retry } = options;
  const legacy: Partial<Record<keyof RunSettings, unknown>> = {
    logLevel: options.logLevel,
    redactionStrategy: options.redactionStrategy,
    retryAttempts: retry?.attempts,
    retryBaseDelayMs: retry?.baseDelayMs,
    retryMaxDelayMs: retry?.maxDelayMs,
    progressIntervalMs: options.progressIntervalMs,
    idleTimeoutMs: options.idleTimeoutMs,
  };
  const given = { ...legacy, ...options.settings };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}

function sqlstateField(error: unknown): { sqlstate?: string } {
  const sqlstate = sqlstateOf(error);
  return sqlstate === undefined ? {} : { sqlstate };
}

function writeJson(file: string, value: unknown, redactor: Redactor): Promise<void> {
  return writeFile(file, `${canonicalJson(redactor.value(value), 2)}\n`);
}

/**
 * Runs a manifest and records it: resolves the connections the configs
 * reference and the run's settings (`RunSettings`: `options.settings`, then
 * the environment, the cards and the manifest, then the defaults), creates
 * `<runsDir>/<run_id>/` with `manifest.yaml`, `cfg/*.json`, `run.log.jsonl`,
 * `metrics.json` and `status.json`, runs the engine, and returns the outcome
 * with its exit code. The engine's events are stamped here (ids, times) and go
 * to the log, the progress display, the notes of the result and `onEvent`.
 * Everything written or returned passes one redactor that knows every
 * resolved secret.
 *
 * Missing or malformed connections (and bad settings such as
 * `OSIRIS_REDACTION_STRATEGY`) throw an `OsirisError(Config)` (exit 5) before
 * anything is created: a run that never started leaves no folder. Once the
 * folder exists, nothing throws for a failed run: it is returned with its
 * exit code (4 run error, 5 a connector's configuration error, 2 a mode or
 * capability violation, 130 interrupted).
 *
 * @example
 * const result = await runManifest({ manifest, configs, engine: localEngine, registry, runsDir: '.osiris/runs',
 *   env: process.env, settings: { idleTimeoutMs: 60_000 }, signal: controller.signal,
 *   progress: { stream: process.stderr, isTTY: process.stderr.isTTY } });
 * process.exitCode = result.exitCode;
 */
export async function runManifest(options: RunManifestOptions): Promise<RunResult> {
  const { manifest, engine, registry, env } = options;
  const now = options.now ?? (() => new Date());
  const configs = configMap(options.configs);

  // Everything that can be wrong with the settings is found before anything is written.
  const flags = givenSettings(options);
  const logLevel = resolveSetting(logLevelSetting, { flag: flags.logLevel, env }, 'info');
  const cards = manifest.steps.map((step) => registry.get(step.component));
  const strategy = resolveSetting(
    redactionSetting,
    { flag: flags.redactionStrategy, env },
    cards.find((card) => card?.redaction?.strategy !== undefined)?.redaction?.strategy ?? 'fixed',
  );
  const mask = cards.find((card) => card?.redaction?.mask !== undefined)?.redaction?.mask;
  const settings = parseRunSettings({
    ...flags,
    chunkSize: flags.chunkSize ?? chunkSizeOf(manifest),
    idleTimeoutMs: flags.idleTimeoutMs ?? resolveSetting(idleTimeoutSetting, { env }, undefined),
    logLevel,
    redactionStrategy: strategy,
  });
  const refs = connectionRefsOf(configs.values());
  const resolution = await resolveConnections(refs.keys(), {
    registry,
    componentsByRef: refs,
    env,
    ...(options.secretsFile === undefined ? {} : { secretsFile: options.secretsFile }),
  });
  const redactor = createRedactor({
    knownSecrets: [...resolution.secrets, ...environmentSecrets(env)],
    strategy: settings.redactionStrategy,
    ...(mask === undefined ? {} : { mask }),
  });

  const startedAt = now();
  const started = performance.now();
  const [runId, runDir] = await createRunFolder(options.runsDir, options.runId ?? newRunId(startedAt), () =>
    newRunId(startedAt),
  );
  const correlationId = options.correlationId ?? randomUUID();

  // The same bytes `osiris compile` writes, so a run folder can be diffed against a compiled one.
  await writeFile(join(runDir, 'manifest.yaml'), redactor.text(options.manifestText ?? renderManifest(manifest)));
  await mkdir(join(runDir, 'cfg'), { recursive: true });
  for (const step of manifest.steps) {
    const config: StepConfig | undefined = configs.get(step.id);
    if (config !== undefined)
      await writeFile(join(runDir, 'cfg', `${step.id}.json`), redactor.text(renderStepConfig(config)));
  }
  const running: RunStatusFile = { run_id: runId, status: 'running', exit_code: null };
  await writeJson(join(runDir, 'status.json'), running, redactor);
  await options.onStart?.({ runId, runDir, correlationId, redactor });

  const logger = createRunLogger({
    file: join(runDir, 'run.log.jsonl'),
    engine: engine.name,
    level: settings.logLevel,
    redactor,
  });
  const labels = new Map<string, string>();
  const consumed = new Set(manifest.steps.flatMap((step) => step.needs ?? []));
  for (const step of manifest.steps) {
    if (step.needs !== undefined && step.needs.length > 0)
      labels.set(step.id, `${step.needs.join(' + ')} → ${step.id}`);
    else if (!consumed.has(step.id)) labels.set(step.id, step.id);
  }
  const display = createProgressDisplay(options.progress, labels, redactor);
  // Notes are the user's to see (the CLI prints them after the run); a retried step may repeat one.
  const notes = new Map<string, RunNote>();
  const stamp = createEventStamper({ runId, correlationId, now });
  const { onEvent } = options;
  // The one place a run's events become records: stamped, logged, shown, collected, passed on.
  const events = (draft: RunEventDraft) => {
    const event = stamp(draft);
    logger.event(event);
    display.onEvent(event);
    const { message } = event.payload;
    if (event.type === 'note' && (event.level === 'warn' || event.level === 'info') && message !== undefined) {
      const note = { step: event.step, level: event.level, message: redactor.text(message) };
      notes.set(JSON.stringify(note), note);
    }
    onEvent?.(redactor.value(event));
  };
  const signal = options.signal ?? new AbortController().signal;

  events({ type: 'start', level: 'info', step: null, payload: {} });
  let outcome: EngineResult;
  try {
    outcome = await engine.run(manifest, configs, {
      runId,
      correlationId,
      connections: resolution.connections,
      events,
      signal,
      settings,
      registry,
      ...(options.connectors === undefined ? {} : { connectors: options.connectors }),
    });
  } catch (error) {
    const wrapped = isOsirisError(error)
      ? error
      : new OsirisError(OsirisErrorCode.Run, `the ${engine.name} engine failed: ${describeError(error)}`, {
          cause: error,
        });
    outcome = {
      status: signal.aborted ? 'interrupted' : 'failed',
      steps: manifest.steps.map((step) => ({
        id: step.id,
        component: step.component,
        componentVersion: step.component_version,
        mode: step.mode,
        status: 'skipped',
        attempts: 0,
        rowsRead: 0,
        rowsWritten: 0,
        durationMs: 0,
      })),
      error: wrapped,
    };
  }

  const status = outcome.status;
  const exitCode =
    status === 'succeeded'
      ? ExitCode.Success
      : status === 'interrupted'
        ? ExitCode.Interrupted
        : exitCodeOf(outcome.error, ExitCode.Run);
  const error: RunFailure | undefined =
    status === 'succeeded'
      ? undefined
      : {
          code: status === 'interrupted' ? OsirisErrorCode.Interrupted : (outcome.error?.code ?? OsirisErrorCode.Run),
          message: redactor.text(
            outcome.error?.message ?? (status === 'interrupted' ? 'the run was interrupted' : 'the run failed'),
          ),
          ...(outcome.error?.hint === undefined ? {} : { hint: redactor.text(outcome.error.hint) }),
          ...sqlstateField(outcome.error),
        };
  // Rows a sink set aside go to rejects/<step>.jsonl, redacted; the result keeps their count and file.
  const masking = { strategy: settings.redactionStrategy, ...(mask === undefined ? {} : { mask }) };
  const steps = (await writeRejects(runDir, outcome.steps, redactor, masking)).map((step) => redactor.value(step));
  // A step's own mode: the per-table steps of a many-table step are not in the manifest (ADR 0021).
  const rowsRead = steps.filter((step) => step.mode === 'read').reduce((sum, step) => sum + step.rowsRead, 0);
  const rowsWritten = steps.reduce((sum, step) => sum + step.rowsWritten, 0);
  const durationMs = Math.round(performance.now() - started);
  const endedAt = now();

  if (error !== undefined) {
    const level = status === 'interrupted' ? 'warn' : 'error';
    events({ type: 'error', level, step: null, payload: { error: error.message } });
  }
  events({ type: 'end', level: 'info', step: null, payload: { rowsRead, rowsWritten, durationMs } });
  display.finish();
  await logger.close();

  const metrics: RunMetrics = {
    run_id: runId,
    correlation_id: correlationId,
    pipeline: manifest.pipeline,
    engine: engine.name,
    status,
    exit_code: exitCode,
    started_at: startedAt.toISOString(),
    ended_at: endedAt.toISOString(),
    duration_ms: durationMs,
    rows_read: rowsRead,
    rows_written: rowsWritten,
    steps: steps.map(stepMetrics),
    components: Object.fromEntries(manifest.steps.map((step) => [step.component, step.component_version])),
    fingerprints: manifest.fingerprints,
    ...resolvedTables(steps),
    ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
  };
  await writeJson(join(runDir, 'metrics.json'), metrics, redactor);
  const final: RunStatusFile = {
    run_id: runId,
    status,
    exit_code: exitCode,
    ...(error === undefined ? {} : { error: error.message }),
  };
  await writeJson(join(runDir, 'status.json'), final, redactor);

  return {
    runId,
    runDir,
    status,
    exitCode,
    steps,
    rowsRead,
    rowsWritten,
    durationMs,
    warnings: [...notes.values()]
      .filter((note) => note.level === 'warn')
      .map(({ step, message }) => ({ step, message })),
    notes: [...notes.values()],
    ...(error === undefined ? {} : { error }),
  };
}
