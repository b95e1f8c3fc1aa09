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
import type { Engine, EngineResult, RetryOptions, RunStatus, StepConfigs, StepEvent, StepResult } from './engine';
import { idleTimeoutSetting, logLevelSetting, redactionSetting } from './env-settings';
import { describeError } from './errors';
import { configMap } from './execute';
import { createRunLogger } from './internal/log';
import { createProgressDisplay, type ProgressTarget } from './internal/progress';
import { type RunMetrics, type RunStatusFile, stepMetrics } from './metrics';
import { newRunId } from './run-id';
import { connectionRefsOf, resolveConnections } from './secrets';

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
  /** The environment (pass `process.env`): `OSIRIS_CONN__*`, `OSIRIS_REDACTION_STRATEGY`, `OSIRIS_LOG_LEVEL`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Beats `OSIRIS_REDACTION_STRATEGY`, which beats the cards, which beat `fixed`. */
  readonly redactionStrategy?: RedactionStrategy;
  /** Beats `OSIRIS_LOG_LEVEL`; default `info`. */
  readonly logLevel?: 'info' | 'debug';
  /** Abort it on Ctrl-C: the run stops, writers roll back, the result is `interrupted` (exit 130). */
  readonly signal?: AbortSignal;
  /** Live progress (usually stderr); shown only when `isTTY`. */
  readonly progress?: ProgressTarget;
  /** The manifest text as compiled; recorded as is (redacted). Default: the manifest as YAML. */
  readonly manifestText?: string;
  readonly correlationId?: string;
  readonly retry?: RetryOptions;
  readonly progressIntervalMs?: number;
  /**
   * How long a sink waits for its source's next batch before the step fails (0 waits forever).
   * Beats `OSIRIS_IDLE_TIMEOUT` (seconds), which beats ten minutes.
   */
  readonly idleTimeoutMs?: number;
  /** The clock (tests). */
  readonly now?: () => Date;
}

/** Why a run did not succeed, already redacted: safe to print. */
export interface RunFailure {
  readonly code: OsirisErrorCode;
  readonly message: string;
  readonly hint?: string;
}

/** A warning a connector reported during the run (e.g. zero dates read as NULL), already redacted. */
export interface RunWarning {
  readonly step: string | null;
  readonly message: string;
}

export interface RunResult {
  readonly runId: string;
  readonly runDir: string;
  readonly status: RunStatus;
  /** 0 success, 2 validation (a mode or capability violation), 4 run error, 130 interrupted. */
  readonly exitCode: number;
  readonly steps: readonly StepResult[];
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly durationMs: number;
  /** Every distinct `warn` note of a connector, in the order they came. */
  readonly warnings: readonly RunWarning[];
  readonly error?: RunFailure;
}

const DEFAULT_CHUNK_SIZE = 10_000;

/** `manifest.execution.params.chunk_size` (a positive integer), default 10,000. */
export function chunkSizeOf(manifest: RunManifest): number {
  const raw = manifest.execution.params.chunk_size;
  if (raw === undefined || raw === null) return DEFAULT_CHUNK_SIZE;
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

function writeJson(file: string, value: unknown, redactor: Redactor): Promise<void> {
  return writeFile(file, `${canonicalJson(redactor.value(value), 2)}\n`);
}

/**
 * Runs a manifest and records it: resolves the connections the configs
 * reference, creates `<runsDir>/<run_id>/` with `manifest.yaml`, `cfg/*.json`,
 * `run.log.jsonl`, `metrics.json` and `status.json`, runs the engine, and
 * returns the outcome with its exit code. Everything written or returned
 * passes one redactor that knows every resolved secret.
 *
 * Missing or malformed connections (and bad settings such as
 * `OSIRIS_REDACTION_STRATEGY`) throw an `OsirisError(Config)` (exit 5) before
 * anything is created: a run that never started leaves no folder. Once the
 * folder exists, nothing throws for a failed run: it is returned with its
 * exit code (4 run error, 2 a mode or capability violation, 130 interrupted).
 *
 * @example
 * const result = await runManifest({ manifest, configs, engine: localEngine, registry, runsDir: '.osiris/runs',
 *   env: process.env, signal: controller.signal, progress: { stream: process.stderr, isTTY: process.stderr.isTTY } });
 * process.exitCode = result.exitCode;
 */
export async function runManifest(options: RunManifestOptions): Promise<RunResult> {
  const { manifest, engine, registry, env } = options;
  const now = options.now ?? (() => new Date());
  const configs = configMap(options.configs);

  // Everything that can be wrong with the settings is found before anything is written.
  const logLevel = resolveSetting(logLevelSetting, { flag: options.logLevel, env }, 'info');
  const cards = manifest.steps.map((step) => registry.get(step.component));
  const strategy = resolveSetting(
    redactionSetting,
    { flag: options.redactionStrategy, env },
    cards.find((card) => card?.redaction?.strategy !== undefined)?.redaction?.strategy ?? 'fixed',
  );
  const mask = cards.find((card) => card?.redaction?.mask !== undefined)?.redaction?.mask;
  const chunkSize = chunkSizeOf(manifest);
  const idleTimeoutMs = options.idleTimeoutMs ?? resolveSetting(idleTimeoutSetting, { env }, undefined);
  const refs = connectionRefsOf(configs.values());
  const resolution = await resolveConnections(refs.keys(), {
    registry,
    componentsByRef: refs,
    env,
    ...(options.secretsFile === undefined ? {} : { secretsFile: options.secretsFile }),
  });
  const redactor = createRedactor({
    knownSecrets: [...resolution.secrets, ...environmentSecrets(env)],
    strategy,
    ...(mask === undefined ? {} : { mask }),
  });

  const startedAt = now();
  const started = performance.now();
  const [runId, runDir] = await createRunFolder(options.runsDir, newRunId(startedAt), () => newRunId(startedAt));
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

  const logger = createRunLogger({
    file: join(runDir, 'run.log.jsonl'),
    runId,
    correlationId,
    engine: engine.name,
    level: logLevel,
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
  // Warnings are the user's to see (the CLI prints them after the run); a retried step may repeat one.
  const warnings = new Map<string, RunWarning>();
  const events = (event: StepEvent) => {
    logger.event(event);
    display.onEvent(event);
    if (event.level === 'warn' && event.message !== undefined) {
      const warning = { step: event.step, message: redactor.text(event.message) };
      warnings.set(JSON.stringify(warning), warning);
    }
  };
  const signal = options.signal ?? new AbortController().signal;

  events({ event: 'start', level: 'info', step: null });
  let outcome: EngineResult;
  try {
    outcome = await engine.run(manifest, configs, {
      runId,
      correlationId,
      connections: resolution.connections,
      events,
      signal,
      chunkSize,
      registry,
      ...(options.connectors === undefined ? {} : { connectors: options.connectors }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
      ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
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
        };
  const steps = outcome.steps.map((step) => redactor.value(step));
  const byId = new Map(manifest.steps.map((step) => [step.id, step]));
  const rowsRead = steps
    .filter((step) => byId.get(step.id)?.mode === 'read')
    .reduce((sum, step) => sum + step.rowsRead, 0);
  const rowsWritten = steps.reduce((sum, step) => sum + step.rowsWritten, 0);
  const durationMs = Math.round(performance.now() - started);
  const endedAt = now();

  if (error !== undefined)
    events({ event: 'error', level: status === 'interrupted' ? 'warn' : 'error', step: null, error: error.message });
  events({ event: 'end', level: 'info', step: null, rowsRead, rowsWritten, durationMs });
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
    warnings: [...warnings.values()],
    ...(error === undefined ? {} : { error }),
  };
}
