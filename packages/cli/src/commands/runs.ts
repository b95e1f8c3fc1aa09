// SPDX-License-Identifier: MIT
import { listRuns, osirisPaths, readRun, type StepMetrics } from '@osiris/runner';
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes';
import { runDetailsJson, runSummaryJson } from '../json';
import { displayPath, type Output, table } from '../output';
import type { Action } from '../program';
import { registerRunsReport } from './runs-report';

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
const count = (n: number | undefined) => (n === undefined ? '-' : n.toLocaleString('en-US'));
/** `written 1,200`, or for a merge `staged 1,202: 2 inserted, 600 updated, 600 unchanged`. */
const written = (step: StepMetrics) =>
  step.rows_inserted === undefined
    ? `written ${count(step.rows_written)}`
    : `staged ${count(step.rows_written)}: ${count(step.rows_inserted)} inserted, ${count(step.rows_updated)} updated, ${count(step.rows_unchanged ?? step.rows_written - step.rows_inserted - (step.rows_updated ?? 0))} unchanged`;

export function registerRuns(program: Command, action: Action): void {
  const runs = program.command('runs').description('List past runs and show one.');
  const runsDirOption = [
    '--runs-dir <dir>',
    'folder of run folders (default $OSIRIS_HOME/runs, else .osiris/runs)',
  ] as const;

  runs
    .command('list')
    .description('Past runs, newest first.')
    .option(...runsDirOption)
    .option('--json', 'print JSON')
    .action(
      action(async (output: Output, options: { runsDir?: string; json?: boolean }) => {
        const { runsDir } = osirisPaths({
          env: output.io.env,
          cwd: output.io.cwd,
          ...(options.runsDir ? { runsDir: options.runsDir } : {}),
        });
        const list = await listRuns(runsDir);
        if (options.json) {
          output.json(list.map(runSummaryJson));
          return ExitCode.Success;
        }
        if (list.length === 0) {
          output.err(`no runs in ${displayPath(output.io.cwd, runsDir)}`);
          return ExitCode.Success;
        }
        const rows = [['RUN', 'STATUS', 'EXIT', 'PIPELINE', 'READ', 'WRITTEN', 'DURATION']];
        for (const run of list) {
          rows.push([
            run.runId,
            // A supervised run shows its state; ABANDONED when its owner died without ending it.
            run.state === undefined ? run.status : run.state.toLowerCase(),
            String(run.exitCode ?? '-'),
            run.pipeline ?? '-',
            count(run.rowsRead),
            count(run.rowsWritten),
            seconds(run.durationMs),
          ]);
        }
        for (const line of table(rows)) output.out(line);
        return ExitCode.Success;
      }),
    );

  runs
    .command('view')
    .description(
      'State history, steps with rows and durations, and the paths of every artifact of one run (rejects and dead letters included).',
    )
    .argument('<run_id>', 'a run id from osiris runs list (or "latest")')
    .option(...runsDirOption)
    .option('--json', 'print JSON')
    .action(
      action(async (output: Output, runId: string, options: { runsDir?: string; json?: boolean }) => {
        const { runsDir } = osirisPaths({
          env: output.io.env,
          cwd: output.io.cwd,
          ...(options.runsDir ? { runsDir: options.runsDir } : {}),
        });
        const id = runId === 'latest' ? ((await listRuns(runsDir))[0]?.runId ?? runId) : runId;
        const run = await readRun(runsDir, id);
        if (options.json) {
          output.json(runDetailsJson(run));
          return ExitCode.Success;
        }
        const where = (path: string | undefined) => (path === undefined ? '-' : displayPath(output.io.cwd, path));
        output.out(
          `${output.bold(run.runId)}  ${run.state ?? run.status}  exit ${run.exitCode ?? '-'}  ${run.pipeline ?? ''}  ${run.engine ?? ''}`,
        );
        if (run.state === 'ABANDONED' && run.owner !== undefined) {
          output.out(
            `  abandoned: its owner (pid ${run.owner.pid} on ${run.owner.host}) is gone; last heartbeat ${run.heartbeatAt ?? '-'}`,
          );
        }
        if (run.transitions !== undefined) {
          output.out(`  states:   ${run.transitions.map((t) => `${t.state} ${t.at}`).join(' → ')}`);
        }
        if (run.error) output.out(`  error: ${run.error}`);
        output.out(`  started ${run.startedAt ?? '-'}, took ${seconds(run.durationMs)}`);
        for (const step of run.metrics?.steps ?? []) {
          output.out(
            `  ${step.id.padEnd(16)} ${step.component.padEnd(16)} ${step.status.padEnd(11)} read ${count(step.rows_read)}  ${written(step)}  ${seconds(step.duration_ms)}`,
          );
          if (step.read_reason !== undefined) {
            output.out(
              `    ${step.read_reason}; watermark ${step.watermark_before ?? '(none)'} → ${step.watermark_after ?? '(none)'}`,
            );
          }
          if (step.rows_deleted !== undefined) output.out(`    deleted ${count(step.rows_deleted)}`);
        }
        output.out(`  manifest: ${where(run.artifacts.manifest)}`);
        output.out(`  configs:  ${run.artifacts.configs.map(where).join(', ') || '-'}`);
        output.out(`  log:      ${where(run.artifacts.log)}`);
        output.out(`  metrics:  ${where(run.artifacts.metrics)}`);
        output.out(`  status:   ${where(run.artifacts.status)}`);
        output.out(`  rejects:  ${run.artifacts.rejects.map(where).join(', ') || '-'}`);
        output.out(`  dlq:      ${run.artifacts.deadLetters.map(where).join(', ') || '-'}`);
        return ExitCode.Success;
      }),
    );

  registerRunsReport(runs, action);
}
