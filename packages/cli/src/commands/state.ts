// SPDX-License-Identifier: MIT
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import {
  type Connector,
  connectionRefsOf,
  resolveConnections,
  type StateFilter,
  type StateRecord,
  type StepContext,
} from '@osiris/runner';
import { type Command, Option } from 'commander';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import { loadPlan } from '../load-plan';
import { type Output, table } from '../output';
import type { Action } from '../program';
import { collect } from '../settings';

interface StateOptions {
  step?: string;
  table?: string;
  secretsFile?: string;
  param: string[];
  json?: boolean;
  yes?: boolean;
}

/** One sink of the pipeline that keeps incremental state, with what its connector needs. */
interface StateSink {
  readonly sinkId: string;
  readonly sourceId: string;
  readonly connector: Connector;
  readonly options: Readonly<Record<string, unknown>>;
  readonly ctx: StepContext;
}

const recordJson = (record: StateRecord, sink: string) => ({
  pipeline: record.pipeline,
  step: record.step,
  table: record.table,
  sink,
  cursor: record.cursor,
  watermark: record.watermark,
  run_id: record.runId,
  manifest_fingerprint: record.fingerprint,
  updated_at: record.updatedAt ?? null,
});

/**
 * The sinks of a pipeline fed by an incremental source (`--step` narrows to one source), with
 * resolved connections. The state lives in their targets, so reading it needs their credentials.
 */
async function stateSinks(output: Output, path: string, options: StateOptions, deps: Composition) {
  const registry = deps.registry();
  const plan = loadPlan(output, registry, path, { param: options.param, engines: deps.engineNames, mode: 'off' });
  const connectors = await deps.connectors();
  const configs = new Map(Object.entries(plan.configs));
  const picked = plan.manifest.steps.filter((step) => {
    if (step.mode !== 'write') return false;
    const sourceId = step.needs?.[0];
    const source = sourceId === undefined ? undefined : configs.get(sourceId);
    return source?.options.incremental !== undefined && (options.step === undefined || options.step === sourceId);
  });
  if (picked.length === 0) {
    throw new OsirisError(
      OsirisErrorCode.Validation,
      options.step === undefined
        ? `${plan.manifest.pipeline} has no incremental source, so it keeps no state`
        : `${plan.manifest.pipeline} has no incremental source step "${options.step}"`,
      { hint: 'A source keeps state when it has options.incremental: { cursor: updated_at }.' },
    );
  }
  const refs = connectionRefsOf(
    picked.map((step) => configs.get(step.id) as NonNullable<ReturnType<typeof configs.get>>),
  );
  const resolution = await resolveConnections(refs.keys(), {
    registry,
    componentsByRef: refs,
    env: output.io.env,
    ...(options.secretsFile === undefined ? {} : { secretsFile: resolve(output.io.cwd, options.secretsFile) }),
  });
  output.useSecrets(resolution.secrets);
  const signal = output.io.signal ?? new AbortController().signal;
  const sinks: StateSink[] = picked.map((step) => {
    const config = configs.get(step.id) as NonNullable<ReturnType<typeof configs.get>>;
    const connector = connectors.get(step.component);
    if (connector?.listState === undefined || connector.resetState === undefined) {
      throw new OsirisError(
        OsirisErrorCode.Validation,
        `sink "${step.id}" (${step.component}) keeps no incremental state`,
        {
          hint: 'Incremental state lives in a target whose component keeps it (supabase.table).',
        },
      );
    }
    return {
      sinkId: step.id,
      sourceId: step.needs?.[0] as string,
      connector,
      options: config.options,
      ctx: {
        stepId: step.id,
        connection: resolution.connections.get(config.connection) ?? {},
        chunkSize: 1,
        signal,
        reporter: { log: () => {} },
      },
    };
  });
  return { pipeline: plan.manifest.pipeline, sinks };
}

const filterOf = (pipeline: string, sourceId: string, options: StateOptions): StateFilter => ({
  pipeline,
  step: sourceId,
  ...(options.table === undefined ? {} : { table: options.table }),
});

async function listCommand(output: Output, path: string, options: StateOptions, deps: Composition, detailed: boolean) {
  const { pipeline, sinks } = await stateSinks(output, path, options, deps);
  const found: ReturnType<typeof recordJson>[] = [];
  for (const sink of sinks) {
    const rows = await (sink.connector.listState as NonNullable<Connector['listState']>)(
      sink.ctx,
      sink.options,
      filterOf(pipeline, sink.sourceId, options),
    );
    found.push(...rows.map((row) => recordJson(row, sink.sinkId)));
  }
  if (options.json) {
    output.json(found);
    return ExitCode.Success;
  }
  if (found.length === 0) {
    output.err(`no incremental state for ${pipeline} yet: its next run reads every row`);
    return ExitCode.Success;
  }
  if (!detailed) {
    const rows = [['STEP', 'TABLE', 'CURSOR', 'WATERMARK', 'RUN', 'UPDATED']];
    for (const r of found) rows.push([r.step, r.table, r.cursor, r.watermark ?? '-', r.run_id, r.updated_at ?? '-']);
    for (const line of table(rows)) output.out(line);
    return ExitCode.Success;
  }
  for (const r of found) {
    output.out(output.bold(`${r.pipeline} / ${r.step} / ${r.table}`));
    output.out(`  sink:        ${r.sink}`);
    output.out(`  cursor:      ${r.cursor}`);
    output.out(`  watermark:   ${r.watermark ?? '(none: no row with a cursor yet)'}`);
    output.out(`  run:         ${r.run_id}`);
    output.out(`  fingerprint: ${r.manifest_fingerprint}`);
    output.out(`  updated:     ${r.updated_at ?? '-'}`);
  }
  return ExitCode.Success;
}

/** Asks on the terminal; anything but y/yes is no. Without a terminal there is nobody to ask. */
async function confirm(output: Output, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new OsirisError(OsirisErrorCode.Validation, 'osiris state reset needs confirmation', {
      hint: 'Pass --yes to reset without asking (there is no terminal to ask on).',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
    void output;
  }
}

async function resetCommand(output: Output, path: string, options: StateOptions, deps: Composition) {
  const { pipeline, sinks } = await stateSinks(output, path, options, deps);
  const what = [options.step && `step ${options.step}`, options.table && `table ${options.table}`].filter(Boolean);
  const scope = `${pipeline}${what.length > 0 ? ` (${what.join(', ')})` : ''}`;
  if (
    !options.yes &&
    !(await confirm(output, `Reset the incremental state of ${scope}? Its next run reads every row.`))
  ) {
    output.err('nothing reset');
    return ExitCode.Success;
  }
  let removed = 0;
  for (const sink of sinks) {
    removed += await (sink.connector.resetState as NonNullable<Connector['resetState']>)(
      sink.ctx,
      sink.options,
      filterOf(pipeline, sink.sourceId, options),
    );
  }
  if (options.json) output.json({ pipeline, reset: removed });
  else output.out(`reset ${removed} state row(s) of ${scope}: the next run reads every row`);
  return ExitCode.Success;
}

export function registerState(program: Command, action: Action, deps: Composition): void {
  const state = program
    .command('state')
    .description("Read and reset incremental sync state (the watermarks kept in each sink's target, osiris_state).");
  const common = (command: Command) =>
    command
      .argument('<pipeline>', 'pipeline file (OML) or manifest.yaml')
      .option('--step <step>', 'only the state of this source step')
      .option('--table <table>', 'only the state of this source table (schema.table, as listed)')
      .option('--secrets-file <file>', "YAML with connections: { <name>: { <field>: value } } for the sinks' targets")
      .addOption(
        new Option('-p, --param <name=value>', 'override a declared param (repeatable)').argParser(collect).default([]),
      )
      .option('--json', 'print JSON');
  common(state.command('list').description('One line per state row: step, table, cursor, watermark, run.')).action(
    action((output: Output, path: string, options: StateOptions) => listCommand(output, path, options, deps, false)),
  );
  common(state.command('show').description('Every field of each state row, fingerprint and time included.')).action(
    action((output: Output, path: string, options: StateOptions) => listCommand(output, path, options, deps, true)),
  );
  common(
    state
      .command('reset')
      .description('Delete state rows, so the next run reads every row (asks first, unless --yes).'),
  )
    .option('-y, --yes', 'reset without asking')
    .addHelpText(
      'after',
      `
Examples:
  osiris state list pipeline.yaml --secrets-file secrets.yaml
  osiris state reset pipeline.yaml --step orders --yes`,
    )
    .action(action((output: Output, path: string, options: StateOptions) => resetCommand(output, path, options, deps)));
}
