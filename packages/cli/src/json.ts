// SPDX-License-Identifier: MIT
// What `--json` prints: a contract for scripts, snake_case like metrics.json (docs/reference/cli.md, ADR 0015).
// The packages' TypeScript types stay camelCase; these functions are the one place that maps them.
import { type Diagnostic, ExitCode } from '@osiris/registry';
import type { DiscoveredTable, RunDetails, RunResult, RunSummary } from '@osiris/runner';
import { resolvedTables, stepMetrics } from '@osiris/runner';

const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The same flat record with snake_case keys (diagnostics and columns, whose values are plain). */
function snakeKeys(record: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [snake(key), value]));
}

export const diagnosticsJson = (diagnostics: readonly Diagnostic[]) => diagnostics.map(snakeKeys);

export function tablesJson(tables: readonly DiscoveredTable[]) {
  return tables.map((table) => ({
    schema: table.schema,
    name: table.name,
    approx_rows: table.approxRows,
    columns: table.columns.map(snakeKeys),
  }));
}

/** `osiris run --json`: the run's outcome, its steps as in metrics.json, warnings, and why it failed. */
export function runJson(result: RunResult, pipeline: string, engine: string) {
  return {
    ok: result.exitCode === ExitCode.Success,
    run_id: result.runId,
    run_dir: result.runDir,
    pipeline,
    engine,
    status: result.status,
    exit_code: result.exitCode,
    rows_read: result.rowsRead,
    rows_written: result.rowsWritten,
    duration_ms: result.durationMs,
    steps: result.steps.map(stepMetrics),
    ...resolvedTables(result.steps),
    warnings: result.warnings,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}

/** One run of `osiris runs list --json`; keys the run folder cannot tell (it has no metrics yet) are left out. */
export function runSummaryJson(run: RunSummary) {
  return {
    run_id: run.runId,
    run_dir: run.runDir,
    status: run.status,
    exit_code: run.exitCode,
    ...(run.state === undefined ? {} : { state: run.state }),
    ...(run.pipeline === undefined ? {} : { pipeline: run.pipeline }),
    ...(run.engine === undefined ? {} : { engine: run.engine }),
    ...(run.startedAt === undefined ? {} : { started_at: run.startedAt }),
    ...(run.durationMs === undefined ? {} : { duration_ms: run.durationMs }),
    ...(run.rowsRead === undefined ? {} : { rows_read: run.rowsRead }),
    ...(run.rowsWritten === undefined ? {} : { rows_written: run.rowsWritten }),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

/** `osiris runs view --json`: the summary, the paths of the run's files, and metrics.json as it is. */
export function runDetailsJson(run: RunDetails) {
  return {
    ...runSummaryJson(run),
    ...(run.transitions === undefined ? {} : { transitions: run.transitions }),
    ...(run.owner === undefined ? {} : { owner: run.owner, heartbeat_at: run.heartbeatAt }),
    artifacts: snakeKeys(run.artifacts),
    ...(run.metrics === undefined ? {} : { metrics: run.metrics }),
  };
}
