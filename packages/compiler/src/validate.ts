// SPDX-License-Identifier: MIT
import {
  createSchemaValidator,
  type Diagnostic,
  joinPointer,
  locateDiagnostic,
  parseYamlSource,
  type Registry,
  type YamlSource,
} from '@osiris/registry';
import { CONNECTION_REF, type OmlStep, omlShapeSchema } from './oml';
import { mergeParams, type ParamValue, substituteParams, unusedParams } from './params';

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

export interface Analysis {
  readonly diagnostics: Diagnostic[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly sources: ResolvedStep[];
  readonly sinks: ResolvedStep[];
}

// Positions of parsed documents, so diagnostics found later can still say file:line:col.
const sources = new WeakMap<object, YamlSource>();

const checkShape = createSchemaValidator(omlShapeSchema, { subject: 'a pipeline file' });

/** Parses OML text, keeping line and column of every value for later diagnostics. */
export function parseOml(text: string, options: { file?: string } = {}): ParseOmlResult {
  const source = parseYamlSource(text, options.file);
  if (source.value !== null && typeof source.value === 'object') sources.set(source.value, source);
  if (source.diagnostics.length === 0 && (source.value === null || typeof source.value !== 'object')) {
    return {
      oml: source.value,
      diagnostics: [
        {
          severity: 'error',
          path: '',
          pointer: '',
          rule: 'type',
          message: 'a pipeline file must be a mapping with version, name, sources and sinks',
          why: 'The file is empty or holds a single value.',
          fix: 'Start from an example in examples/ or run `osiris chat`.',
          example: 'version: 0.0.1\nname: my_pipeline\nsources: []\nsinks: []',
          ...(options.file === undefined ? {} : { file: options.file, line: 1, col: 1 }),
        },
      ],
    };
  }
  return { oml: source.value, diagnostics: source.diagnostics };
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
    return { diagnostics, params: {}, sources: [], sinks: [] };
  }
  const document = oml as Record<string, unknown>;
  diagnostics.push(...checkShape(document));

  const declared = (document.params !== null && typeof document.params === 'object' ? document.params : {}) as Record<
    string,
    ParamValue
  >;
  const overrides = options.params ?? {};
  const merged = mergeParams(declared, overrides);
  diagnostics.push(...merged.diagnostics);
  const used = new Set<string>();
  const result: Analysis = { diagnostics, params: merged.values, sources: [], sinks: [] };

  const seen = new Map<string, string>();
  const resolve = (key: 'sources' | 'sinks') =>
    stepsOf(document, key).flatMap(([raw, pointer]) => {
      const step = substituteParams(raw, merged.values, pointer, used, diagnostics) as OmlStep;
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
      const kept = mode === 'off' ? checked.diagnostics.filter((d) => d.rule === 'mode') : checked.diagnostics;
      diagnostics.push(...kept.map((d) => rebase(d, pointer)));
      const resolved: ResolvedStep = {
        step,
        options: checked.options ?? {},
        componentVersion: checked.spec.version,
        pointer,
      };
      return [resolved];
    });

  result.sources.push(...resolve('sources'));
  result.sinks.push(...resolve('sinks'));

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
        fix: `Use one of: ${sourceIds.join(', ')}.`,
        stepId: sink.id,
      });
    }
  }

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
