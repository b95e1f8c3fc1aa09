// SPDX-License-Identifier: MIT
import {
  canonicalJson,
  type Diagnostic,
  fingerprintOf,
  hasErrors,
  OsirisError,
  OsirisErrorCode,
  type Registry,
  sortKeys,
  YAML_LIMITS,
} from '@osiris/registry';
import { stringify } from 'yaml';
import { ENGINE_NAME_PATTERN, type EngineName, type ManifestStep, type RunManifest, type StepConfig } from './manifest';
import type { ParamValue } from './params';
import { analyseOml, parseOml, type ResolvedStep, type ValidationMode } from './validate';

export interface CompileOptions {
  readonly registry: Registry;
  /** `--param` overrides, already parsed as YAML scalars. */
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly mode?: ValidationMode;
  /** The engine recorded in the manifest. Default `local`. */
  readonly engine?: EngineName;
  /**
   * The engine names the caller can run (the CLI passes the names of its
   * engines). When given, `engine` must be one of them; when not, any
   * well-formed name is recorded.
   */
  readonly engines?: readonly EngineName[];
  /** The pipeline's file name, for diagnostics (only when `input` is text). */
  readonly file?: string;
}

export interface CompileResult {
  /** Undefined when a diagnostic is an error. */
  readonly manifest: RunManifest | undefined;
  /** Step id → the step's config (`cfg/<id>.json`). */
  readonly configs: Readonly<Record<string, StepConfig>>;
  readonly diagnostics: readonly Diagnostic[];
}

const MEMO_SIZE = 64;
const memo = new WeakMap<Registry, Map<string, CompileResult>>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

function configOf(resolved: ResolvedStep): StepConfig {
  const { step } = resolved;
  return {
    id: step.id,
    component: step.type,
    mode: step.mode,
    connection: step.connection,
    options: sortKeys(resolved.options) as Record<string, unknown>,
  };
}

/** The engine recorded when the caller names none. */
const DEFAULT_ENGINE = 'local';
const ENGINE_NAME = new RegExp(ENGINE_NAME_PATTERN);
const MODES: readonly ValidationMode[] = ['warn', 'strict', 'off'];

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function oneOf(values: readonly string[]): string {
  const quoted = values.map((value) => `"${value}"`);
  if (quoted.length === 1) return quoted[0] as string;
  return `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** The engine is a well-formed name, and one of `engines` when the caller passes them. */
function checkEngine(engine: unknown, engines: unknown, refuse: (message: string, hint: string) => OsirisError): void {
  if (engines !== undefined) {
    if (!Array.isArray(engines) || engines.length === 0 || !engines.every((name) => typeof name === 'string')) {
      throw refuse(
        `options.engines must be a non-empty list of engine names, not ${describeValue(engines)}`,
        'Pass the names of the engines you can run, e.g. ["local", "e2b"], or leave it out.',
      );
    }
  }
  if (engine !== undefined && (typeof engine !== 'string' || !ENGINE_NAME.test(engine))) {
    throw refuse(
      `options.engine must be an engine name (lower-case letters, digits, "_" and "-"), not ${JSON.stringify(engine) ?? describeValue(engine)}`,
      `Leave it out for "${DEFAULT_ENGINE}".`,
    );
  }
  const name = (engine as string | undefined) ?? DEFAULT_ENGINE;
  if (engines !== undefined && !(engines as readonly string[]).includes(name)) {
    throw refuse(
      `options.engine must be ${oneOf(engines as readonly string[])}, not "${name}"${engine === undefined ? ' (the default)' : ''}`,
      'Name one of the engines that can run the manifest.',
    );
  }
}

/** The checks TypeScript makes for TypeScript callers, for plain JavaScript ones (build scripts, other tools). */
function checkArguments(input: unknown, options: unknown): asserts options is CompileOptions {
  const refuse = (message: string, hint: string) =>
    new OsirisError(OsirisErrorCode.Validation, `compile(input, options): ${message}`, { hint });
  if (typeof input !== 'string' && (input === null || typeof input !== 'object')) {
    throw refuse(
      `a pipeline is OML text or a parsed object, not ${describeValue(input)}`,
      'Pass the text of a pipeline file.',
    );
  }
  const given = (options ?? {}) as Record<string, unknown>;
  const registry = given.registry as Partial<Registry> | undefined;
  if (typeof registry?.validateStep !== 'function' || typeof registry.fingerprint !== 'function') {
    throw refuse('options.registry must be a registry', "Pass { registry: loadRegistry() } from '@osiris/registry'.");
  }
  const mode = given.mode;
  if (mode !== undefined && !(MODES as readonly unknown[]).includes(mode)) {
    throw refuse(
      `options.mode must be ${oneOf(MODES)}, not ${JSON.stringify(mode) ?? describeValue(mode)}`,
      `Leave it out for "${MODES[0]}".`,
    );
  }
  checkEngine(given.engine, given.engines, refuse);
  if (given.file !== undefined && typeof given.file !== 'string') {
    throw refuse(
      `options.file must be text, not ${describeValue(given.file)}`,
      'Pass the file name used in diagnostics.',
    );
  }
  const params = given.params;
  if (params === undefined) return;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw refuse(
      `options.params must be a mapping of names to values, not ${describeValue(params)}`,
      'For example { chunk_size: 10000 }.',
    );
  }
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw refuse(
        `options.params.${name} must be text, a number, true/false or null, not ${describeValue(value)}`,
        'Params are scalars.',
      );
    }
  }
}

/**
 * Compiles a pipeline (OML text or a parsed object) into a Run Manifest and
 * one config per step. Pure and deterministic: the same OML, params and
 * registry give the same result, byte for byte once rendered. Results are
 * memoised on the pipeline's fingerprint and frozen.
 *
 * @example
 * const { manifest, configs, diagnostics } = compile(text, { registry: loadRegistry() });
 */
export function compile(input: string | object, options: CompileOptions): CompileResult {
  checkArguments(input, options);
  if (typeof input === 'string' && input.length > YAML_LIMITS.maxBytes) {
    // Refused unread by parseOml; not worth hashing for the memo first.
    const { diagnostics } = parseOml(input, options.file === undefined ? {} : { file: options.file });
    return { manifest: undefined, configs: {}, diagnostics };
  }
  // Text is keyed by itself (line numbers in diagnostics depend on it), objects by their canonical form.
  const inputFingerprint = fingerprintOf(input);
  const key = canonicalJson([
    inputFingerprint,
    options.params ?? {},
    options.mode ?? 'warn',
    options.engine ?? DEFAULT_ENGINE,
    options.file ?? '',
  ]);
  let cache = memo.get(options.registry);
  const hit = cache?.get(key);
  if (hit) return hit;

  let oml: unknown = input;
  if (typeof input === 'string') {
    const parsed = parseOml(input, options.file === undefined ? {} : { file: options.file });
    if (parsed.diagnostics.length > 0) return { manifest: undefined, configs: {}, diagnostics: parsed.diagnostics };
    oml = parsed.oml;
  }
  const omlFingerprint = typeof input === 'string' ? fingerprintOf(oml) : inputFingerprint;

  const analysis = analyseOml(oml, {
    registry: options.registry,
    ...(options.mode === undefined ? {} : { mode: options.mode }),
    ...(options.params === undefined ? {} : { params: options.params }),
  });
  let result: CompileResult;
  if (hasErrors(analysis.diagnostics)) {
    result = { manifest: undefined, configs: {}, diagnostics: analysis.diagnostics };
  } else {
    const steps: ManifestStep[] = [];
    const configs: Record<string, StepConfig> = {};
    const onlySource = analysis.sources.length === 1 ? analysis.sources[0]?.step.id : undefined;
    for (const source of analysis.sources) {
      configs[source.step.id] = configOf(source);
      steps.push({
        id: source.step.id,
        component: source.step.type,
        component_version: source.componentVersion,
        mode: source.step.mode,
        cfg: `cfg/${source.step.id}.json`,
        produces: 'tabular',
      });
    }
    for (const sink of analysis.sinks) {
      configs[sink.step.id] = configOf(sink);
      const from = sink.step.from ?? onlySource;
      steps.push({
        id: sink.step.id,
        component: sink.step.type,
        component_version: sink.componentVersion,
        mode: sink.step.mode,
        cfg: `cfg/${sink.step.id}.json`,
        consumes: 'tabular',
        ...(from === undefined ? {} : { needs: [from] }),
      });
    }
    const manifest: RunManifest = {
      apiVersion: 'osiris.v1',
      kind: 'RunManifest',
      pipeline: String((oml as { name: unknown }).name),
      fingerprints: { oml: omlFingerprint, registry: options.registry.fingerprint() },
      steps,
      execution: {
        engine: options.engine ?? DEFAULT_ENGINE,
        params: sortKeys(maskParams(analysis.params, analysis.secretParams)) as Record<string, ParamValue>,
      },
    };
    result = { manifest, configs, diagnostics: analysis.diagnostics };
  }

  deepFreeze(result);
  if (!cache) {
    cache = new Map();
    memo.set(options.registry, cache);
  }
  if (cache.size >= MEMO_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, result);
  return result;
}

/** Params that feed an inline secret show the mask, like the secret. */
function maskParams(params: Readonly<Record<string, ParamValue>>, secret: ReadonlySet<string>) {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, secret.has(name) ? '***' : value]));
}

/** The manifest as YAML text, exactly as `writeCompiled` writes it. */
export function renderManifest(manifest: RunManifest): string {
  return stringify(manifest, { lineWidth: 0, indent: 2, sortMapEntries: false });
}

/** A step config as JSON text (sorted keys, two spaces, final newline). */
export function renderStepConfig(config: StepConfig): string {
  return `${canonicalJson(config, 2)}\n`;
}

/** Relative path → file content of a compile result: `manifest.yaml` and `cfg/<id>.json`. */
export function renderCompiled(result: CompileResult): Map<string, string> {
  const files = new Map<string, string>();
  if (!result.manifest) return files;
  files.set('manifest.yaml', renderManifest(result.manifest));
  for (const step of result.manifest.steps) {
    const config = result.configs[step.id];
    if (config) files.set(step.cfg, renderStepConfig(config));
  }
  return files;
}
