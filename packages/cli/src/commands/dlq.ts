// SPDX-License-Identifier: MIT
import { resolve } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import {
  dlqDirOf,
  dropDeadLetter,
  listDeadLetters,
  osirisPaths,
  type ReplayContext,
  type ReplayReport,
  readDeadLetter,
  replayDeadLetter,
  type StoredDeadLetter,
  superviseRun,
} from '@osiris/runner';
import type { Command } from 'commander';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import { loadPlan } from '../load-plan';
import { displayPath, type Output, table } from '../output';
import type { Action } from '../program';
import { environmentRedactor } from '../supervise';

interface DlqOptions {
  runsDir?: string;
  json?: boolean;
}

function dlqDir(output: Output, options: DlqOptions): string {
  const { runsDir } = osirisPaths({
    env: output.io.env,
    cwd: output.io.cwd,
    ...(options.runsDir ? { runsDir: options.runsDir } : {}),
  });
  return dlqDirOf(runsDir);
}

const payload = (item: StoredDeadLetter) => item.envelope.payload as Record<string, unknown>;
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : '-');

/** One item of `osiris dlq list --json`. */
function itemJson(item: StoredDeadLetter) {
  const body = payload(item);
  const error = body.error as { code?: string; message?: string; sqlstate?: string } | undefined;
  return {
    id: item.id,
    path: item.path,
    topic: item.dlq.topic,
    kind: body.kind,
    status: item.dlq.status,
    dead_lettered_at: item.dlq.dead_lettered_at,
    run_id: body.run_id ?? null,
    step: body.step ?? null,
    error: error ?? null,
    replay_run_id: item.dlq.replay_run_id ?? null,
  };
}

function reportJson(report: ReplayReport) {
  return {
    id: report.id,
    outcome: report.outcome,
    run_id: report.runId ?? null,
    exit_code: report.exitCode,
    ...(report.error === undefined ? {} : { error: report.error }),
  };
}

export function registerDlq(program: Command, action: Action, deps: Composition): void {
  const dlq = program
    .command('dlq')
    .description('The dead-letter queue: failed validations, failed steps and rejected rows, kept to be replayed.')
    .addHelpText(
      'after',
      `
Items live in <root>/dlq/<topic>/<envelope-id>.json beside <root>/runs ($OSIRIS_HOME, else .osiris; or beside
--runs-dir). Each holds the full envelope: the manifest fingerprint, the step, the error (code, message, SQLSTATE)
and what a replay needs; connections stay @references, never secrets. More in docs/how-to/dead-letter-queue.md.

Examples:
  osiris dlq list
  osiris dlq show e_20261206T061500123Z_0000_3f9a1c
  osiris dlq replay e_20261206T061500123Z_0000_3f9a1c --secrets-file secrets.yaml
  osiris dlq replay --all
  osiris dlq drop e_20261206T061500123Z_0000_3f9a1c`,
    );
  const runsDirOption = [
    '--runs-dir <dir>',
    'runs folder whose sibling dlq/ to use (default $OSIRIS_HOME/runs)',
  ] as const;

  dlq
    .command('list')
    .description('Every item, oldest first: id, topic, kind, status, run, step and error.')
    .option(...runsDirOption)
    .option('--json', 'print JSON')
    .action(
      action(async (output: Output, options: DlqOptions) => {
        const dir = dlqDir(output, options);
        const items = await listDeadLetters(dir);
        if (options.json) {
          output.json(items.map(itemJson));
          return ExitCode.Success;
        }
        if (items.length === 0) {
          output.err(`no dead letters in ${displayPath(output.io.cwd, dir)}`);
          return ExitCode.Success;
        }
        const rows = [['ID', 'TOPIC', 'KIND', 'STATUS', 'RUN', 'STEP', 'ERROR']];
        for (const item of items) {
          const json = itemJson(item);
          const status = item.dlq.status === 'replayed' ? `replayed (${item.dlq.replay_run_id})` : item.dlq.status;
          rows.push([
            item.id,
            json.topic,
            text(json.kind),
            status,
            text(json.run_id),
            text(json.step),
            text(json.error?.message).slice(0, 80),
          ]);
        }
        for (const line of table(rows)) output.out(line);
        return ExitCode.Success;
      }),
    );

  dlq
    .command('show')
    .description('One item as JSON: its record (status, replays) and its full envelope.')
    .argument('<id>', 'an item id from osiris dlq list')
    .option(...runsDirOption)
    .action(
      action(async (output: Output, id: string, options: DlqOptions) => {
        const item = await readDeadLetter(dlqDir(output, options), id);
        output.json({ id: item.id, path: item.path, dlq: item.dlq, envelope: item.envelope });
        return ExitCode.Success;
      }),
    );

  dlq
    .command('replay')
    .description('Run the failed unit again with today’s files and secrets; a replayed item is not run twice.')
    .argument('[id]', 'an item id from osiris dlq list')
    .option('--all', 'replay every pending item, oldest first')
    .option(
      '--secrets-file <file>',
      'YAML with connections: { <name>: { <field>: value } }; beats OSIRIS_CONN__* variables',
    )
    .option(...runsDirOption)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
A validation item reads its pipeline file again (fix it first); a step item runs the failed step's pipe (its
source and sink) from the manifest and configs kept in the item. On success the item is marked replayed with
the new run id; replaying it again does nothing. A failed replay leaves it pending, with the attempt recorded.
Exit code: the replayed run's (the worst one with --all).`,
    )
    .action(
      action(
        async (
          output: Output,
          id: string | undefined,
          options: DlqOptions & { all?: boolean; secretsFile?: string },
        ) => {
          if ((id === undefined) === (options.all !== true)) {
            throw new OsirisError(OsirisErrorCode.Validation, 'name one item to replay, or pass --all', {
              hint: 'osiris dlq replay <id>, or osiris dlq replay --all',
            });
          }
          const dir = dlqDir(output, options);
          const items =
            id === undefined
              ? (await listDeadLetters(dir)).filter((item) => item.dlq.status === 'pending')
              : [await readDeadLetter(dir, id)];
          const context = replayContext(output, deps, options);
          const reports: ReplayReport[] = [];
          let exitCode: number = ExitCode.Success;
          for (const item of items) {
            const report = await replayDeadLetter(item, context);
            reports.push(report);
            if (report.exitCode !== ExitCode.Success && exitCode === ExitCode.Success) exitCode = report.exitCode;
            if (options.json) continue;
            if (report.outcome === 'already') output.out(`${item.id}: already replayed in run ${report.runId ?? '-'}`);
            else if (report.outcome === 'succeeded')
              output.out(`${output.green('✓')} ${item.id}: replayed in run ${report.runId}`);
            else
              output.err(
                `${output.red('✗')} ${item.id}: replay ${report.outcome} in run ${report.runId}: ${report.error ?? 'see the run log'}`,
              );
          }
          if (options.json) output.json(reports.map(reportJson));
          else if (items.length === 0) output.err('nothing to replay');
          return exitCode;
        },
      ),
    );

  dlq
    .command('drop')
    .description('Remove an item (once it is handled, or not worth replaying).')
    .argument('<id>', 'an item id from osiris dlq list')
    .option(...runsDirOption)
    .option('--json', 'print JSON')
    .action(
      action(async (output: Output, id: string, options: DlqOptions) => {
        const item = await dropDeadLetter(dlqDir(output, options), id);
        if (options.json) output.json({ id: item.id, dropped: true, path: item.path });
        else output.out(`dropped ${item.id}`);
        return ExitCode.Success;
      }),
    );
}

/** How a replay runs: the engines, registry and connectors of this command line, the paths and secrets given. */
function replayContext(
  output: Output,
  deps: Composition,
  options: DlqOptions & { secretsFile?: string },
): ReplayContext {
  const { io } = output;
  const registry = deps.registry();
  const { runsDir } = osirisPaths({
    env: io.env,
    cwd: io.cwd,
    ...(options.runsDir ? { runsDir: options.runsDir } : {}),
  });
  return {
    redactor: environmentRedactor(io.env),
    registry,
    env: io.env,
    runsDir,
    ...(options.secretsFile === undefined ? {} : { secretsFile: resolve(io.cwd, options.secretsFile) }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    load: ({ file, params, mode }) =>
      loadPlan(output, registry, file, {
        param: [...params],
        engines: deps.engineNames,
        ...(mode === undefined ? {} : { mode }),
      }),
    connectors: async () => (await deps.connectors()).list,
    run: async ({ manifest, configs, correlationId, replayOf, origin, engine: replayEngine }) => {
      const factory = deps.engines[manifest.execution.engine];
      if (replayEngine === undefined && factory === undefined) {
        throw new OsirisError(OsirisErrorCode.Config, `no engine ${manifest.execution.engine} in this build`, {
          hint: `Engines: ${deps.engineNames.join(', ')}.`,
        });
      }
      const engine =
        replayEngine ??
        (await (factory as NonNullable<typeof factory>)({
          env: io.env,
          connectors: (await deps.connectors()).list,
          output: { write: (line: string) => io.stderr.write(output.redact(line)) },
        }));
      return superviseRun({
        manifest,
        configs,
        engine,
        registry,
        runsDir,
        env: io.env,
        correlationId,
        replayOf,
        origin,
        deadLetters: false,
        ...(options.secretsFile === undefined ? {} : { secretsFile: resolve(io.cwd, options.secretsFile) }),
        ...(io.signal === undefined ? {} : { signal: io.signal }),
      });
    },
  };
}
