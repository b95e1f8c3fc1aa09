// SPDX-License-Identifier: MIT
export type { AttemptOptions, AttemptOutcome, StepCounts } from './attempt';
export { attemptPipe } from './attempt';
export type { Bus, BusOptions, DeadLetter, EnvelopeHandler } from './bus';
export { createBus } from './bus';
export type {
  ColumnDescriptor,
  ColumnKind,
  Connector,
  CopyBinaryStream,
  DeclaredColumn,
  DeclaredIndex,
  DeclaredTable,
  DiscoveredColumn,
  DiscoveredTable,
  DiscoverOptions,
  ListedTable,
  ListTablesOptions,
  LogLevel,
  RejectedRow,
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
export type { DeadLetterItem, DeadLetterRecord, ReplayAttempt, StoredDeadLetter } from './dlq';
export { dlqDirOf, dropDeadLetter, listDeadLetters, readDeadLetter, writeDeadLetter } from './dlq';
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
export type { Envelope, EnvelopeInit, EnvelopePayload, EnvelopeSource, EnvelopeType, Topic } from './envelope';
export {
  createEnvelope,
  ENVELOPE_ID_PATTERN,
  ENVELOPE_SOURCES,
  ENVELOPE_TYPES,
  envelopeSchema,
  newEnvelopeId,
  TOPICS,
} from './envelope';
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
export { shownState } from './liveness';
export type { RunLogLine, RunMetrics, RunStatusFile, StepMetrics } from './metrics';
export { resolvedTables, stepMetrics } from './metrics';
export type { OsirisPaths } from './paths';
export { osirisPaths } from './paths';
export type { Pipe, PlannedStep, PlanOptions } from './plan';
export { planRun } from './plan';
export { parseQueryReadOptions, type QueryParamValue, type QueryReadOptions } from './query-options';
export type { ReplayRejectsOptions, ReplayRejectsResult } from './rejects';
export { REJECTS_DIR, readRejects, rejectsFileOf, replayRejects } from './rejects';
export type { ReplayContext, Replayer, ReplayReport } from './replay';
export { registerReplayer, replayableKinds, replayDeadLetter } from './replay';
export type { BackoffOptions, RetryDecision, RetryFailure, RetryPolicy } from './retry';
export { exponentialBackoff } from './retry';
export type { RetryOptions, RunFailure, RunManifestOptions, RunNote, RunResult, RunStarted, RunWarning } from './run';
export { chunkSizeOf, runManifest } from './run';
export { newRunId, RUN_ID_PATTERN } from './run-id';
export type { RunArtifacts, RunDetails, RunSummary } from './runs';
export { listRuns, readRun } from './runs';
export type { ConnectionOrigin, ConnectionResolution, ResolveConnectionsOptions } from './secrets';
export { connectionEnvPrefix, connectionRefsOf, resolveConnections } from './secrets';
export type { RunSettings } from './settings';
export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_RUN_SETTINGS, parseRunSettings, runSettingsSchema } from './settings';
export { sqlstateOf } from './sqlstate';
export type {
  RunOwner,
  RunState,
  ShownRunState,
  StateTransition,
  SupervisedRunResult,
  SupervisedStatusFile,
  SuperviseOptions,
} from './supervisor';
export { DEFAULT_HEARTBEAT_MS, deadLetterValidation, superviseRun, TERMINAL_STATES } from './supervisor';
export type { Filter, FilterOp, FilterScalar, TableReadOptions, TableWriteMode } from './table-options';
export { FILTER_OPS, filtersWhere, parseTableReadOptions, parseTableWriteMode } from './table-options';
export { textBatchRows } from './text-batch';
