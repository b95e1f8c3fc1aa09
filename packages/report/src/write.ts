// SPDX-License-Identifier: MIT
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OsirisError, OsirisErrorCode, type Redactor } from '@osiris/registry';
import { listRuns, type RunSummary } from '@osiris/runner';
import { readRunFolder } from './folder';
import { hrefOf } from './html';
import { renderRunIndex } from './index-page';
import { renderRunReport } from './report';

/** Written beside a run's files unless told otherwise. */
export const REPORT_FILE = 'report.html';

/** Writes a file whole or not at all: a reader (a browser, a CI artifact upload) never sees half a page. */
async function writeAtomically(file: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Compile, `cannot write the report ${file}`, {
      cause: error,
      hint: 'Pass --out with a writable path.',
    });
  }
}

export interface WriteReportOptions {
  /** The page's path; default `<run folder>/report.html`. */
  readonly out?: string;
  readonly redactor?: Redactor;
  /** Root of the dead-letter queue; default `dlq/` beside the runs folder. */
  readonly dlqDir?: string;
}

/** Reads a run folder and writes its report; returns the page's path and size in bytes. */
export async function writeRunReport(
  runDir: string,
  options: WriteReportOptions = {},
): Promise<{ path: string; bytes: number }> {
  const folder = await readRunFolder(runDir, options.dlqDir === undefined ? {} : { dlqDir: options.dlqDir });
  const path = resolve(options.out ?? join(runDir, REPORT_FILE));
  const html = renderRunReport(folder, {
    reportDir: dirname(path),
    ...(options.redactor === undefined ? {} : { redactor: options.redactor }),
  });
  await writeAtomically(path, html);
  return { path, bytes: Buffer.byteLength(html) };
}

export interface IndexFilter {
  /** Runs that started at or after this time. */
  readonly since?: Date;
  /** Runs in this state (`succeeded`, `failed`, `interrupted`, `running`, …). */
  readonly status?: string;
}

/** When a run started: its metrics say; a run that never finished has it in its id (`r_20261206T061103Z_…`). */
export function runStart(run: RunSummary): Date | undefined {
  if (run.startedAt !== undefined) return new Date(run.startedAt);
  const match = /^r_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(run.runId);
  return match === null
    ? undefined
    : new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
}

export function filterRuns(runs: readonly RunSummary[], filter: IndexFilter): RunSummary[] {
  return runs.filter((run) => {
    if (filter.status !== undefined && run.status !== filter.status) return false;
    if (filter.since !== undefined) {
      const start = runStart(run);
      if (start === undefined || start < filter.since) return false;
    }
    return true;
  });
}

export interface WriteIndexOptions extends IndexFilter {
  /** Folder of the index (`index.html`) and of each run's page (`<run id>/report.html`); default the runs folder. */
  readonly out?: string;
  readonly redactor?: Redactor;
  readonly dlqDir?: string;
  /** Said under the title. */
  readonly filterText?: string;
}

/**
 * Writes a report for every run that passes the filter and an index page linking them. In the runs
 * folder itself (the default) each page lands in its run folder, as `osiris run --report` writes it.
 */
export async function writeRunIndex(
  runsDir: string,
  options: WriteIndexOptions = {},
): Promise<{ path: string; reports: { runId: string; path: string }[] }> {
  const out = resolve(options.out ?? runsDir);
  const runs = filterRuns(await listRuns(runsDir), options);
  const reports: { runId: string; path: string }[] = [];
  const shared = {
    ...(options.redactor === undefined ? {} : { redactor: options.redactor }),
    ...(options.dlqDir === undefined ? {} : { dlqDir: options.dlqDir }),
  };
  for (const run of runs) {
    const { path } = await writeRunReport(run.runDir, { ...shared, out: join(out, run.runId, REPORT_FILE) });
    reports.push({ runId: run.runId, path });
  }
  const path = join(out, 'index.html');
  const html = renderRunIndex(
    runs.map((run) => ({ run, href: hrefOf(out, join(out, run.runId, REPORT_FILE)) })),
    {
      ...(options.redactor === undefined ? {} : { redactor: options.redactor }),
      ...(options.filterText === undefined ? {} : { filter: options.filterText }),
    },
  );
  await writeAtomically(path, html);
  return { path, reports };
}
