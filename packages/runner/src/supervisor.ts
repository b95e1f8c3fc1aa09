// SPDX-License-Identifier: MIT
import { randomUUID } from 'node:crypto';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunManifest, StepConfig } from '@osiris/compiler';
import {
  canonicalJson,
  createRedactor,
  fingerprintOf,
  type OsirisError,
  OsirisErrorCode,
  type Redactor,
} from '@osiris/registry';
import { type Bus, createBus } from './bus';
import { dlqDirOf, writeDeadLetter } from './dlq';
import type { StepResult } from './engine';
import { createEnvelope, type Envelope, type EnvelopePayload, type EnvelopeType } from './envelope';
import type { RunStatusFile } from './metrics';
import { configMap } from './plan';
import { type RunManifestOptions, type RunResult, runManifest } from './run';
import { newRunId } from './run-id';

/** Where a supervised run stands (ADR 0019). */
export type RunState = 'NEW' | 'GENERATED' | 'VALIDATED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'INTERRUPTED';

/** What `osiris runs list/view` shows for a run whose owner died or went silent; never written. */
export type ShownRunState = RunState | 'ABANDONED';

export const TERMINAL_STATES: readonly RunState[] = ['SUCCEEDED', 'FAILED', 'INTERRUPTED'];

// The edges of the state machine; anything else is a bug in the supervisor.
const NEXT: Readonly<Record<RunState, readonly RunState[]>> = {
  NEW: ['GENERATED', 'VALIDATED', 'FAILED'],
  GENERATED: ['VALIDATED', 'FAILED'],
  VALIDATED: ['RUNNING', 'FAILED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'INTERRUPTED'],
  SUCCEEDED: [],
  FAILED: [],
  INTERRUPTED: [],
};

/** One transition, as `status.json` keeps it. */
export interface StateTransition {
  readonly state: RunState;
  readonly at: string;
  /** The envelope on `run.events` that announced it. */
  readonly envelope_id: string;
}

/** The process that runs a run: who to ask whether it is still alive. */
export interface RunOwner {
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
}

/** `status.json` of a supervised run: the plain status file plus the state machine and the owner. */
export interface SupervisedStatusFile extends RunStatusFile {
  readonly correlation_id: string;
  readonly state: RunState;
  readonly transitions: readonly StateTransition[];
  readonly owner: RunOwner;
  /** Rewritten every `heartbeat_ms` while the run goes. */
  readonly heartbeat_at: string;
  readonly heartbeat_ms: number;
  /** The dead-letter item this run replays. */
  readonly replay_of?: string;
}

export interface SuperviseOptions extends RunManifestOptions {
  /**
   * How the manifest came to be: `chat` and `pipeline` (compiled here from OML) pass through
   * `GENERATED`; a compiled `manifest` skips it. Default `manifest`.
   */
  readonly origin?: 'chat' | 'pipeline' | 'manifest';
  /** The bus the run's envelopes go through (default: a bus of its own). */
  readonly bus?: Bus;
  /** The dead-letter folder (default beside the runs folder, `dlqDirOf(runsDir)`). */
  readonly dlqDir?: string;
  /** Whether a failed step or rejected rows go to the dead-letter queue. Default true; replays pass false. */
  readonly deadLetters?: boolean;
  /** How often the owner proves it is alive in `status.json`. Default 5000 ms. */
  readonly heartbeatMs?: number;
  /** Labels for the envelopes' `context` (a session id); never secrets. */
  readonly context?: Readonly<Record<string, string>>;
  /** The dead-letter item this run replays (recorded in `status.json`). */
  readonly replayOf?: string;
}

/** A run's result with what the supervisor added. */
export interface SupervisedRunResult extends RunResult {
  readonly correlationId: string;
  readonly state: RunState;
  readonly transitions: readonly StateTransition[];
  /** Paths of the dead-letter items this run wrote. */
  readonly deadLetters: readonly string[];
}

/** A step result with the fields of isolated row rejects (`max_rejects`), when the sink reports them. */
type RejectingStep = StepResult & { readonly rowsRejected?: number; readonly rejectsFile?: string };

export const DEFAULT_HEARTBEAT_MS = 5000;

function writeStatus(runDir: string, status: SupervisedStatusFile, redactor: Redactor): void {
  // Renamed into place, so a reader (`osiris runs list`) never sees half a file.
  const file = join(runDir, 'status.json');
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${canonicalJson(redactor.value(status), 2)}\n`);
  renameSync(temporary, file);
}

/** The steps to run again for a failed step: its pipe (the source and the sinks it feeds, or a sink and its sources). */
export function replayUnit(manifest: RunManifest, step: string | null): string[] {
  const found = manifest.steps.find((candidate) => candidate.id === step);
  if (found === undefined) return manifest.steps.map((candidate) => candidate.id);
  const unit = new Set<string>([found.id, ...(found.needs ?? [])]);
  for (const candidate of manifest.steps) if (candidate.needs?.includes(found.id)) unit.add(candidate.id);
  return manifest.steps.filter((candidate) => unit.has(candidate.id)).map((candidate) => candidate.id);
}

/** The part of a manifest (and its configs) that holds the given steps. */
export function subManifest(
  manifest: RunManifest,
  configs: RunManifestOptions['configs'],
  steps: readonly string[],
): { manifest: RunManifest; configs: Record<string, StepConfig> } {
  const keep = new Set(steps);
  const all = configMap(configs);
  return {
    manifest: { ...manifest, steps: manifest.steps.filter((step) => keep.has(step.id)) },
    configs: Object.fromEntries([...all].filter(([id]) => keep.has(id))),
  };
}

/**
 * Runs a manifest under a supervisor: assigns the run id and correlation id, moves the run through
 * `NEW → [GENERATED →] VALIDATED → RUNNING → SUCCEEDED | FAILED | INTERRUPTED`, announces each
 * transition as an envelope on `run.events`, appends it to `run.log.jsonl` (`agent: supervisor`,
 * `event: state`), keeps `status.json` with every transition, its owner (pid, host) and a heartbeat,
 * publishes the runner's events on `run.events`, and sends a failed step (and a step with rejected
 * rows) to the dead-letter queue. The caller has validated the manifest.
 *
 * @example
 * const result = await superviseRun({ manifest, configs, engine, registry, runsDir, env: process.env, origin: 'pipeline' });
 */
export async function superviseRun(options: SuperviseOptions): Promise<SupervisedRunResult> {
  const now = options.now ?? (() => new Date());
  const correlationId = options.correlationId ?? randomUUID();
  let runId = options.runId ?? newRunId(now());
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const dlqDir = options.dlqDir ?? dlqDirOf(options.runsDir);
  const context = options.context ?? {};
  const owner: RunOwner = { pid: process.pid, host: hostname(), started_at: now().toISOString() };
  let redactor: Redactor = createRedactor();
  let runDir: string | undefined;
  const deadLetters: string[] = [];
  const bus =
    options.bus ??
    createBus({
      deadLetter: async (letter) => {
        deadLetters.push(
          await writeDeadLetter(dlqDir, letter.topic, letter.envelope, redactor, {
            reason: 'handler',
            attempts: letter.attempts,
            error: letter.error,
          }),
        );
      },
    });

  const transitions: StateTransition[] = [];
  let state: RunState | undefined;
  let exitCode: number | null = null;
  let failure: string | undefined;
  const status = (): SupervisedStatusFile => ({
    run_id: runId,
    correlation_id: correlationId,
    status:
      state === 'SUCCEEDED'
        ? 'succeeded'
        : state === 'FAILED'
          ? 'failed'
          : state === 'INTERRUPTED'
            ? 'interrupted'
            : 'running',
    state: state ?? 'NEW',
    exit_code: exitCode,
    ...(failure === undefined ? {} : { error: failure }),
    transitions,
    owner,
    heartbeat_at: now().toISOString(),
    heartbeat_ms: heartbeatMs,
    ...(options.replayOf === undefined ? {} : { replay_of: options.replayOf }),
  });
  const logLine = (transition: StateTransition, error?: string) => {
    if (runDir === undefined) return;
    const line = {
      level: transition.state === 'FAILED' ? 'error' : transition.state === 'INTERRUPTED' ? 'warn' : 'info',
      ts: transition.at,
      run_id: runId,
      correlation_id: correlationId,
      event_id: transition.envelope_id,
      agent: 'supervisor',
      engine: options.engine.name,
      step: null,
      event: 'state',
      rows_read: null,
      rows_written: null,
      duration_ms: null,
      phase: null,
      message: transition.state,
      error: error ?? null,
    };
    appendFileSync(join(runDir, 'run.log.jsonl'), `${JSON.stringify(redactor.value(line))}\n`);
  };
  const publish = (
    topic: 'run.events',
    type: EnvelopeType,
    source: 'runner' | 'supervisor',
    payload: EnvelopePayload,
  ) => bus.publish(topic, redactor.value(createEnvelope({ source, type, correlationId, payload, context, now })));

  const enter = (next: RunState, extra: { error?: string; exitCode?: number } = {}) => {
    if (state !== undefined && !NEXT[state].includes(next)) {
      throw new Error(`supervisor: no transition from ${state} to ${next}`);
    }
    const from = state ?? null;
    state = next;
    const type: EnvelopeType = TERMINAL_STATES.includes(next) ? 'RUN_RESULT' : 'RUN_MANIFEST';
    const envelope = createEnvelope({
      source: 'supervisor',
      type,
      correlationId,
      context,
      now,
      payload: {
        kind: 'state',
        run_id: runId,
        pipeline: options.manifest.pipeline,
        state: next,
        from,
        ...(extra.exitCode === undefined ? {} : { exit_code: extra.exitCode }),
        ...(extra.error === undefined ? {} : { error: extra.error }),
      },
    });
    const transition: StateTransition = { state: next, at: envelope.timestamp, envelope_id: envelope.id };
    transitions.push(transition);
    void bus.publish('run.events', redactor.value(envelope));
    logLine(transition, extra.error);
  };

  enter('NEW');
  if (options.origin === 'chat' || options.origin === 'pipeline') enter('GENERATED');
  enter('VALIDATED');

  let heartbeat: NodeJS.Timeout | undefined;
  const stopHeartbeat = () => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  };
  let result: RunResult;
  try {
    result = await runManifest({
      ...options,
      runId,
      correlationId,
      onStart: async (started) => {
        runDir = started.runDir;
        runId = started.runId;
        redactor = started.redactor;
        // What happened before the folder existed goes first in the log, with the times it happened.
        for (const transition of transitions) logLine(transition);
        enter('RUNNING');
        writeStatus(started.runDir, status(), redactor);
        heartbeat = setInterval(() => {
          try {
            if (runDir !== undefined && state === 'RUNNING') writeStatus(runDir, status(), redactor);
          } catch {
            // A missed beat is not a failed run; the next one tries again (a reader may call it ABANDONED).
          }
        }, heartbeatMs);
        heartbeat.unref();
        await options.onStart?.(started);
      },
      onEvent: (event) => {
        void publish('run.events', event.type === 'error' ? 'ERROR' : 'RUN_RESULT', 'runner', {
          kind: 'event',
          ...event,
        });
        options.onEvent?.(event);
      },
    });
  } catch (error) {
    stopHeartbeat();
    // A run that never got its folder (missing secrets, exit 5) leaves nothing behind, as before; only the bus
    // hears that it failed.
    failure = redactor.text(error instanceof Error ? error.message : String(error));
    if (state !== undefined && !TERMINAL_STATES.includes(state)) enter('FAILED', { error: failure });
    if (runDir !== undefined) writeStatus(runDir, status(), redactor);
    await bus.drain();
    throw error;
  }
  stopHeartbeat();

  exitCode = result.exitCode;
  if (result.error !== undefined) failure = result.error.message;
  const final: RunState =
    result.status === 'succeeded' ? 'SUCCEEDED' : result.status === 'interrupted' ? 'INTERRUPTED' : 'FAILED';
  enter(final, { exitCode: result.exitCode, ...(failure === undefined ? {} : { error: failure }) });
  writeStatus(result.runDir, status(), redactor);

  if (options.deadLetters !== false) {
    const fingerprint = fingerprintOf(options.manifest);
    const letter = async (type: EnvelopeType, source: 'runner' | 'supervisor', payload: EnvelopePayload) => {
      const envelope: Envelope = createEnvelope({ source, type, correlationId, payload, context, now });
      deadLetters.push(await writeDeadLetter(dlqDir, 'run.events', envelope, redactor));
      await bus.publish('run.events', redactor.value(envelope));
    };
    if (final === 'FAILED') {
      // The step that failed, not the ones of its pipe the runner stopped because of it.
      const failedSteps = result.steps.filter((step) => step.status === 'failed');
      const failed = failedSteps.find((step) => !step.error?.startsWith('stopped because')) ?? failedSteps[0] ?? null;
      const unit = replayUnit(options.manifest, failed?.id ?? null);
      const replay = subManifest(options.manifest, options.configs, unit);
      await letter('ERROR', 'runner', {
        kind: 'step',
        run_id: runId,
        pipeline: options.manifest.pipeline,
        manifest_fingerprint: fingerprint,
        fingerprints: options.manifest.fingerprints,
        step: failed?.id ?? null,
        component: failed?.component ?? null,
        error: {
          code: result.error?.code ?? OsirisErrorCode.Run,
          message: result.error?.message ?? 'the run failed',
          ...(result.error?.sqlstate === undefined ? {} : { sqlstate: result.error.sqlstate }),
          ...(result.error?.hint === undefined ? {} : { hint: result.error.hint }),
        },
        replay: { steps: unit, manifest: replay.manifest, configs: replay.configs },
      });
    }
    // Rows a sink set aside (`max_rejects`): one item per step, pointing at its rejects file.
    for (const step of result.steps as readonly RejectingStep[]) {
      if (step.rowsRejected === undefined || step.rowsRejected <= 0) continue;
      const rejectsFile = step.rejectsFile ?? `rejects/${step.id}.jsonl`;
      const replay = subManifest(options.manifest, options.configs, [step.id]);
      await letter('ERROR', 'supervisor', {
        kind: 'rejects',
        run_id: runId,
        run_dir: result.runDir,
        pipeline: options.manifest.pipeline,
        manifest_fingerprint: fingerprint,
        fingerprints: options.manifest.fingerprints,
        step: step.id,
        component: step.component,
        rows_rejected: step.rowsRejected,
        rejects_file: rejectsFile,
        error: { code: OsirisErrorCode.Run, message: `${step.rowsRejected} rows rejected by ${step.id}` },
        replay: { steps: [step.id], manifest: replay.manifest, configs: replay.configs },
      });
    }
  }
  await bus.drain();
  return { ...result, correlationId, state: final, transitions, deadLetters };
}

/**
 * Sends a pipeline (or manifest) that failed validation to the dead-letter queue
 * (`validation.reports`), with what a replay needs: the file, the params and the mode. The
 * diagnostics and the error pass the redactor. Returns the item's path.
 */
export async function deadLetterValidation(options: {
  readonly dlqDir: string;
  readonly file: string;
  readonly error: OsirisError;
  readonly redactor: Redactor;
  readonly params?: readonly string[];
  readonly mode?: string;
  readonly bus?: Bus;
  readonly correlationId?: string;
  readonly context?: Readonly<Record<string, string>>;
}): Promise<string> {
  const envelope = createEnvelope({
    source: 'validator',
    type: 'VALIDATION_REPORT',
    correlationId: options.correlationId ?? randomUUID(),
    context: options.context ?? {},
    payload: {
      kind: 'validation',
      valid: false,
      file: options.file,
      error: { code: options.error.code, message: options.error.message },
      diagnostics: options.error.diagnostics.map((d) => ({ ...d })),
      replay: {
        file: options.file,
        params: [...(options.params ?? [])],
        ...(options.mode === undefined ? {} : { mode: options.mode }),
      },
    },
  });
  const path = await writeDeadLetter(options.dlqDir, 'validation.reports', envelope, options.redactor);
  await options.bus?.publish('validation.reports', options.redactor.value(envelope));
  return path;
}
