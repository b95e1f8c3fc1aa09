// SPDX-License-Identifier: MIT
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { manifestSchema, omlSchema, stepConfigSchema } from '@osiris/compiler';
import { canonicalJson, loadSpecSchema, OsirisError, OsirisErrorCode } from '@osiris/registry';
import { envelopeSchema } from '@osiris/runner';
import type { Command } from 'commander';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import type { Output } from '../output';
import type { Action } from '../program';

const kinds = ['oml', 'manifest', 'step-config', 'spec', 'envelope'] as const;

export function registerSchema(program: Command, action: Action, deps: Composition): void {
  program
    .command('schema')
    .description(
      'Print a JSON Schema: oml (pipeline files, with every component inlined), manifest, step-config, spec or envelope.',
    )
    .argument('<kind>', kinds.join(' | '))
    .option('-o, --out <file>', 'write it to a file instead of stdout')
    .addHelpText(
      'after',
      `
Editors: point yaml-language-server at the OML schema to complete and check pipeline files:
  osiris schema oml --out .osiris/oml.schema.json          (once, at the root of the project)
  VS Code, .vscode/settings.json, pipelines in any folder:
    "yaml.schemas": { "./.osiris/oml.schema.json": ["pipelines/**/*.yaml", "**/pipeline.yaml"] }
  or a first line in one file, relative to that file's folder (here pipelines/orders.yaml):
    # yaml-language-server: $schema=../.osiris/oml.schema.json
  More in docs/reference/oml.md (Editor support).`,
    )
    .action(
      action((output: Output, kind: string, options: { out?: string }) => {
        const registry = deps.registry();
        const schemas: Record<(typeof kinds)[number], () => object> = {
          oml: () => omlSchema(registry),
          manifest: () => manifestSchema,
          'step-config': () => stepConfigSchema,
          spec: () => loadSpecSchema(),
          envelope: () => envelopeSchema,
        };
        if (!(kinds as readonly string[]).includes(kind)) {
          throw new OsirisError(
            OsirisErrorCode.Validation,
            `unknown schema "${kind}"; use one of: ${kinds.join(', ')}`,
          );
        }
        const text = `${canonicalJson(schemas[kind as (typeof kinds)[number]](), 2)}\n`;
        if (options.out === undefined) {
          output.io.stdout.write(text);
          return ExitCode.Success;
        }
        const target = resolve(output.io.cwd, options.out);
        try {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, text);
        } catch (error) {
          throw new OsirisError(OsirisErrorCode.Config, `cannot write ${options.out}`, { cause: error });
        }
        output.err(`${output.green('✓')} wrote the ${kind} schema to ${options.out}`);
        return ExitCode.Success;
      }),
    );
}
