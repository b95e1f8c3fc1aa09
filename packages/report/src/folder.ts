// SPDX-License-Identifier: MIT
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { RunLogLine, RunMetrics } from '@osiris/runner';

/** Rejected rows shown per step: enough to see the pattern, small enough for the page budget. */
export const REJECTS_SHOWN = 100;

/** A file of the run folder, for the artifact list. */
export interface RunArtifactFile {
  /** Relative to the run folder, with `/` separators. */
  readonly path: string;
  readonly bytes: number;
}

/** The rejected rows of one step (`rejects/<step>.jsonl`): the first {@link REJECTS_SHOWN} and the total. */
export interface StepRejects {
  readonly step: string;
  readonly file: string;
  readonly total: number;
  readonly rows: readonly Record<string, unknown>[];
}

/** A dead-letter item that names this run. */
export interface RunDlqItem {
  readonly id: string;
  readonly topic: string;
  readonly file: string;
  readonly item: Record<string, unknown>;
}

/**
 * Everything a report shows, read from one run folder and nothing else, so a folder copied from another
 * machine or an e2b sandbox, or written by an older Osiris, still makes a report. Files that are missing
 * or unreadable are left out (a run that died early has no metrics); a log line that is not JSON is counted.
 */
export interface RunFolder {
  readonly runId: string;
  readonly dir: string;
  readonly status?: Record<string, unknown>;
  readonly metrics?: RunMetrics;
  readonly manifest?: string;
  readonly configs: readonly { readonly name: string; readonly text: string }[];
  readonly log: readonly Partial<RunLogLine>[];
  readonly malformedLogLines: number;
  readonly rejects: readonly StepRejects[];
  readonly dlq: readonly RunDlqItem[];
  readonly artifacts: readonly RunArtifactFile[];
}

export interface ReadRunFolderOptions {
  /**
   * Root of the dead-letter queue (`<OSIRIS_HOME>/dlq`); by default `dlq/` beside the runs folder
   * that holds this run. Items whose envelope names the run are shown.
   */
  readonly dlqDir?: string;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readObject<T>(file: string): Promise<T | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

async function listFiles(dir: string, root = dir): Promise<RunArtifactFile[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: RunArtifactFile[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, root)));
    else if (entry.isFile())
      out.push({ path: relative(root, full).split(sep).join('/'), bytes: (await stat(full)).size });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Calls `onLine` with each parsed line of a JSON Lines file; returns how many lines were not JSON objects. */
async function eachJsonLine(file: string, onLine: (value: Record<string, unknown>) => void): Promise<number> {
  let malformed = 0;
  try {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const value: unknown = JSON.parse(line);
        if (value !== null && typeof value === 'object' && !Array.isArray(value))
          onLine(value as Record<string, unknown>);
        else malformed++;
      } catch {
        malformed++;
      }
    }
  } catch {
    // A missing file reads as empty.
  }
  return malformed;
}

async function readRejects(runDir: string, artifacts: readonly RunArtifactFile[]): Promise<StepRejects[]> {
  const out: StepRejects[] = [];
  for (const artifact of artifacts) {
    if (!/^rejects\/[^/]+\.jsonl$/.test(artifact.path)) continue;
    const rows: Record<string, unknown>[] = [];
    let total = 0;
    await eachJsonLine(join(runDir, artifact.path), (row) => {
      total++;
      if (rows.length < REJECTS_SHOWN) rows.push(row);
    });
    out.push({ step: basename(artifact.path, '.jsonl'), file: artifact.path, total, rows });
  }
  return out;
}

/** True when the item names the run anywhere an envelope keeps it (top level, payload or context). */
function namesRun(item: Record<string, unknown>, runId: string): boolean {
  const places = [item, item.payload, item.context];
  return places.some((place) => {
    if (place === null || typeof place !== 'object') return false;
    const record = place as Record<string, unknown>;
    return record.run_id === runId || record.runId === runId || record.replayed_run_id === runId;
  });
}

async function readDlq(dlqDir: string, runId: string): Promise<RunDlqItem[]> {
  const out: RunDlqItem[] = [];
  for (const file of await listFiles(dlqDir)) {
    if (!file.path.endsWith('.json')) continue;
    const full = join(dlqDir, file.path);
    const item = await readObject<Record<string, unknown>>(full);
    if (item === undefined || !namesRun(item, runId)) continue;
    out.push({ id: basename(file.path, '.json'), topic: dirname(file.path), file: full, item });
  }
  return out;
}

/**
 * Reads a run folder for a report. Fails (exit 5) only when the folder itself cannot be read; every
 * file in it is optional.
 */
export async function readRunFolder(runDir: string, options: ReadRunFolderOptions = {}): Promise<RunFolder> {
  try {
    if (!(await stat(runDir)).isDirectory()) throw new Error('not a folder');
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `no run folder at ${runDir}`, {
      cause: error,
      hint: 'Pass a run id from `osiris runs list`, "latest", or --runs-dir for runs kept elsewhere.',
    });
  }
  const runId = basename(runDir);
  const artifacts = await listFiles(runDir);
  const configs: { name: string; text: string }[] = [];
  for (const artifact of artifacts) {
    if (!/^cfg\/[^/]+\.json$/.test(artifact.path)) continue;
    const text = await readText(join(runDir, artifact.path));
    if (text !== undefined) configs.push({ name: basename(artifact.path, '.json'), text });
  }
  const log: Partial<RunLogLine>[] = [];
  const malformedLogLines = await eachJsonLine(join(runDir, 'run.log.jsonl'), (line) => {
    log.push(line as Partial<RunLogLine>);
  });
  const [status, metrics, manifest, rejects, dlq] = await Promise.all([
    readObject<Record<string, unknown>>(join(runDir, 'status.json')),
    readObject<RunMetrics>(join(runDir, 'metrics.json')),
    readText(join(runDir, 'manifest.yaml')),
    readRejects(runDir, artifacts),
    readDlq(options.dlqDir ?? join(dirname(dirname(runDir)), 'dlq'), runId),
  ]);
  return {
    runId,
    dir: runDir,
    ...(status === undefined ? {} : { status }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(manifest === undefined ? {} : { manifest }),
    configs,
    log,
    malformedLogLines,
    rejects,
    dlq,
    artifacts: artifacts.filter((artifact) => artifact.path !== 'report.html'),
  };
}
