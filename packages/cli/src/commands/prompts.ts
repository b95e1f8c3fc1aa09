// SPDX-License-Identifier: MIT
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildContext, contextSize, renderContext } from '@osiris/context';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Command } from 'commander';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import type { Output } from '../output';
import type { Action } from '../program';

export function registerPrompts(program: Command, action: Action, deps: Composition): void {
  const prompts = program.command('prompts').description('Build what the chat agent gives the model.');
  prompts
    .command('build-context')
    .description('Write the compact LLM context of the components (rebuilt only when a spec changes).')
    .option('-o, --out <file>', 'where to write it', '.osiris_prompts/context.json')
    .option('--force', 'rebuild even when the specs have not changed')
    .option('--json', 'print a JSON summary')
    .action(
      action((output: Output, options: { out: string; force?: boolean; json?: boolean }) => {
        const registry = deps.registry();
        const target = resolve(output.io.cwd, options.out);
        const fingerprint = registry.fingerprint();
        let text: string | undefined;
        if (!options.force && existsSync(target)) {
          const existing = readFileSync(target, 'utf8');
          // The file carries the fingerprint of the specs it was built from: that is the cache key.
          if ((JSON.parse(existing) as { registry?: string }).registry === fingerprint) text = existing;
        }
        const cached = text !== undefined;
        if (text === undefined) {
          text = `${renderContext(buildContext(registry))}\n`;
          try {
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, text);
          } catch (error) {
            throw new OsirisError(OsirisErrorCode.Config, `cannot write ${options.out}`, { cause: error });
          }
        }
        const size = contextSize(text);
        if (options.json) output.json({ out: options.out, cached, fingerprint, ...size });
        else {
          output.out(
            `${output.green('✓')} ${options.out}: ${size.bytes} bytes, ~${size.tokens} tokens (${cached ? 'up to date, reused' : 'rebuilt'})`,
          );
        }
        return ExitCode.Success;
      }),
    );
}
