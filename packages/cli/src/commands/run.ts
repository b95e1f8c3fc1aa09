// SPDX-License-Identifier: MIT
import { resolve } from 'node:path';
import { ExitCode, OsirisError, OsirisErrorCode, type RedactionStrategy, resolveSetting } from '@osiris/registry';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  idleTimeoutSetting,
  osirisPaths,
  type ProgressTarget,
  type RunEventListener,
  type RunResult,
  type SupervisedRunResult,
  stepMetrics,
  superviseRun,
} from '@osiris/runner';
import { type Command, Option } from 'commander';
import type { Composition } from '../composition';
import { runJson } from '../json';
import { loadPlan, type Plan } from '../load-plan';
import { displayPath, type Output } from '../output';
import type { Action } from '../program';
import { collect } from '../settings';
import { deadLetterInvalid, supervisedJson } from '../supervise';
import { reportRedactor } from './runs-report';

export interface RunOptions {
  /** One of the engine names of the composition (commander checks it). */
  engine?: string;
  secretsFile?: string;
  param: string[];
  mode?: string;
  runsDir?: string;
  redaction?: RedactionStrategy;
  logLevel?: 'info' | 'debug';
  /** Seconds, as typed after --idle-timeout. */
  idleTimeout?: string;
  /** Source tables to narrow a many-table run to, as typed after --tables (`a,b`). */
  tables?: string;
  /** Incremental sources read every row (ADR 0024). */
  fullRefresh?: boolean;
  /** A backfill window of incremental sources; the watermark stays. */
  since?: string;
  until?: string;
  json?: boolean;
  quiet?: boolean;
  /** Write the run's HTML report into its folder at the end. */
  report?: boolean;
}

const number = (value: number) => value.toLocaleString('en-US');

export function registerRun(program: Command, action: Action, deps: Composition): void {
  program
    .command('run')
    .description(
      'Run a pipeline file (compiled first) or a compiled manifest; leave logs, metrics and artifacts in a run folder.',
    )
    .argument('<pipeline>', 'pipeline file (OML) or manifest.yaml written by osiris compile')
    .addOption(
      new Option('--engine <engine>', "where to run (default: the manifest's, else local)").choices(deps.engineNames),
    )
    .option(
      '--secrets-file <file>',
      'YAML with connections: { <name>: { <field>: value } }; beats OSIRIS_CONN__* variables',
    )
    .addOption(
      new Option('-p, --param <name=value>', 'override a declared param (repeatable)').argParser(collect).default([]),
    )
    .addOption(
      new Option('--mode <mode>', 'validation mode (env OSIRIS_VALIDATION, default warn)').choices([
        'warn',
        'strict',
        'off',
      ]),
    )
    .option('--runs-dir <dir>', 'folder for run folders (default $OSIRIS_HOME/runs, else .osiris/runs)')
    .addOption(
      new Option('--redaction <strategy>', 'how secrets are masked (env OSIRIS_REDACTION_STRATEGY)').choices([
        'fixed',
        'hash',
      ]),
    )
    .addOption(new Option('--log-level <level>', 'run log detail (env OSIRIS_LOG_LEVEL)').choices(['info', 'debug']))
    .option(
      '--idle-timeout <seconds>',
      `fail a step whose source sends nothing for this long; 0 waits forever (env OSIRIS_IDLE_TIMEOUT, default ${DEFAULT_IDLE_TIMEOUT_MS / 1000})`,
    )
    .option(
      '--tables <names>',
      'run only these source tables (comma-separated) of the steps that read tables: [pattern, …]',
    )
    .option('--full-refresh', 'incremental sources read every row, whatever their watermark')
    .option(
      '--since <value>',
      'backfill: incremental sources read rows whose cursor is at least this (watermark unchanged)',
    )
    .option(
      '--until <value>',
      'backfill: incremental sources read rows whose cursor is at most this (watermark unchanged)',
    )
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress or notes on stderr (warnings and errors are still shown)')
    .option('--report', 'at the end, write the run report (HTML) into the run folder; the summary prints its path')
    .addHelpText(
      'after',
      `
Progress goes to stderr: on a terminal a live line (rows, rows/s, and the approximate total and time left when
the source's statistics tell its size; "merging…" while a merge's upsert runs); in a pipe or CI log one line at
most every 10 s, nothing for a shorter run. Warnings (e.g. zero dates read as NULL) and notes (e.g. a created
table) follow the summary.

Examples:
  osiris run examples/mysql-to-supabase-merge/pipeline.yaml --secrets-file secrets.yaml
  OSIRIS_CONN__MYSQL__URL=mysql://… OSIRIS_CONN__SUPABASE__URL=postgresql://… osiris run build/manifest.yaml
  osiris run pipeline.yaml --engine e2b --param chunk_size=20000
  osiris run examples/mysql-database-to-supabase/pipeline.yaml --tables customers,orders`,
    )
    .action(action((output: Output, path: string, options: RunOptions) => runPipeline(output, path, options, deps)));
}

/**
 * What `osiris run` does, for other commands to reuse (chat runs a pipeline it just saved).
 * Returns the exit code; prints the one-line summary (or JSON) and failures.
 */
export async function runPipeline(
  output: Output,
  path: string,
  options: RunOptions,
  deps: Composition,
): Promise<number> {
  const { io } = output;
  if (options.fullRefresh && (options.since !== undefined || options.until !== undefined)) {
    throw new OsirisError(OsirisErrorCode.Validation, '--full-refresh cannot be combined with --since or --until', {
      hint: 'A full refresh reads every row; a backfill reads a window. Choose one.',
    });
  }
  const paths = osirisPaths({
    env: io.env,
    cwd: io.cwd,
    ...(options.runsDir === undefined ? {} : { runsDir: options.runsDir }),
  });
  let plan: Plan;
  try {
    plan = loadPlan(output, deps.registry(), path, {
      param: options.param,
      engines: deps.engineNames,
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.engine === undefined ? {} : { engine: options.engine }),
    });
  } catch (error) {
    // A pipeline that fails validation goes to the dead-letter queue, to be replayed once fixed.
    await deadLetterInvalid(output, error, {
      path,
      runsDir: paths.runsDir,
      param: options.param,
      mode: options.mode,
      ...(deps.bus === undefined ? {} : { bus: deps.bus }),
    });
    throw error;
  }
  const result = await executePlan(output, plan, options, deps, {
    ...(options.quiet ? {} : { progress: { stream: io.stderr, isTTY: Boolean(io.stderr.isTTY) } }),
  });
  const engineName = plan.manifest.execution.engine;
  const runDir = displayPath(io.cwd, result.runDir);
  // Written whatever the outcome: a failed run is the one people want to look at.
  const report = options.report ? await writeReport(output, result.runDir) : undefined;
  if (options.json) {
    output.json({
      ...runJson(result, plan.manifest.pipeline, engineName),
      ...supervisedJson(result),
      ...(report === undefined ? {} : { report }),
    });
    return result.exitCode;
  }
  const reportLine = report === undefined ? [] : [`  report: ${displayPath(io.cwd, report)}`];
  const seconds = (result.durationMs / 1000).toFixed(1);
  const rows = `${number(result.rowsRead)} rows read, ${number(result.rowsWritten)} written in ${seconds} s`;
  if (result.exitCode === ExitCode.Success) {
    // A merge writes every row into a staging table and then changes only some of the target's: its
    // sink gets a line with the split, and "written" (the staged rows) leaves the headline.
    const sinks = result.steps.filter((step) => step.mode === 'write').map(stepMetrics);
    const merges = sinks.some((step) => step.rows_unchanged !== undefined);
    const headline = merges ? `${number(result.rowsRead)} rows read in ${seconds} s` : rows;
    output.out(`${output.green('✓')} ${plan.manifest.pipeline}: ${headline} (run ${result.runId}, ${engineName})`);
    // A sink of many tables gets a line per table, whether it merged or appended.
    for (const step of merges ? sinks : sinks.filter((sink) => sink.table !== undefined)) {
      output.out(
        step.rows_unchanged === undefined
          ? `  ${step.id}: ${number(step.rows_written)} written`
          : `  ${step.id}: ${number(step.rows_written)} staged: ${number(step.rows_inserted ?? 0)} inserted, ${number(step.rows_updated ?? 0)} updated, ${number(step.rows_unchanged)} unchanged`,
      );
    }
    for (const step of result.steps.map(stepMetrics)) {
      if (step.read_reason === undefined) continue;
      output.out(
        `  ${step.id}: read ${number(step.rows_read)} ${step.read_reason}; watermark ${step.watermark_before ?? '(none)'} → ${step.watermark_after ?? '(none)'}`,
      );
    }
    for (const step of sinks) {
      // Rows a sink set aside (max_rejects): how many, and where they are.
      if (step.rows_rejected !== undefined && step.rows_rejected > 0)
        output.out(`  ${step.id}: ${number(step.rows_rejected)} rows rejected: ${runDir}/${step.rejects_file}`);
    }
    output.out(`  run folder: ${runDir}/`);
    for (const line of reportLine) output.out(line);
    notes(output, result.notes, options.quiet === true);
  } else {
    output.err(
      `${output.red('✗')} ${plan.manifest.pipeline} ${result.status}: ${result.error?.message ?? 'see the run log'}`,
    );
    if (result.error?.hint) output.err(`  ${result.error.hint}`);
    output.err(`  ${rows}; run folder: ${runDir}/ (osiris runs view ${result.runId})`);
    for (const item of result.deadLetters) output.err(`  dead letter: ${displayPath(io.cwd, item)} (osiris dlq list)`);
    for (const line of reportLine) output.err(line);
    notes(output, result.notes, options.quiet === true);
  }
  return result.exitCode;
}

/** The run's report beside its files; a report that cannot be written is a note, never the run's failure. */
async function writeReport(output: Output, runDir: string): Promise<string | undefined> {
  try {
    const { writeRunReport } = await import('@osiris/report');
    return (await writeRunReport(runDir, { redactor: reportRedactor(output.io.env) })).path;
  } catch (error) {
    output.err(`note the run report was not written: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/**
 * Runs a loaded plan on its engine and returns the runner's result, printing nothing: the part of
 * `osiris run` that `osiris mcp`'s run tool shares. `hooks` say where progress goes.
 */
export async function executePlan(
  output: Output,
  plan: Plan,
  options: Pick<
    RunOptions,
    'secretsFile' | 'runsDir' | 'redaction' | 'logLevel' | 'idleTimeout' | 'tables' | 'fullRefresh' | 'since' | 'until'
  >,
  deps: Composition,
  hooks: { progress?: ProgressTarget; onEvent?: RunEventListener } = {},
): Promise<SupervisedRunResult> {
  const { io } = output;
  const idleTimeoutMs = resolveSetting(idleTimeoutSetting, { flag: options.idleTimeout, env: io.env }, undefined);
  const registry = deps.registry();
  const engineName = plan.manifest.execution.engine;
  const factory = deps.engines[engineName];
  if (factory === undefined) throw new Error(`no factory for the engine ${engineName}`); // loadPlan checked the name.
  // Each engine (with its connectors or its sandbox client) loads only when a pipeline runs on it.
  const engine = await factory({
    env: io.env,
    connectors: (await deps.connectors()).list,
    // An engine's own lines (the e2b sandbox's, prefixed `agent=runner engine=e2b`) go to stderr like everything
    // but results.
    output: { write: (text: string) => io.stderr.write(output.redact(text)) },
  });
  const paths = osirisPaths({
    env: io.env,
    cwd: io.cwd,
    ...(options.runsDir === undefined ? {} : { runsDir: options.runsDir }),
  });

  return superviseRun({
    origin: plan.fromManifest ? 'manifest' : 'pipeline',
    ...(deps.bus === undefined ? {} : { bus: deps.bus }),
    manifest: plan.manifest,
    configs: plan.configs,
    engine,
    registry,
    runsDir: paths.runsDir,
    env: io.env,
    ...(options.secretsFile === undefined ? {} : { secretsFile: resolve(io.cwd, options.secretsFile) }),
    settings: {
      ...(options.redaction === undefined ? {} : { redactionStrategy: options.redaction }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
      ...(options.tables === undefined ? {} : { tables: tableNames(options.tables) }),
      ...(options.fullRefresh ? { fullRefresh: true } : {}),
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.until === undefined ? {} : { until: options.until }),
    },
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    ...(hooks.progress === undefined ? {} : { progress: hooks.progress }),
    ...(hooks.onEvent === undefined ? {} : { onEvent: hooks.onEvent }),
  });
}

/** `--tables a, b,a` → `['a', 'b']`: names as typed, trimmed, each once. */
function tableNames(text: string): string[] {
  return [...new Set(text.split(',').map((name) => name.trim()))].filter((name) => name.length > 0);
}

/**
 * What connectors noted during the run (also in run.log.jsonl), on stderr once the run is over, in the
 * order they came: warnings (`warning src: …`) always, notes (`note dst: created table …`) unless quiet.
 */
function notes(output: Output, noted: RunResult['notes'], quiet: boolean): void {
  for (const { step, level, message } of noted) {
    if (level === 'warn') output.err(`${output.yellow('warning')} ${step ?? 'run'}: ${message}`);
    else if (!quiet) output.err(`note ${step ?? 'run'}: ${message}`);
  }
}
