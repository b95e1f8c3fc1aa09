// SPDX-License-Identifier: MIT
import {
  type ComponentSpec,
  createSchemaValidator,
  type Diagnostic,
  isSecretName,
  joinPointer,
  locateDiagnostic,
  parseYamlSource,
  pointerSegments,
  pointerToPath,
  type Registry,
  valueAt,
  type YamlSource,
} from '@osiris/registry';
import { incrementalDiagnostics } from './incremental-checks';
import { CONNECTION_REF, MAX_STEPS, type OmlStep, omlShapeSchema } from './oml';
import { mergeParams, type ParamValue, paramReferences, substituteStepParams, unusedParams } from './params';
import { checkTableSets } from './table-sets';

export type ValidationMode = 'warn' | 'strict' | 'off';

export interface ParseOmlResult {
  /** The parsed document (undefined when the YAML could not be parsed). */
  readonly oml: unknown;
  readonly diagnostics: readonly Diagnostic[];
}

export interface ValidateOmlOptions {
  readonly registry: Registry;
  /** `warn` (default): warnings do not fail; `strict`: every diagnostic fails; `off`: skip spec validation. */
  readonly mode?: ValidationMode;
  /** `--param` overrides, already parsed as YAML scalars. */
  readonly params?: Readonly<Record<string, ParamValue>>;
}

/** A step after params were substituted and the card's defaults filled in. */
export interface ResolvedStep {
  readonly step: OmlStep;
  readonly options: Readonly<Record<string, unknown>>;
  readonly componentVersion: string;
  readonly pointer: string;
}

/** What `--mode off` keeps of a card's diagnostics: what compiling needs, and the inline-secret warnings. */
const KEPT_WHEN_OFF = new Set(['mode', 'inlineSecret']);

export interface Analysis {
  readonly diagnostics: Diagnostic[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly sources: ResolvedStep[];
  readonly sinks: ResolvedStep[];
  /** Params that feed an inline secret: masked in the manifest like the secret itself. */
  readonly secretParams: Set<string>;
}

// Positions of parsed documents, so diagnostics found later can still say file:line:col.
const sources = new WeakMap<object, YamlSource>();

const checkShape = createSchemaValidator(omlShapeSchema, { subject: 'a pipeline file' });

/** Parses OML text, keeping line and column of every value for later diagnostics. */
export function parseOml(text: string, options: { file?: string } = {}): ParseOmlResult {
  const source = parseYamlSource(text, options.file);
  if (source.value !== null && typeof source.value === 'object') sources.set(source.value, source);
  if (
    source.diagnostics.length === 0 &&
    (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value))
  ) {
    return {
      oml: source.value,
      diagnostics: [
        {
          severity: 'error',
          path: '',
          pointer: '',
          rule: 'type',
          message: 'a pipeline file must be a mapping with version, name, sources and sinks',
          why: Array.isArray(source.value)
            ? 'The file is a list; a pipeline is a mapping of fields.'
            : 'The file is empty or holds a single value.',
          fix: 'Start from an example in examples/ or run `osiris chat`.',
          example: 'version: 0.0.1\nname: my_pipeline\nsources: []\nsinks: []',
          ...(options.file === undefined
            ? {}
            : { file: options.file, ...(source.positionOf('') ?? { line: 1, col: 1 }) }),
        },
      ],
    };
  }
  return { oml: source.value, diagnostics: source.diagnostics };
}

/**
 * Where a step holds a secret inline: text at the card's secret pointers, and
 * option fields the card does not know whose names say secret (only `--mode
 * off` lets those through). Pointers are relative to the step.
 */
function inlineSecrets(step: OmlStep, spec: ComponentSpec): { pointer: string; unknownField: boolean }[] {
  const found = (spec.secrets ?? [])
    .filter((pointer) => typeof valueAt(step, pointer) === 'string')
    .map((pointer) => ({ pointer, unknownField: false }));
  const known = (spec.configSchema as { properties?: Record<string, unknown> }).properties ?? {};
  for (const [name, value] of Object.entries(step.options ?? {})) {
    const pointer = joinPointer('/options', name);
    if (
      typeof value === 'string' &&
      isSecretName(name) &&
      !Object.hasOwn(known, name) &&
      !found.some((f) => f.pointer === pointer)
    ) {
      found.push({ pointer, unknownField: true });
    }
  }
  return found;
}

function unknownSecretWarning(step: OmlStep, pointer: string): Diagnostic {
  return {
    severity: 'warning',
    path: [step.id, pointerToPath(pointer)].filter(Boolean).join('.'),
    pointer,
    rule: 'inlineSecret',
    message: `"${pointerToPath(pointer)}" looks like a secret written inline; it is masked in the compiled output`,
    why: 'Pipeline files and compiled manifests are shared and committed; secrets in them leak.',
    fix: 'Remove it: connection credentials go into a secrets file or OSIRIS_CONN__<NAME>__<FIELD>.',
    ...(typeof step.id === 'string' ? { stepId: step.id } : {}),
  };
}

/** Replaces the value at an `/options/…` pointer of a step with the mask (the options are the step's own copy). */
function maskAt(options: Record<string, unknown>, pointer: string, mask: string): void {
  const [head, ...path] = pointerSegments(pointer);
  const last = path.pop();
  if (head !== 'options' || last === undefined) return;
  const parent = valueAt(options, joinPointer('', ...path));
  if (parent !== null && typeof parent === 'object' && typeof (parent as Record<string, unknown>)[last] === 'string') {
    (parent as Record<string, unknown>)[last] = mask;
  }
}

/** A pipeline over the step limit gets this one diagnostic, before anything is checked step by step. */
function tooManySteps(document: Record<string, unknown>): Diagnostic | undefined {
  for (const key of ['sources', 'sinks'] as const) {
    const list = document[key];
    if (!Array.isArray(list) || list.length <= MAX_STEPS) continue;
    return {
      severity: 'error',
      path: key,
      pointer: `/${key}`,
      rule: 'maxItems',
      message: `a pipeline holds at most ${MAX_STEPS} ${key}; this one has ${list.length}`,
      why: 'Each step is validated and run on its own; this many would take minutes before anything moves.',
      fix: 'Split the pipeline into several files.',
    };
  }
  return undefined;
}

function stepsOf(oml: Record<string, unknown>, key: 'sources' | 'sinks'): [OmlStep, string][] {
  const list = oml[key];
  if (!Array.isArray(list)) return [];
  return list
    .map((step, index) => [step as OmlStep, joinPointer('', key, index)] as [OmlStep, string])
    .filter(([step]) => step !== null && typeof step === 'object' && !Array.isArray(step));
}

function rebase(diagnostic: Diagnostic, base: string): Diagnostic {
  return { ...diagnostic, pointer: base + diagnostic.pointer };
}

/** Everything `validateOml` and `compile` need to know about a document, found in one pass. */
export function analyseOml(oml: unknown, options: ValidateOmlOptions): Analysis {
  const mode = options.mode ?? 'warn';
  const diagnostics: Diagnostic[] = [];
  if (oml === null || typeof oml !== 'object' || Array.isArray(oml)) {
    diagnostics.push(...parseOml('').diagnostics);
    return { diagnostics, params: {}, sources: [], sinks: [], secretParams: new Set() };
  }
  const document = oml as Record<string, unknown>;
  const tooMany = tooManySteps(document);
  if (tooMany !== undefined) {
    diagnostics.push(tooMany);
    locate(oml, diagnostics);
    return { diagnostics, params: {}, sources: [], sinks: [], secretParams: new Set() };
  }
  diagnostics.push(...checkShape(document));

  const declared = (document.params !== null && typeof document.params === 'object' ? document.params : {}) as Record<
    string,
    ParamValue
  >;
  const overrides = options.params ?? {};
  const merged = mergeParams(declared, overrides);
  diagnostics.push(...merged.diagnostics);
  const used = new Set<string>();
  const result: Analysis = { diagnostics, params: merged.values, sources: [], sinks: [], secretParams: new Set() };

  const seen = new Map<string, string>();
  const resolve = (key: 'sources' | 'sinks') =>
    stepsOf(document, key).flatMap(([raw, pointer]) => {
      const step = substituteStepParams(raw, merged.values, pointer, used, diagnostics) as OmlStep;
      if (typeof step.id === 'string') {
        const first = seen.get(step.id);
        if (first !== undefined) {
          diagnostics.push({
            severity: 'error',
            path: `${step.id}.id`,
            pointer: `${pointer}/id`,
            rule: 'duplicateId',
            message: `step id "${step.id}" is used twice (first at ${first})`,
            why: 'Step ids name config files and log lines, so each must be unique.',
            fix: 'Rename one of the steps.',
            stepId: step.id,
          });
        } else seen.set(step.id, pointer.slice(1).replace('/', '['));
      }
      if (
        step.connection !== undefined &&
        (typeof step.connection !== 'string' || !new RegExp(CONNECTION_REF).test(step.connection))
      ) {
        const inline = typeof step.connection === 'object' || /:\/\//.test(String(step.connection));
        diagnostics.push({
          severity: 'error',
          path: `${step.id ?? pointer}.connection`,
          pointer: `${pointer}/connection`,
          rule: inline ? 'inlineConnection' : 'connectionRef',
          message: inline
            ? 'connection holds credentials inline instead of an @reference'
            : `connection must be a reference such as "@supabase"`,
          why: 'Pipelines are shared and compiled into manifests; credentials belong in a secrets file or the environment.',
          fix: 'Write connection: "@name" and put the fields in --secrets-file (connections: { name: { url: … } }) or OSIRIS_CONN__NAME__URL.',
          example: 'connection: "@supabase"',
          ...(typeof step.id === 'string' ? { stepId: step.id } : {}),
        });
      }
      if (typeof step.type !== 'string') return [];
      const checked = options.registry.validateStep(step);
      if (!checked.spec) {
        diagnostics.push(...checked.diagnostics.map((d) => rebase(d, pointer)));
        return [];
      }
      // With validation off, only what compiling needs is checked: the component exists and can run in this mode.
      const kept = mode === 'off' ? checked.diagnostics.filter((d) => KEPT_WHEN_OFF.has(d.rule)) : checked.diagnostics;
      diagnostics.push(...kept.map((d) => rebase(d, pointer)));
      const stepOptions = checked.options ?? {};
      for (const secret of inlineSecrets(step, checked.spec)) {
        if (secret.unknownField && mode === 'off')
          diagnostics.push(rebase(unknownSecretWarning(step, secret.pointer), pointer));
        for (const name of paramReferences(String(valueAt(raw, secret.pointer)))) result.secretParams.add(name);
        maskAt(stepOptions, secret.pointer, checked.spec.redaction?.mask ?? '***');
      }
      const resolved: ResolvedStep = { step, options: stepOptions, componentVersion: checked.spec.version, pointer };
      return [resolved];
    });

  result.sources.push(...resolve('sources'));
  result.sinks.push(...resolve('sinks'));
  checkTableSets(result);

  const sourceIds = result.sources.map((source) => source.step.id);
  const readBy = new Map<string, string>();
  for (const [sink, pointer] of stepsOf(document, 'sinks')) {
    const input = sink.from ?? (sourceIds.length === 1 ? sourceIds[0] : undefined);
    const first = input === undefined ? undefined : readBy.get(input);
    if (input !== undefined && first !== undefined) {
      diagnostics.push({
        severity: 'error',
        path: `${sink.id}.from`,
        pointer: sink.from === undefined ? pointer : `${pointer}/from`,
        rule: 'sharedSource',
        message: `sinks "${first}" and "${sink.id}" both read from source "${input}"`,
        why: 'Each sink commits on its own: with two, one target could be updated while the other fails.',
        fix: `Give "${sink.id}" its own source step: a copy of "${input}" with another id, and from: <that id>.`,
        stepId: sink.id,
      });
    } else if (input !== undefined) readBy.set(input, sink.id);
    if (sink.from === undefined) {
      if (sourceIds.length > 1) {
        diagnostics.push({
          severity: 'error',
          path: `${sink.id}.from`,
          pointer,
          rule: 'required',
          message: `sink "${sink.id}" must say which source it reads ("from"), since the pipeline has ${sourceIds.length} sources`,
          why: 'With several sources the sink cannot guess its input.',
          fix: `Add from: with one of: ${sourceIds.join(', ')}.`,
          example: `from: ${sourceIds[0]}`,
          stepId: sink.id,
        });
      }
    } else if (!sourceIds.includes(sink.from)) {
      diagnostics.push({
        severity: 'error',
        path: `${sink.id}.from`,
        pointer: `${pointer}/from`,
        rule: 'unknownStep',
        message: `sink "${sink.id}" reads from "${sink.from}", which is not a source of this pipeline`,
        why: 'A sink can only read rows that a source of the same pipeline produces.',
        fix:
          sourceIds.length > 0
            ? `Use one of: ${sourceIds.join(', ')}.`
            : 'Add a valid source step first, then name its id in "from".',
        stepId: sink.id,
      });
    }
  }

  diagnostics.push(...incrementalDiagnostics(result.sources, result.sinks));
  diagnostics.push(...unusedParams(declared, overrides, used));

  if (mode === 'strict') {
    for (let i = 0; i < diagnostics.length; i++) {
      const diagnostic = diagnostics[i] as Diagnostic;
      if (diagnostic.severity !== 'error') diagnostics[i] = { ...diagnostic, severity: 'error' };
    }
  }
  locate(oml, diagnostics);
  return result;
}

/** Adds file, line and column from the parsed document, and orders diagnostics by position. */
function locate(oml: object, diagnostics: Diagnostic[]): void {
  const source = sources.get(oml);
  if (!source) return;
  for (let i = 0; i < diagnostics.length; i++) diagnostics[i] = locateDiagnostic(source, diagnostics[i] as Diagnostic);
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/**
 * Checks a parsed pipeline: its shape, params, unique step ids, connection
 * references, sink inputs and every step against its component's spec card.
 */
export function validateOml(oml: unknown, options: ValidateOmlOptions): Diagnostic[] {
  return analyseOml(oml, options).diagnostics;
}
