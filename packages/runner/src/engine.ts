// SPDX-License-Identifier: MIT
import type { RunManifest, StepConfig } from '@osiris/compiler';
import type { OsirisError, Registry, StepMode } from '@osiris/registry';
import type { Connector, LogLevel } from './contracts';

/** Step configs keyed by step id (the content of `cfg/<id>.json`), as a Map or a plain object. */
export type StepConfigs = ReadonlyMap<string, StepConfig> | Readonly<Record<string, StepConfig>>;

/** Resolved connection fields keyed by reference (`@mysql` → `{ url: … }`). Secret: memory only. */
export type ResolvedConnections = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** The kinds of events a run emits; the same names appear in `run.log.jsonl`. */
export type RunEventName = 'start' | 'progress' | 'metrics' | 'end' | 'error';

/**
 * One thing that happened during a run. `step` is `null` for run-level events.
 * `error` carries the text of an error (or of a retry); `message` that of a
 * note or warning a connector reported; `phase` the phase a step entered.
 */
export interface StepEvent {
  readonly event: RunEventName;
  readonly level: LogLevel;
  readonly step: string | null;
  readonly rowsRead?: number;
  readonly rowsWritten?: number;
  readonly durationMs?: number;
  readonly error?: string;
  readonly message?: string;
  /** Set on the `progress` event of a step entering a phase without rows (e.g. `merging`). */
  readonly phase?: string;
  /** The source's estimate of its rows (`TabularStream.estimatedRows`), on a pipe's `start` and `progress` events. */
  readonly estimatedRows?: number;
  /** 1-based attempt of the step this event belongs to. */
  readonly attempt?: number;
}

/** Where events go: the run logger, a progress display, a test's array. */
export type EventSink = (event: StepEvent) => void;

export type StepStatus = 'succeeded' | 'failed' | 'interrupted' | 'skipped';
export type RunStatus = 'succeeded' | 'failed' | 'interrupted';

/** What one step did. */
export interface StepResult {
  readonly id: string;
  readonly component: string;
  readonly componentVersion: string;
  readonly mode: StepMode;
  readonly status: StepStatus;
  /** Attempts made (0 when the step never started). */
  readonly attempts: number;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  /** Merges: rows the database inserted and updated (unchanged rows are neither), when it reports them. */
  readonly inserted?: number;
  readonly updated?: number;
  readonly durationMs: number;
  /** Unredacted text; the runner redacts it before it writes or returns it. */
  readonly error?: string;
}

export interface RetryOptions {
  /** Attempts per step, including the first. Default 3. */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles each time. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of one delay. Default 5000 ms. */
  readonly maxDelayMs?: number;
}

/** Everything an engine gets besides the manifest and the configs. */
export interface EngineContext {
  readonly runId: string;
  readonly correlationId: string;
  /** Resolved connections for every `@ref` the configs use. Secret: keep in memory only. */
  readonly connections: ResolvedConnections;
  readonly events: EventSink;
  /** Aborted on Ctrl-C; the engine stops and lets writers roll back. */
  readonly signal: AbortSignal;
  /** Rows per batch (`manifest.execution.params.chunk_size`, default 10,000). */
  readonly chunkSize: number;
  /** When given, each connector is checked against its spec card before it runs. */
  readonly registry?: Registry;
  /** Connectors that replace the engine's own ones of the same `type` (tests, embedders). */
  readonly connectors?: readonly Connector[];
  readonly retry?: RetryOptions;
  /** Least time between two `progress` events of a step. Default 1000 ms. */
  readonly progressIntervalMs?: number;
  /** How long a sink waits for its source's next batch before the step fails; 0 waits forever. Default 10 minutes. */
  readonly idleTimeoutMs?: number;
}

/** What an engine returns. A failed or interrupted run is a result, not a thrown error. */
export interface EngineResult {
  readonly status: RunStatus;
  readonly steps: readonly StepResult[];
  /** Why the run failed or stopped; its message is not yet redacted. */
  readonly error?: OsirisError;
}

/**
 * Runs a manifest somewhere: in this process (`local`) or elsewhere (`e2b`).
 *
 * @example
 * const result = await engine.run(manifest, configs, { runId, correlationId, connections, events, signal, chunkSize });
 */
export interface Engine {
  readonly name: string;
  run(manifest: RunManifest, configs: StepConfigs, context: EngineContext): Promise<EngineResult>;
}
