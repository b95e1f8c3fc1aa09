// SPDX-License-Identifier: MIT
import { basename, dirname, join, resolve } from 'node:path';
import {
  type CompileResult,
  compile,
  type ParamValue,
  type RunManifest,
  readCompiled,
  type StepConfig,
} from '@osiris/compiler';
import { type Diagnostic, OsirisError, OsirisErrorCode, parseYamlSource, type Registry } from '@osiris/registry';
import type { Output } from './output';
import { readPipelineFile } from './pipeline-file';
import { parseParams, validationMode } from './settings';

export interface Plan {
  readonly manifest: RunManifest;
  readonly configs: Readonly<Record<string, StepConfig>>;
  readonly file: string;
  readonly fromManifest: boolean;
}

function fail(message: string, diagnostics: readonly Diagnostic[]): never {
  throw new OsirisError(OsirisErrorCode.Validation, message, { diagnostics });
}

/**
 * What `osiris run` runs: a compiled manifest (with its `cfg/` beside it), or
 * a pipeline file compiled on the spot with the given params, mode and engine.
 * `engines` are the engine names the command line can run.
 */
export function loadPlan(
  output: Output,
  registry: Registry,
  path: string,
  options: { mode?: string; param: string[]; engine?: string; engines: readonly string[] },
): Plan {
  const { text, file } = readPipelineFile(path, output.io.cwd);
  return planFromText(output, registry, text, file, options);
}

/**
 * {@link loadPlan} of text already read: `file` names it in messages, and a compiled manifest's `cfg/` is
 * looked for beside it (`osiris mcp` passes OML text it was given, named `<input>`).
 */
export function planFromText(
  output: Output,
  registry: Registry,
  text: string,
  file: string,
  options: {
    mode?: string;
    param: string[];
    params?: Record<string, ParamValue>;
    engine?: string;
    engines: readonly string[];
  },
): Plan {
  const source = parseYamlSource(text, file);
  const kind = (source.value as { kind?: unknown } | undefined)?.kind;
  if (kind !== 'RunManifest') {
    const result: CompileResult = compile(text, {
      registry,
      file,
      mode: validationMode(options.mode, output.io.env),
      params: { ...parseParams(options.param), ...options.params },
      engines: options.engines,
      ...(options.engine === undefined ? {} : { engine: options.engine }),
    });
    if (!result.manifest) fail(`${file} did not compile`, result.diagnostics);
    output.diagnostics(result.diagnostics);
    return { manifest: result.manifest, configs: result.configs, file, fromManifest: false };
  }

  if (options.param.length > 0 || Object.keys(options.params ?? {}).length > 0) {
    throw new OsirisError(OsirisErrorCode.Validation, '--param applies to pipeline files, not to compiled manifests', {
      hint: 'Recompile the pipeline with the params (osiris compile … --param k=v), or run the pipeline file.',
    });
  }
  // An --engine given here beats the one the manifest records; without one, the manifest's must be one we have.
  const compiled = readCompiled(resolve(output.io.cwd, dirname(file)), {
    manifest: basename(file),
    label: dirname(file),
    ...(options.engine === undefined ? { engines: options.engines } : {}),
  });
  const engine = options.engine ?? compiled.manifest.execution.engine;
  const manifest: RunManifest = { ...compiled.manifest, execution: { ...compiled.manifest.execution, engine } };
  for (const step of manifest.steps) {
    // A compiled config may have been edited by hand: it gets the same component checks as a pipeline.
    const stepConfig = compiled.configs[step.id] as StepConfig;
    const cfgFile = join(dirname(file), step.cfg);
    const checked = registry.validateStep({ ...stepConfig, type: stepConfig.component });
    const errors = checked.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ ...d, file: cfgFile }));
    if (errors.length > 0) fail(`${cfgFile} does not match step ${step.id} of the manifest`, errors);
  }
  return { manifest, configs: compiled.configs, file, fromManifest: true };
}
