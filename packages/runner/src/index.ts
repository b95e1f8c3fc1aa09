// SPDX-License-Identifier: MIT
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
  EventSink,
  ResolvedConnections,
  RetryOptions,
  RunEventName,
  RunStatus,
  StepConfigs,
  StepEvent,
  StepResult,
  StepStatus,
} from './engine';
export { idleTimeoutSetting, logLevelSetting, redactionSetting } from './env-settings';
export { describeError, isTransientError } from './errors';
export type { ExecuteOptions } from './execute';
export { DEFAULT_IDLE_TIMEOUT_MS, executeSteps } from './execute';
export type { ProgressTarget } from './internal/progress';
export type { RunLogLine, RunMetrics, RunStatusFile, StepMetrics } from './metrics';
export { stepMetrics } from './metrics';
export type { OsirisPaths } from './paths';
export { osirisPaths } from './paths';
export type { RunFailure, RunManifestOptions, RunResult, RunWarning } from './run';
export { chunkSizeOf, runManifest } from './run';
export { newRunId, RUN_ID_PATTERN } from './run-id';
export type { RunArtifacts, RunDetails, RunSummary } from './runs';
export { listRuns, readRun } from './runs';
export type { ConnectionOrigin, ConnectionResolution, ResolveConnectionsOptions } from './secrets';
export { connectionEnvPrefix, connectionRefsOf, resolveConnections } from './secrets';
export type { Filter, FilterOp, FilterScalar, TableReadOptions } from './table-options';
export { FILTER_OPS, filtersWhere, parseTableReadOptions } from './table-options';
export { textBatchRows } from './text-batch';
