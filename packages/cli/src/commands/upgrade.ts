// SPDX-License-Identifier: MIT
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Command } from 'commander';
import type { Composition } from '../composition';
import { diagnosticsJson } from '../json';
import type { Output } from '../output';
import { readPipelineFile } from '../pipeline-file';
import type { Action } from '../program';
import { TRANSFORMS, type UpgradeResult, upgradePipeline } from '../upgrade/upgrade';

/**
 * Without --write, like `prettier --check`: 1 when some file has an upgrade pending. The number is the table's
 * "internal error" too; only this command, and only in check mode, means "pending" by it (its --help says so).
 */
const PENDING = ExitCode.Internal;

type Status = 'current' | 'pending' | 'upgraded' | 'error';
const statusOf = (result: UpgradeResult, write: boolean): Status =>
  result.diagnostics.length > 0 ? 'error' : !result.changed ? 'current' : write ? 'upgraded' : 'pending';

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.osiris-upgrade-${process.pid}`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `cannot write ${path}`, { cause: error });
  }
}

export function registerUpgrade(program: Command, action: Action, deps: Composition): void {
  program
    .command('upgrade')
    .description(
      'Upgrade pipeline files to the current OML: pipelines of the Python Osiris, renamed options, new defaults.',
    )
    .argument('<pipelines...>', 'pipeline files (YAML)')
    .option('--write', 'rewrite the files in place, keeping comments and key order')
    .option('--json', 'print the changes as JSON')
    .addHelpText(
      'after',
      `
Without --write nothing is written: exit 0 when every file is current, 1 when an upgrade is pending
(like prettier --check), 2 when a file cannot be upgraded (a located error: a component Osiris does not
have, credentials written inline, an option not available yet). With --write, exit 0 once written.
Running it again changes nothing.

Upgrades, applied oldest first:
${TRANSFORMS.map((t) => `  ${t.id.padEnd(20)}${t.description}`).join('\n')}`,
    )
    .action(
      action((output: Output, paths: string[], options: { write?: boolean; json?: boolean }) => {
        const write = options.write === true;
        const results = paths.map((path) => {
          const { text, file } = readPipelineFile(path, output.io.cwd);
          const result = upgradePipeline(text, file, deps.registry());
          if (write && result.changed && result.diagnostics.length === 0) {
            writeAtomically(resolve(output.io.cwd, path), result.text);
          }
          return result;
        });
        const failed = results.some((r) => r.diagnostics.length > 0);
        const pending = !write && results.some((r) => r.changed);
        if (options.json) {
          output.json({
            ok: !failed && !pending,
            write,
            files: results.map((r) => ({
              file: r.file,
              status: statusOf(r, write),
              transforms: r.transforms,
              changes: r.changes.map(({ transform, path, kind, message, line, col }) => ({
                transform,
                path,
                kind,
                message,
                line,
                col,
              })),
              diagnostics: diagnosticsJson(r.diagnostics),
            })),
          });
        } else {
          for (const result of results) {
            const status = statusOf(result, write);
            if (status === 'error') {
              output.diagnostics(result.diagnostics);
              output.err(
                output.red(
                  `✗ ${result.file}: cannot be upgraded (${result.diagnostics.length} error(s)); nothing written`,
                ),
              );
              continue;
            }
            if (status === 'current') {
              output.out(`${output.green('✓')} ${result.file} is current`);
              continue;
            }
            const dropped = result.changes.filter((c) => c.kind === 'dropped').length;
            output.out(
              `${status === 'upgraded' ? `${output.green('✓')} upgraded` : 'upgrade pending:'} ${result.file}: ${result.changes.length} change(s)${dropped > 0 ? `, ${dropped} field(s) dropped` : ''}`,
            );
            for (const change of result.changes) {
              const where = change.line === undefined ? '' : `:${change.line}`;
              output.out(`  ${change.kind.padEnd(9)} ${result.file}${where}  ${change.message}`);
            }
          }
          if (pending) output.err('Run again with --write to apply.');
        }
        return failed ? ExitCode.Validation : pending ? PENDING : ExitCode.Success;
      }),
    );
}
