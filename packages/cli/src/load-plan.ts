// SPDX-License-Identifier: MIT
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type CompileResult,
  compile,
  type EngineName,
  manifestSchema,
  type RunManifest,
  type StepConfig,
  stepConfigSchema,
} from '@osiris/compiler';
import {
  createSchemaValidator,
  type Diagnostic,
  OsirisError,
  OsirisErrorCode,
  parseYamlSource,
  type Registry,
} from '@osiris/registry';
import type { Output } from './output';
import { readPipelineFile } from './pipeline-file';
import { parseParams, validationMode } from './settings';

export interface Plan {
  readonly manifest: RunManifest;
  readonly configs: Readonly<Record<string, StepConfig>>;
  readonly file: string;
  readonly fromManifest: boolean;
}

const checkManifest = createSchemaValidator(manifestSchema, { subject: 'a run manifest' });
const checkConfig = createSchemaValidator(stepConfigSchema, { subject: 'a step config' });

function fail(message: string, diagnostics: readonly Diagnostic[]): never {
  throw new OsirisError(OsirisErrorCode.Validation, message, { diagnostics });
}

/**
 * What `osiris run` runs: a compiled manifest (with its `cfg/` beside it), or
 * a pipeline file compiled on the spot with the given params, mode and engine.
 */
export function loadPlan(
  output: Output,
  registry: Registry,
  path: string,
  options: { mode?: string; param: string[]; engine?: EngineName },
): Plan {
  const { text, file } = readPipelineFile(path, output.io.cwd);
  const source = parseYamlSource(text, file);
  const kind = (source.value as { kind?: unknown } | undefined)?.kind;
  if (kind !== 'RunManifest') {
    const result: CompileResult = compile(text, {
      registry,
      file,
      mode: validationMode(options.mode, output.io.env),
      params: parseParams(options.param),
      engine: options.engine ?? 'local',
    });
    if (!result.manifest) fail(`${file} did not compile`, result.diagnostics);
    output.diagnostics(result.diagnostics);
    return { manifest: result.manifest, configs: result.configs, file, fromManifest: false };
  }

  if (options.param.length > 0) {
    throw new OsirisError(OsirisErrorCode.Validation, '--param applies to pipeline files, not to compiled manifests', {
      hint: 'Recompile the pipeline with the params (osiris compile … --param k=v), or run the pipeline file.',
    });
  }
  const problems = checkManifest(source.value).map((d) => ({ ...d, file, ...source.positionOf(d.pointer) }));
  if (problems.length > 0) fail(`${file} is not a valid run manifest`, problems);
  const compiled = source.value as RunManifest;
  const engine = options.engine ?? compiled.execution.engine;
  const manifest: RunManifest = { ...compiled, execution: { ...compiled.execution, engine } };
  const configs: Record<string, StepConfig> = {};
  for (const step of manifest.steps) {
    const cfgFile = join(dirname(file), step.cfg);
    let config: unknown;
    try {
      config = JSON.parse(readFileSync(join(output.io.cwd, cfgFile), 'utf8'));
    } catch (error) {
      throw new OsirisError(OsirisErrorCode.Validation, `${cfgFile}: cannot read the config of step ${step.id}`, {
        cause: error,
        hint: 'Run the folder `osiris compile` wrote, with cfg/ beside manifest.yaml.',
      });
    }
    const configProblems = checkConfig(config).map((d) => ({ ...d, file: cfgFile }));
    if (configProblems.length > 0) fail(`${cfgFile} is not a valid step config`, configProblems);
    const stepConfig = config as StepConfig;
    // A compiled config may have been edited by hand: it gets the same component checks as a pipeline.
    const checked = registry.validateStep({ ...stepConfig, type: stepConfig.component });
    const errors = checked.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ ...d, file: cfgFile }));
    if (errors.length > 0 || stepConfig.id !== step.id || stepConfig.component !== step.component) {
      fail(`${cfgFile} does not match step ${step.id} of the manifest`, errors);
    }
    configs[step.id] = stepConfig;
  }
  return { manifest, configs, file, fromManifest: true };
}
