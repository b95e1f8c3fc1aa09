// SPDX-License-Identifier: MIT
export type { AttemptOptions, AttemptOutcome, StepCounts } from './attempt';
export { attemptPipe } from './attempt';
export type {
  ColumnDescriptor,
  ColumnKind,
  Connector,
  CopyBinaryStream,
  DiscoveredColumn,
  DiscoveredTable,
  DiscoverOptions,
  LogLevel,
  Row,
  StateFilter,
  StepContext,
  StepReporter,
  TabularStream,
  TextBatch,
  WriteResult,
} from './contracts';
export { TEXT_KINDS } from './contracts';
export type { CopyBinaryPart } from './copy-binary-framing';
export { CopyBinaryFraming } from './copy-binary-framing';
export type { DiscoverWithCacheOptions, DiscoveryResult } from './discovery';
export { discoverWithCache } from './discovery';
export { parseSeconds } from './duration';
export type {
  Engine,
  EngineContext,
  EngineResult,
  ResolvedConnections,
  RunStatus,
  StepConfigs,
  StepResult,
  StepStatus,
} from './engine';
export { idleTimeoutSetting, logLevelSetting, redactionSetting } from './env-settings';
export { describeError, isTransientError } from './errors';
export type {
  EventSink,
  RunEvent,
  RunEventDraft,
  RunEventListener,
  RunEventPayload,
  RunEventType,
} from './events';
export { RUN_EVENT_TYPES } from './events';
export type { ExecuteOptions } from './execute';
export { executeSteps } from './execute';
export type { InProcessEngine, InProcessEngineOptions } from './in-process';
export { createInProcessEngine } from './in-process';
export type {
  IncrementalOptions,
  IncrementalRead,
  IncrementalReport,
  StateKey,
  StateRecord,
} from './incremental';
export { lagNote, parseIncrementalOptions, parseLag, readReason } from './incremental';
export type { ProgressTarget } from './internal/progress';
export type { RunLogLine, RunMetrics, RunStatusFile, StepMetrics } from './metrics';
export { stepMetrics } from './metrics';
export type { OsirisPaths } from './paths';
export { osirisPaths } from './paths';
export type { Pipe, PlannedStep, PlanOptions } from './plan';
export { planRun } from './plan';
export type { BackoffOptions, RetryDecision, RetryFailure, RetryPolicy } from './retry';
export { exponentialBackoff } from './retry';
export type { RetryOptions, RunFailure, RunManifestOptions, RunNote, RunResult, RunWarning } from './run';
export { chunkSizeOf, runManifest } from './run';
export { newRunId, RUN_ID_PATTERN } from './run-id';
export type { RunArtifacts, RunDetails, RunSummary } from './runs';
export { listRuns, readRun } from './runs';
export type { ConnectionOrigin, ConnectionResolution, ResolveConnectionsOptions } from './secrets';
export { connectionEnvPrefix, connectionRefsOf, resolveConnections } from './secrets';
export type { RunSettings } from './settings';
export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_RUN_SETTINGS, parseRunSettings, runSettingsSchema } from './settings';
export type { Filter, FilterOp, FilterScalar, TableReadOptions } from './table-options';
export { FILTER_OPS, filtersWhere, parseTableReadOptions } from './table-options';
export { textBatchRows } from './text-batch';
