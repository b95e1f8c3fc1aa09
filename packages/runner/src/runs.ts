// SPDX-License-Identifier: MIT
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { RunStatus } from './engine';
import type { RunMetrics, RunStatusFile } from './metrics';
import { RUN_ID_PATTERN } from './run-id';

/** One line of `osiris runs list`. */
export interface RunSummary {
  readonly runId: string;
  readonly runDir: string;
  /** `running` while a run goes (or when it died without finishing), `unknown` without a status file. */
  readonly status: RunStatus | 'running' | 'unknown';
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
}

/** What `osiris runs view` shows: the summary, every step, and the artifacts. */
export interface RunDetails extends RunSummary {
  readonly metrics?: RunMetrics;
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

async function summarize(runsDir: string, runId: string): Promise<RunDetails> {
  const runDir = join(runsDir, runId);
  const statusFile = await readJson<RunStatusFile>(join(runDir, 'status.json'));
  const metrics = await readJson<RunMetrics>(join(runDir, 'metrics.json'));
  const status = metrics?.status ?? statusFile?.status ?? 'unknown';
  const error = metrics?.error?.message ?? statusFile?.error;
  const path = async (name: string) => ((await exists(join(runDir, name))) ? join(runDir, name) : undefined);
  let configs: string[] = [];
  try {
    configs = (await readdir(join(runDir, 'cfg')))
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => join(runDir, 'cfg', name));
  } catch {
    configs = [];
  }
  const [manifest, log, metricsPath, statusPath] = await Promise.all(
    ['manifest.yaml', 'run.log.jsonl', 'metrics.json', 'status.json'].map(path),
  );
  const artifacts: RunArtifacts = {
    configs,
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
  return details.map(({ metrics: _metrics, artifacts: _artifacts, ...summary }) => summary);
}

/** One run: status, steps (in `metrics.steps`) with rows and durations, and the paths of its artifacts. */
export async function readRun(runsDir: string, runId: string): Promise<RunDetails> {
  if (!RUN_ID_PATTERN.test(runId) || !(await exists(join(runsDir, runId)))) {
    throw new OsirisError(OsirisErrorCode.Config, `no run ${runId} in ${runsDir}`, {
      hint: 'List the runs with `osiris runs list`.',
    });
  }
  return summarize(runsDir, runId);
}
