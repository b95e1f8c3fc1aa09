// SPDX-License-Identifier: MIT
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createRedactor, isSecretEnvName, OsirisError, OsirisErrorCode, type Redactor } from '@osiris/registry';
import { listRuns, osirisPaths, readRun } from '@osiris/runner';
import { type Command, Option } from 'commander';
import { ExitCode } from '../exit-codes';
import { displayPath, type Output } from '../output';
import type { Action } from '../program';

interface ReportOptions {
  out?: string;
  open?: boolean;
  index?: boolean;
  since?: string;
  status?: string;
  runsDir?: string;
  json?: boolean;
}

const RELATIVE = /^(\d+)\s*([mhdw])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: a date or time (`2026-12-01`, `2026-12-01T02:00Z`) or an age (`30m`, `12h`, `7d`, `2w`). */
export function parseSince(text: string, now = Date.now()): Date {
  const relative = RELATIVE.exec(text.trim());
  if (relative !== null) return new Date(now - Number(relative[1]) * (UNIT_MS[relative[2] as string] as number));
  const date = new Date(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim()) && !Number.isNaN(date.getTime())) return date;
  throw new OsirisError(OsirisErrorCode.Validation, `--since "${text}" is neither a date nor an age`, {
    hint: 'Use a date or time such as 2026-12-01 or 2026-12-01T02:00:00Z, or an age such as 30m, 12h, 7d or 2w.',
  });
}

/** The redactor of a report: its patterns, and the secrets this process can see in its environment. */
export function reportRedactor(env: Readonly<Record<string, string | undefined>>): Redactor {
  const knownSecrets = Object.entries(env)
    .filter(([key, value]) => value !== undefined && value !== '' && isSecretEnvName(key))
    .map(([, value]) => value as string);
  return createRedactor({ knownSecrets });
}

/**
 * Opens a page in the user's browser: `$BROWSER` when set, else the platform's opener. Failing to open
 * is not an error of the report; the path is printed either way.
 */
export function openInBrowser(output: Output, path: string): void {
  const env = output.io.env;
  const [command, args] =
    env.BROWSER !== undefined && env.BROWSER !== ''
      ? [env.BROWSER, [path]]
      : process.platform === 'darwin'
        ? ['open', [path]]
        : process.platform === 'win32'
          ? ['cmd', ['/c', 'start', '""', path]]
          : ['xdg-open', [path]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', env: { ...env } as NodeJS.ProcessEnv });
    child.on('error', () => output.err(`note could not start ${command} to open the report; open it yourself`));
    child.unref();
  } catch {
    output.err(`note could not start ${command} to open the report; open it yourself`);
  }
}

export function registerRunsReport(runs: Command, action: Action): void {
  runs
    .command('report')
    .description('Write one self-contained HTML page for a run (or, with --index, an index of runs with a page each).')
    .argument('[run_id]', 'a run id from osiris runs list, or "latest" (default)')
    .option(
      '--out <path>',
      'the page to write (default <run folder>/report.html); with --index, the folder (default the runs folder)',
    )
    .option('--open', 'open the page in the browser ($BROWSER, else the system opener)')
    .option('--index', 'write an index of all runs and a page for each')
    .option('--since <when>', 'with --index: runs started since a date or time (2026-12-01) or an age (7d, 12h)')
    .addOption(
      new Option('--status <status>', 'with --index: only runs in this state').choices([
        'succeeded',
        'failed',
        'interrupted',
        'running',
        'abandoned',
        'unknown',
      ]),
    )
    .option('--runs-dir <dir>', 'folder of run folders (default $OSIRIS_HOME/runs, else .osiris/runs)')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      `
The page is made from the run folder alone: it works for runs of older versions and for folders copied
from another machine or an e2b sandbox. It has no script and loads nothing from the network; secrets are
masked. It shows the states, a timeline of the steps (read, write, merge phases), rows per second, the
counts of every step, errors with their fixes, rejected rows, dead-letter items, the manifest and step
configs, and links to every file of the run folder.

Examples:
  osiris runs report                      # the latest run → .osiris/runs/<run>/report.html
  osiris runs report r_20261206T061103Z_d2eb37 --out nightly.html --open
  osiris runs report --index --status failed --since 7d --out public/runs`,
    )
    .action(
      action(async (output: Output, runId: string | undefined, options: ReportOptions) => {
        const { io } = output;
        const { runsDir } = osirisPaths({
          env: io.env,
          cwd: io.cwd,
          ...(options.runsDir ? { runsDir: options.runsDir } : {}),
        });
        const out = options.out === undefined ? undefined : resolve(io.cwd, options.out);
        const redactor = reportRedactor(io.env);
        const report = await import('@osiris/report');
        if (options.index) {
          if (runId !== undefined) {
            throw new OsirisError(OsirisErrorCode.Validation, '--index writes every run; it takes no run id', {
              hint: 'Drop the run id, or drop --index to write one run.',
            });
          }
          const since = options.since === undefined ? undefined : parseSince(options.since);
          const filterText = [
            options.status === undefined ? '' : `status ${options.status}`,
            since === undefined ? '' : `since ${since.toISOString()}`,
          ]
            .filter(Boolean)
            .join(', ');
          const written = await report.writeRunIndex(runsDir, {
            redactor,
            ...(out === undefined ? {} : { out }),
            ...(since === undefined ? {} : { since }),
            ...(options.status === undefined ? {} : { status: options.status }),
            ...(filterText === '' ? {} : { filterText }),
          });
          if (options.json) {
            output.json({
              index: written.path,
              reports: written.reports.map((entry) => ({ run_id: entry.runId, path: entry.path })),
            });
          } else {
            output.out(`${displayPath(io.cwd, written.path)} (${written.reports.length} run page(s))`);
          }
          if (options.open) openInBrowser(output, written.path);
          return ExitCode.Success;
        }
        if (options.since !== undefined || options.status !== undefined) {
          throw new OsirisError(OsirisErrorCode.Validation, '--since and --status filter the index', {
            hint: 'Add --index to write an index of the runs they select.',
          });
        }
        const id = runId === undefined || runId === 'latest' ? (await listRuns(runsDir))[0]?.runId : runId;
        if (id === undefined) {
          throw new OsirisError(OsirisErrorCode.Config, `no runs in ${displayPath(io.cwd, runsDir)}`, {
            hint: 'Run a pipeline first (osiris run pipeline.yaml), or pass --runs-dir.',
          });
        }
        const run = await readRun(runsDir, id);
        const written = await report.writeRunReport(run.runDir, { redactor, ...(out === undefined ? {} : { out }) });
        if (options.json) output.json({ run_id: run.runId, report: written.path, bytes: written.bytes });
        else output.out(displayPath(io.cwd, written.path));
        if (options.open) openInBrowser(output, written.path);
        return ExitCode.Success;
      }),
    );
}
