// SPDX-License-Identifier: MIT
import type { RunManifest, StepConfig } from '@osiris/compiler';
import type { OsirisError, Registry, StepMode } from '@osiris/registry';
import type { Connector, RejectedRow } from './contracts';
import type { EventSink } from './events';
import type { IncrementalReport } from './incremental';
import type { RunSettings } from './settings';

/** Step configs keyed by step id (the content of `cfg/<id>.json`), as a Map or a plain object. */
export type StepConfigs = ReadonlyMap<string, StepConfig> | Readonly<Record<string, StepConfig>>;

/** Resolved connection fields keyed by reference (`@mysql` → `{ url: … }`). Secret: memory only. */
export type ResolvedConnections = ReadonlyMap<string, Readonly<Record<string, string>>>;

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
  /** Rows the sink set aside (`max_rejects`, ADR 0020); absent when it sets none aside. */
  readonly rowsRejected?: number;
  /**
   * Where they are, relative to the run folder (`rejects/<step>.jsonl`): set by `runManifest`, which
   * writes the file from `rejected`.
   */
  readonly rejectsFile?: string;
  /** The rows themselves, from the engine to `runManifest`; not in the result it returns. */
  readonly rejected?: readonly RejectedRow[];
  /** Sinks with `deletes: soft | hard`: rows marked deleted or deleted. */
  readonly deleted?: number;
  /** Incremental sources: what was read and why, the watermark before and after (ADR 0024). */
  readonly incremental?: IncrementalReport;
  readonly durationMs: number;
  /** The table of a step that reads or writes many tables (its id is `<step>.<table>`, ADR 0021). */
  readonly table?: string;
  /** Unredacted text; the runner redacts it before it writes or returns it. */
  readonly error?: string;
}

/** Everything an engine gets besides the manifest and the configs. */
export interface EngineContext {
  readonly runId: string;
  readonly correlationId: string;
  /** Resolved connections for every `@ref` the configs use. Secret: keep in memory only. */
  readonly connections: ResolvedConnections;
  /** Where the engine sends its events; the runner stamps them (ids, times) and logs them. */
  readonly events: EventSink;
  /** Aborted on Ctrl-C; the engine stops and lets writers roll back. */
  readonly signal: AbortSignal;
  /** Every setting of the run the engine honours (chunk size, retries, timeouts, log level, redaction). */
  readonly settings: RunSettings;
  /** When given, each connector is checked against its spec card before it runs. */
  readonly registry?: Registry;
  /** Connectors that replace the engine's own ones of the same `type` (tests, embedders). */
  readonly connectors?: readonly Connector[];
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
 * const result = await engine.run(manifest, configs, { runId, correlationId, connections, events, signal, settings });
 */
export interface Engine {
  readonly name: string;
  run(manifest: RunManifest, configs: StepConfigs, context: EngineContext): Promise<EngineResult>;
}
