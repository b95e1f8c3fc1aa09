// SPDX-License-Identifier: MIT
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { fingerprintOf } from './canonical';
import { checkConstraints } from './constraints';
import { type Diagnostic, hasErrors, joinPointer, pointerToPath, valueAt } from './diagnostics';
import { OsirisError, OsirisErrorCode } from './errors';
import { friendlyErrors } from './friendly';
import { compileSchema, sharedAjv } from './schema-validator';
import type { ComponentSpec, StepInput } from './spec';
import { didYouMean } from './suggest';
import { locateDiagnostic, parseYamlSource } from './yaml-source';

/** One spec card's text and where it came from (for messages). */
export interface SpecSource {
  readonly file: string;
  readonly text: string;
}

export interface StepValidation {
  readonly diagnostics: readonly Diagnostic[];
  /** The step's options with the card's defaults filled in (undefined when the type is unknown). */
  readonly options: Readonly<Record<string, unknown>> | undefined;
  readonly spec: ComponentSpec | undefined;
}

/** The loaded, validated set of component spec cards. */
export interface Registry {
  /** Every card, sorted by name. */
  list(): readonly ComponentSpec[];
  get(type: string): ComponentSpec | undefined;
  /** The closest known component name to a misspelt one. */
  suggest(type: string): string | undefined;
  /** Checks a step against its card: JSON Schema of `options`, constraints, modes, inline secrets. */
  validateStep(step: StepInput): StepValidation;
  /** JSON Pointers (relative to a step) of the card's secret-bearing fields. */
  getSecretMap(type: string): readonly string[];
  /** `sha256-…` of the canonical JSON of every card: a key for caches and manifests. */
  fingerprint(): string;
}

export interface LintResult {
  readonly specs: readonly ComponentSpec[];
  readonly diagnostics: readonly Diagnostic[];
}

interface CompiledSpec {
  readonly spec: ComponentSpec;
  /** The card's compiled configSchema; trusted cards compile it on first use, since a run needs only its own types. */
  readonly validator: () => ValidateFunction;
}

function lazyValidator(spec: ComponentSpec): () => ValidateFunction {
  let validate: ValidateFunction | undefined;
  return () => {
    validate ??= sharedAjv().compile(spec.configSchema);
    return validate;
  };
}

function exampleLookup(spec: ComponentSpec): (pointer: string) => unknown {
  return (pointer) => {
    for (const example of spec.examples ?? []) {
      const found = valueAt(example.oml, pointer);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

function validateWith(compiled: CompiledSpec, step: StepInput): StepValidation {
  const { spec } = compiled;
  const stepId = step.id;
  const prefix = stepId ?? '';
  const exampleFor = exampleLookup(spec);
  const diagnostics: Diagnostic[] = [];
  const at = (pointer: string) => [prefix, pointerToPath(pointer)].filter(Boolean).join('.');
  const withStep = stepId === undefined ? {} : { stepId };

  if (step.mode !== undefined && !spec.modes.includes(step.mode as never)) {
    diagnostics.push({
      severity: 'error',
      path: at('/mode'),
      pointer: '/mode',
      rule: 'mode',
      message: `${spec.name} cannot ${String(step.mode)}; it supports: ${spec.modes.join(', ')}`,
      why: `A component only runs in the modes its spec card declares.`,
      fix: `Set mode to ${spec.modes.join(' or ')}, or pick a component that can ${String(step.mode)}.`,
      example: `mode: ${spec.modes[0] ?? 'read'}`,
      ...withStep,
    });
  }

  const options =
    step.options === undefined
      ? {}
      : step.options !== null && typeof step.options === 'object' && !Array.isArray(step.options)
        ? structuredClone(step.options as Record<string, unknown>)
        : undefined;
  if (options === undefined) {
    diagnostics.push({
      severity: 'error',
      path: at('/options'),
      pointer: '/options',
      rule: 'type',
      message: '"options" must be a mapping of fields',
      why: `${spec.name} reads its settings from the fields of "options".`,
      fix: 'Write options as key: value pairs.',
      example: 'options: { table: orders }',
      ...withStep,
    });
    return { diagnostics, options: undefined, spec };
  }

  const validate = compiled.validator();
  if (!validate(options)) {
    diagnostics.push(
      ...friendlyErrors(validate.errors, options, {
        basePointer: '/options',
        pathPrefix: prefix,
        subject: `${spec.name} options`,
        exampleFor,
        ...withStep,
      }),
    );
  }
  // A field already reported, or one a "did you mean" already points to, needs no second message.
  const flagged = new Set(
    diagnostics.flatMap((diagnostic) =>
      diagnostic.rule === 'additionalProperties' && diagnostic.suggestion
        ? [diagnostic.pointer, diagnostic.pointer.replace(/[^/]*$/, diagnostic.suggestion)]
        : [diagnostic.pointer],
    ),
  );
  for (const diagnostic of checkConstraints(spec, step, { ...step, options }, exampleFor, stepId)) {
    if (!flagged.has(diagnostic.pointer)) diagnostics.push(diagnostic);
  }

  for (const pointer of spec.secrets ?? []) {
    const value = valueAt(step, pointer);
    if (typeof value === 'string' && value !== '') {
      diagnostics.push({
        severity: 'warning',
        path: at(pointer),
        pointer,
        rule: 'inlineSecret',
        message: `a secret is written inline at "${pointerToPath(pointer)}"; it is masked in every output`,
        why: 'Pipeline files are shared and committed; secrets in them leak.',
        fix: 'Move it into a secrets file or OSIRIS_CONN__<NAME>__<FIELD> and reference the connection as "@name".',
        example: 'connection: "@supabase"',
        ...withStep,
      });
    }
  }
  return { diagnostics, options, spec };
}

function lintOne(
  checkCard: ValidateFunction | undefined,
  source: SpecSource,
): { compiled?: CompiledSpec; diagnostics: Diagnostic[] } {
  const yaml = parseYamlSource(source.text, source.file);
  const locate = (diagnostic: Diagnostic): Diagnostic => locateDiagnostic(yaml, diagnostic);
  if (yaml.diagnostics.length > 0) return { diagnostics: [...yaml.diagnostics] };
  const card = yaml.value;
  if (!checkCard)
    return {
      compiled: { spec: card as ComponentSpec, validator: lazyValidator(card as ComponentSpec) },
      diagnostics: [],
    };
  const ajv = sharedAjv();
  if (!checkCard(card)) {
    return {
      diagnostics: friendlyErrors(checkCard.errors, card, { basePointer: '', subject: 'a spec card' }).map(locate),
    };
  }
  const spec = card as ComponentSpec;
  if (!ajv.validateSchema(spec.configSchema)) {
    return {
      diagnostics: friendlyErrors(ajv.errors, spec.configSchema, {
        basePointer: '/configSchema',
        subject: 'configSchema (a JSON Schema, draft 2020-12)',
      }).map(locate),
    };
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(spec.configSchema);
  } catch (error) {
    // Meta-schema-valid but refused by strict mode (unknown keyword, union types, …): that text is about schema authoring.
    const detail = (error instanceof Error ? error.message : String(error)).replace(/^strict mode: /, '');
    return {
      diagnostics: [
        locate({
          severity: 'error',
          path: 'configSchema',
          pointer: '/configSchema',
          rule: 'strictSchema',
          message: `configSchema breaks a strict JSON Schema rule: ${detail}`,
          why: 'Every step of this component is checked against configSchema in strict mode, so it must compile.',
          fix: 'Fix the keyword named above; give "type" wherever "properties" or "items" appear.',
        }),
      ],
    };
  }
  const compiled: CompiledSpec = { spec, validator: () => validate };
  const diagnostics: Diagnostic[] = [];
  (spec.examples ?? []).forEach((example, index) => {
    const base = joinPointer('', 'examples', index, 'oml');
    if (example.oml.type !== spec.name) {
      diagnostics.push(
        locate({
          severity: 'error',
          path: pointerToPath(`${base}/type`),
          pointer: `${base}/type`,
          rule: 'exampleType',
          message: `example "${example.title}" uses type ${example.oml.type}, not ${spec.name}`,
          why: 'A card shows examples of its own component only.',
          fix: `Set type to ${spec.name}.`,
        }),
      );
    }
    for (const problem of validateWith(compiled, { ...example.oml, id: undefined as never }).diagnostics) {
      if (problem.severity !== 'error') continue;
      const pointer = base + problem.pointer;
      diagnostics.push(
        locate({
          ...problem,
          pointer,
          path: pointerToPath(pointer),
          message: `example "${example.title}" is invalid: ${problem.message}`,
        }),
      );
    }
  });
  return { compiled, diagnostics };
}

/**
 * Validates spec cards against the spec schema, compiles each card's
 * configSchema and checks each card's examples; reports every problem with
 * file, line and column instead of stopping at the first.
 */
export function lintSpecs(sources: readonly SpecSource[], specSchema: object): LintResult {
  return build(sources, specSchema).lint;
}

/**
 * `specSchema` undefined means the cards were already linted (the built-in
 * cards are, when the package is built): only their configSchemas compile.
 */
function build(sources: readonly SpecSource[], specSchema: object | undefined) {
  const checkCard = specSchema === undefined ? undefined : compileSchema(specSchema);
  const diagnostics: Diagnostic[] = [];
  const compiled = new Map<string, CompiledSpec>();
  const origin = new Map<string, string>();
  for (const source of [...sources].sort((a, b) => a.file.localeCompare(b.file))) {
    const result = lintOne(checkCard, source);
    diagnostics.push(...result.diagnostics);
    if (!result.compiled) continue;
    const { name } = result.compiled.spec;
    const first = origin.get(name);
    if (first !== undefined) {
      diagnostics.push({
        severity: 'error',
        path: 'name',
        pointer: '/name',
        rule: 'duplicateName',
        message: `component ${name} is defined twice (also in ${first})`,
        why: 'A component type must name exactly one card.',
        fix: 'Rename one of the cards or remove the copy.',
        file: source.file,
      });
      continue;
    }
    origin.set(name, source.file);
    compiled.set(name, result.compiled);
  }
  const specs = [...compiled.values()].map((entry) => entry.spec).sort((a, b) => a.name.localeCompare(b.name));
  return { compiled, lint: { specs, diagnostics } };
}

/**
 * Builds a registry from spec card texts. Throws an `OsirisError` (code
 * VALIDATION) naming the file and field when any card is broken. Pass
 * `specSchema: undefined` only for cards already linted with `lintSpecs`.
 */
export function createRegistry(sources: readonly SpecSource[], specSchema: object | undefined): Registry {
  const { compiled, lint } = build(sources, specSchema);
  const errors = lint.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (hasErrors(errors)) {
    const first = errors[0] as Diagnostic;
    const where = [first.file, first.line, first.col].filter((part) => part !== undefined).join(':');
    throw new OsirisError(
      OsirisErrorCode.Validation,
      `invalid component spec card ${where} (${first.path || 'card'}): ${first.message}`,
      { diagnostics: errors, hint: 'Run `osiris spec-lint <dir>` to see every problem.' },
    );
  }
  return registryOf(compiled, lint.specs);
}

/**
 * Lints cards for `loadRegistry`'s stamp: the result, and the type names in
 * the order a registry keeps them (the order of "use one of" lists and of
 * "did you mean" ties), so that a registry rebuilt from them says the same.
 */
export function lintForStamp(sources: readonly SpecSource[], specSchema: object) {
  const { compiled, lint } = build(sources, specSchema);
  return { lint, names: [...compiled.keys()] };
}

/**
 * A registry of cards `lintForStamp` found clean: `specs` as `lint.specs`
 * lists them, `names` as it returned them. Their configSchemas compile on
 * first use. Taking both orders (and the fingerprint, when known) as given
 * also spares a collator, which costs more to create than the rest of loading.
 */
export function createRegistryOfLintedSpecs(
  specs: readonly ComponentSpec[],
  names: readonly string[],
  fingerprint?: string,
): Registry {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const compiled = new Map<string, CompiledSpec>();
  for (const name of names) {
    const spec = byName.get(name);
    if (spec) compiled.set(name, { spec, validator: lazyValidator(spec) });
  }
  return registryOf(compiled, specs, fingerprint);
}

function registryOf(
  compiled: ReadonlyMap<string, CompiledSpec>,
  specs: readonly ComponentSpec[],
  knownFingerprint?: string,
): Registry {
  let fingerprint = knownFingerprint;
  const names = [...compiled.keys()];
  return {
    list: () => specs,
    get: (type) => compiled.get(type)?.spec,
    suggest: (type) => didYouMean(type, names),
    getSecretMap: (type) => compiled.get(type)?.spec.secrets ?? [],
    fingerprint: () => {
      fingerprint ??= fingerprintOf(specs);
      return fingerprint;
    },
    validateStep(step) {
      const entry = compiled.get(step.type);
      if (entry) return validateWith(entry, step);
      const suggestion = didYouMean(String(step.type), names);
      const stepId = step.id;
      return {
        options: undefined,
        spec: undefined,
        diagnostics: [
          {
            severity: 'error',
            path: [stepId, 'type'].filter(Boolean).join('.'),
            pointer: '/type',
            rule: 'unknownComponent',
            message: suggestion
              ? `unknown component type "${String(step.type)}" (did you mean "${suggestion}"?)`
              : `unknown component type "${String(step.type)}"`,
            why: 'Every step must name a component that has a spec card in the registry.',
            fix: suggestion
              ? `Use "${suggestion}".`
              : names.length > 0
                ? `Use one of: ${names.join(', ')} (osiris components list shows them).`
                : 'No component is loaded: check the components folder (osiris components list).',
            example: `type: ${suggestion ?? names[0] ?? 'mysql.table'}`,
            ...(suggestion === undefined ? {} : { suggestion }),
            ...(stepId === undefined ? {} : { stepId }),
          },
        ],
      };
    },
  };
}
