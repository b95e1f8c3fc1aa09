// SPDX-License-Identifier: MIT
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSchemaValidator,
  type Diagnostic,
  OsirisError,
  OsirisErrorCode,
  parseYamlSource,
} from '@osiris/registry';
import { type EngineName, manifestSchema, type RunManifest, type StepConfig, stepConfigSchema } from './manifest';

/** What {@link readCompiled} returns: the folder `writeCompiled` wrote, checked. */
export interface CompiledFolder {
  readonly manifest: RunManifest;
  /** Step id → the step's config, for every step of the manifest. */
  readonly configs: Readonly<Record<string, StepConfig>>;
  /** The manifest as it was read, to record it byte for byte. */
  readonly manifestText: string;
}

export interface ReadCompiledOptions {
  /** The manifest's file name in the folder. Default `manifest.yaml`. */
  readonly manifest?: string;
  /** The folder as messages and diagnostics name it (e.g. relative to the working directory). Default: as given. */
  readonly label?: string;
  /** The engine names the caller can run; when given, the manifest's engine must be one of them. */
  readonly engines?: readonly EngineName[];
}

const checkManifest = createSchemaValidator(manifestSchema, { subject: 'a run manifest' });
const checkConfig = createSchemaValidator(stepConfigSchema, { subject: 'a step config' });

function invalid(message: string, diagnostics: readonly Diagnostic[], hint?: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Validation, message, {
    diagnostics,
    ...(hint === undefined ? {} : { hint }),
  });
}

function readText(path: string, file: string, what: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OsirisError(OsirisErrorCode.Validation, `${file}: cannot read ${what} (${code})`, {
      cause: error,
      hint,
    });
  }
}

/**
 * Reads a compiled folder back — the inverse of `writeCompiled`: the manifest
 * (`manifest.yaml`) and the config of each of its steps (`cfg/<id>.json`),
 * each checked against its schema (`manifestSchema`, `stepConfigSchema`), and
 * each config against its step (same id, component and mode). The only
 * function of the compiler besides `writeCompiled` that touches the file
 * system, and only to read.
 *
 * Throws an `OsirisError` (Validation, exit 2) naming the file for a file it
 * cannot read, and with located diagnostics (`file`, `line`, `col`) for one
 * that does not validate.
 *
 * @example
 * const { manifest, configs } = readCompiled('build');
 */
export function readCompiled(dir: string, options: ReadCompiledOptions = {}): CompiledFolder {
  const label = options.label ?? dir;
  const manifestName = options.manifest ?? 'manifest.yaml';
  const file = join(label, manifestName);
  const folderHint = 'Run the folder `osiris compile` wrote, with cfg/ beside manifest.yaml.';
  const manifestText = readText(join(dir, manifestName), file, 'the run manifest', folderHint);
  const source = parseYamlSource(manifestText, file);
  if (source.diagnostics.length > 0) throw invalid(`${file} is not a valid run manifest`, source.diagnostics);
  const located = (diagnostic: Diagnostic) => ({ ...diagnostic, file, ...source.positionOf(diagnostic.pointer) });
  const problems = checkManifest(source.value).map(located);
  if (problems.length > 0) throw invalid(`${file} is not a valid run manifest`, problems);
  const manifest = source.value as RunManifest;
  const { engine } = manifest.execution;
  if (options.engines !== undefined && !options.engines.includes(engine)) {
    const pointer = '/execution/engine';
    throw invalid(
      `${file}: the engine "${engine}" is not one of ${options.engines.join(', ')}`,
      [
        located({
          path: 'execution.engine',
          pointer,
          rule: 'enum',
          severity: 'error',
          message: `unknown engine "${engine}"`,
          why: 'a manifest runs on an engine this program has',
          fix: `set execution.engine to one of: ${options.engines.join(', ')}`,
        }),
      ],
      `Compile the pipeline again with --engine, or run it with --engine ${options.engines[0]}.`,
    );
  }

  const configs: Record<string, StepConfig> = {};
  for (const step of manifest.steps) {
    const cfgFile = join(label, step.cfg);
    const text = readText(join(dir, step.cfg), cfgFile, `the config of step ${step.id}`, folderHint);
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch (error) {
      throw new OsirisError(OsirisErrorCode.Validation, `${cfgFile}: cannot read the config of step ${step.id}`, {
        cause: error,
        hint: folderHint,
      });
    }
    const configProblems = checkConfig(config).map((diagnostic) => ({ ...diagnostic, file: cfgFile }));
    if (configProblems.length > 0) throw invalid(`${cfgFile} is not a valid step config`, configProblems);
    const stepConfig = config as StepConfig;
    if (stepConfig.id !== step.id || stepConfig.component !== step.component || stepConfig.mode !== step.mode) {
      throw invalid(
        `${cfgFile} does not match step ${step.id} of the manifest`,
        [],
        'Compile the pipeline again; the manifest and its configs must come from the same compile.',
      );
    }
    configs[step.id] = stepConfig;
  }
  return { manifest, configs, manifestText };
}
