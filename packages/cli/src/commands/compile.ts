// SPDX-License-Identifier: MIT
import { resolve } from 'node:path';
import { compile, writeCompiled } from '@osiris/compiler';
import { hasErrors } from '@osiris/registry';
import { type Command, Option } from 'commander';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import { diagnosticsJson } from '../json';
import { countLabel, type Output } from '../output';
import { readPipelineFile } from '../pipeline-file';
import type { Action } from '../program';
import { collect, compileEngine, parseParams, validationMode } from '../settings';

interface PipelineOptions {
  mode?: string;
  param: string[];
  json?: boolean;
}

const modeOption = () =>
  new Option('--mode <mode>', 'validation mode (env OSIRIS_VALIDATION, default warn)').choices([
    'warn',
    'strict',
    'off',
  ]);
const paramOption = () =>
  new Option('-p, --param <name=value>', 'override a declared param (repeatable)').argParser(collect).default([]);

function compilePipeline(output: Output, path: string, options: PipelineOptions, deps: Composition, engine?: string) {
  const { text, file } = readPipelineFile(path, output.io.cwd);
  const result = compile(text, {
    registry: deps.registry(),
    file,
    mode: validationMode(options.mode, output.io.env),
    params: parseParams(options.param),
    engines: deps.engineNames,
    ...(engine === undefined ? {} : { engine }),
  });
  return { result, file };
}

export function registerCompile(program: Command, action: Action, deps: Composition): void {
  program
    .command('validate')
    .description('Check a pipeline file against its components; explain every problem.')
    .argument('<pipeline>', 'pipeline file (OML)')
    .addOption(modeOption())
    .addOption(paramOption())
    .option('--json', 'print the diagnostics as JSON')
    .action(
      action((output: Output, path: string, options: PipelineOptions) => {
        const { result, file } = compilePipeline(output, path, options, deps);
        const failed = hasErrors(result.diagnostics);
        if (options.json) {
          output.json({ ok: !failed, file, diagnostics: diagnosticsJson(result.diagnostics) });
        } else {
          output.diagnostics(result.diagnostics);
          if (failed) output.err(output.red(`✗ ${file}: ${countLabel(result.diagnostics)}`));
          else {
            const steps = result.manifest?.steps.length ?? 0;
            const note = result.diagnostics.length > 0 ? ` (${countLabel(result.diagnostics)})` : '';
            output.out(`${output.green('✓')} ${file} is valid: ${steps} step(s)${note}`);
          }
        }
        return failed ? ExitCode.Validation : ExitCode.Success;
      }),
    );

  program
    .command('compile')
    .description('Compile a pipeline into a canonical Run Manifest and one config per step.')
    .argument('<pipeline>', 'pipeline file (OML)')
    .requiredOption('-o, --out <dir>', 'folder for manifest.yaml and cfg/<step>.json')
    .addOption(modeOption())
    .addOption(paramOption())
    .addOption(
      new Option('--engine <engine>', 'engine recorded in the manifest (env OSIRIS_ENGINE, default local)').choices(
        deps.engineNames,
      ),
    )
    .option('--json', 'print the result as JSON')
    .action(
      action((output: Output, path: string, options: PipelineOptions & { out: string; engine?: string }) => {
        const engine = compileEngine(options.engine, output.io.env, deps.engineNames);
        const { result, file } = compilePipeline(output, path, options, deps, engine);
        if (!options.json) output.diagnostics(result.diagnostics);
        if (!result.manifest) {
          if (options.json) output.json({ ok: false, file, diagnostics: diagnosticsJson(result.diagnostics) });
          else output.err(output.red(`✗ ${file}: ${countLabel(result.diagnostics)}; nothing written`));
          return ExitCode.Validation;
        }
        const written = writeCompiled(resolve(output.io.cwd, options.out), result);
        if (options.json) {
          output.json({
            ok: true,
            file,
            out: options.out,
            files: written,
            fingerprints: result.manifest.fingerprints,
            diagnostics: diagnosticsJson(result.diagnostics),
          });
        } else {
          output.out(`${output.green('✓')} compiled ${file} → ${options.out}/ (${written.join(', ')})`);
        }
        return ExitCode.Success;
      }),
    );
}
