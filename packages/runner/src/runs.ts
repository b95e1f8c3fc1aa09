// SPDX-License-Identifier: MIT
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import { dlqDirOf, listDeadLetters } from './dlq';
import type { RunStatus } from './engine';
import { shownState } from './liveness';
import type { RunMetrics, RunStatusFile } from './metrics';
import { RUN_ID_PATTERN } from './run-id';
import type { ShownRunState, StateTransition, SupervisedStatusFile } from './supervisor';

/** One line of `osiris runs list`. */
export interface RunSummary {
  readonly runId: string;
  readonly runDir: string;
  /**
   * `running` while a run goes, `abandoned` when a supervised run's owner died or its heartbeat went
   * stale (kill -9), `unknown` without a status file.
   */
  readonly status: RunStatus | 'running' | 'abandoned' | 'unknown';
  /** The supervisor's state (`ABANDONED` as for `status`); absent for a run nobody supervised. */
  readonly state?: ShownRunState;
  readonly exitCode: number | null;
  readonly pipeline?: string;
  readonly engine?: string;
  readonly startedAt?: string;
  readonly durationMs?: number;
  readonly rowsRead?: number;
  readonly rowsWritten?: number;
  readonly error?: string;
}

/** Paths of the files in a run folder (only those that exist). */
export interface RunArtifacts {
  readonly manifest?: string;
  readonly configs: readonly string[];
  readonly log?: string;
  readonly metrics?: string;
  readonly status?: string;
  /** `rejects/<step>.jsonl`: rows a sink set aside. */
  readonly rejects: readonly string[];
  /** Dead-letter items this run wrote. */
  readonly deadLetters: readonly string[];
}

/** What `osiris runs view` shows: the summary, every step, and the artifacts. */
export interface RunDetails extends RunSummary {
  readonly metrics?: RunMetrics;
  /** Every state the run went through, with its time (supervised runs). */
  readonly transitions?: readonly StateTransition[];
  readonly owner?: SupervisedStatusFile['owner'];
  readonly heartbeatAt?: string;
  readonly artifacts: RunArtifacts;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((name) => name.endsWith(suffix))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

async function summarize(runsDir: string, runId: string, deep = false): Promise<RunDetails> {
  const runDir = join(runsDir, runId);
  const statusFile = await readJson<RunStatusFile & Partial<SupervisedStatusFile>>(join(runDir, 'status.json'));
  const metrics = await readJson<RunMetrics>(join(runDir, 'metrics.json'));
  const supervised = typeof statusFile?.state === 'string' ? (statusFile as SupervisedStatusFile) : undefined;
  const state = supervised === undefined ? undefined : shownState(supervised);
  const status = state === 'ABANDONED' ? 'abandoned' : (metrics?.status ?? statusFile?.status ?? 'unknown');
  const error = metrics?.error?.message ?? statusFile?.error;
  const path = async (name: string) => ((await exists(join(runDir, name))) ? join(runDir, name) : undefined);
  const configs = await listFiles(join(runDir, 'cfg'), '.json');
  const rejects = await listFiles(join(runDir, 'rejects'), '.jsonl');
  const deadLetters = deep
    ? (await listDeadLetters(dlqDirOf(runsDir)))
        .filter((item) => item.envelope.payload.run_id === runId)
        .map((item) => item.path)
    : [];
  const [manifest, log, metricsPath, statusPath] = await Promise.all(
    ['manifest.yaml', 'run.log.jsonl', 'metrics.json', 'status.json'].map(path),
  );
  const artifacts: RunArtifacts = {
    configs,
    rejects,
    deadLetters,
    ...(manifest === undefined ? {} : { manifest }),
    ...(log === undefined ? {} : { log }),
    ...(metricsPath === undefined ? {} : { metrics: metricsPath }),
    ...(statusPath === undefined ? {} : { status: statusPath }),
  };
  return {
    runId,
    runDir,
    status,
    exitCode: metrics?.exit_code ?? statusFile?.exit_code ?? null,
    ...(state === undefined ? {} : { state }),
    ...(supervised === undefined
      ? {}
      : { transitions: supervised.transitions, owner: supervised.owner, heartbeatAt: supervised.heartbeat_at }),
    ...(metrics === undefined
      ? {}
      : {
          pipeline: metrics.pipeline,
          engine: metrics.engine,
          startedAt: metrics.started_at,
          durationMs: metrics.duration_ms,
          rowsRead: metrics.rows_read,
          rowsWritten: metrics.rows_written,
          metrics,
        }),
    ...(error === undefined ? {} : { error }),
    artifacts,
  };
}

/** The runs in a runs folder, newest first. A missing folder has no runs. */
export async function listRuns(runsDir: string): Promise<RunSummary[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw new OsirisError(OsirisErrorCode.Config, `cannot read the runs folder ${runsDir}`, { cause: error });
  }
  const ids = names
    .filter((name) => RUN_ID_PATTERN.test(name))
    .sort()
    .reverse();
  const details = await Promise.all(ids.map((id) => summarize(runsDir, id)));
  return details.map(
    ({ metrics: _metrics, artifacts: _artifacts, transitions: _t, owner: _o, heartbeatAt: _h, ...summary }) => summary,
  );
}

/** One run: status, steps (in `metrics.steps`) with rows and durations, and the paths of its artifacts. */
export async function readRun(runsDir: string, runId: string): Promise<RunDetails> {
  if (!RUN_ID_PATTERN.test(runId) || !(await exists(join(runsDir, runId)))) {
    throw new OsirisError(OsirisErrorCode.Config, `no run ${runId} in ${runsDir}`, {
      hint: 'List the runs with `osiris runs list`.',
    });
  }
  return summarize(runsDir, runId, true);
}
