// SPDX-License-Identifier: MIT
import type { ErrorObject } from 'ajv';
import { type Diagnostic, joinPointer, pointerSegments, pointerToPath, valueAt } from './diagnostics';
import { inlineYaml } from './inline-yaml';
import { didYouMean } from './suggest';

/** Where a schema is being applied and how to describe it to a person. */
export interface FriendlyContext {
  /** Prefix for pointers (ajv's instancePath is relative to the validated value). */
  readonly basePointer: string;
  /** Prefix for people-facing paths, e.g. the step id. */
  readonly pathPrefix?: string;
  /** What is being validated, e.g. `supabase.table options` or `spec card`. */
  readonly subject: string;
  /** Looks up an example value for a pointer (from a spec's examples). */
  readonly exampleFor?: (pointer: string) => unknown;
  readonly stepId?: string;
}

type Schema = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

const typeNames: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
  null: 'null',
};

function typeList(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => typeNames[String(t)] ?? String(t)).join(' or ');
}

function placeholderFor(schema: Schema | undefined): unknown {
  if (!schema) return '…';
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'array':
      return [placeholderFor(schema.items as Schema | undefined)];
    case 'boolean':
      return true;
    case 'integer':
    case 'number':
      return 1;
    case 'object':
      return {};
    default:
      return 'value';
  }
}

function propertySchema(parent: Schema | undefined, name: string): Schema | undefined {
  const properties = parent?.properties as Record<string, Schema> | undefined;
  return properties?.[name];
}

/**
 * Turns ajv errors into diagnostics a person can act on. Raw ajv messages are
 * never passed through: each rule has its own text, and unknown rules get a
 * plain generic one.
 */
export function friendlyErrors(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
  context: FriendlyContext,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    const diagnostic = friendlyError(error, data, context);
    if (!diagnostic) continue;
    const key = `${diagnostic.pointer}|${diagnostic.rule}|${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

function friendlyError(error: ErrorObject, data: unknown, context: FriendlyContext): Diagnostic | undefined {
  const parent = error.parentSchema as Schema | undefined;
  const params = error.params as Record<string, unknown>;
  const value = valueAt(data, error.instancePath);
  let relative = error.instancePath;
  let rule = error.keyword;
  let message: string;
  let why: string;
  let fix: string;
  let example: unknown;
  let suggestion: string | undefined;

  const field = () => pointerSegments(relative).at(-1) ?? context.subject;
  const exampleLine = (name: string, fallback: unknown) => {
    const found = context.exampleFor?.(joinPointer(context.basePointer, ...pointerSegments(relative)));
    return `${name}: ${inlineYaml(found ?? fallback)}`;
  };

  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      relative = joinPointer(error.instancePath, missing);
      const schema = propertySchema(parent, missing);
      message = `missing required field "${missing}"`;
      why = schema?.description
        ? `${context.subject} needs it: ${String(schema.description)}`
        : `${context.subject} cannot work without it.`;
      fix = `Add "${missing}" here.`;
      example = exampleLine(missing, placeholderFor(schema));
      break;
    }
    case 'additionalProperties': {
      const unknown = String(params.additionalProperty);
      relative = joinPointer(error.instancePath, unknown);
      const allowed = Object.keys((parent?.properties as Schema | undefined) ?? {});
      suggestion = didYouMean(unknown, allowed);
      message = suggestion
        ? `unknown field "${unknown}" (did you mean "${suggestion}"?)`
        : `unknown field "${unknown}"`;
      why = `${context.subject} does not define "${unknown}"; unknown fields are refused so that typos and invented options cannot slip through.`;
      fix = suggestion
        ? `Rename "${unknown}" to "${suggestion}".`
        : allowed.length > 0
          ? `Remove it. Allowed fields here: ${allowed.join(', ')}.`
          : 'Remove it.';
      if (suggestion) {
        const sibling = joinPointer(context.basePointer, ...pointerSegments(error.instancePath), suggestion);
        const sample = context.exampleFor?.(sibling) ?? placeholderFor(propertySchema(parent, suggestion));
        example = `${suggestion}: ${inlineYaml(sample)}`;
      }
      break;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      suggestion = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : undefined;
      message = `${describe(value)} is not allowed for "${field()}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
      if (allowed.length === 0) {
        why = `"${field()}" accepts no value: its schema lists none.`;
        fix = `Leave "${field()}" out, or give the schema's enum the values it should accept.`;
        break;
      }
      why = `"${field()}" must be one of: ${allowed.map((v) => inlineYaml(v)).join(', ')}.`;
      fix = suggestion ? `Use "${suggestion}".` : `Pick one of: ${allowed.map((v) => inlineYaml(v)).join(', ')}.`;
      example = exampleLine(field(), suggestion ?? allowed[0]);
      break;
    }
    case 'const': {
      message = `"${field()}" must be ${inlineYaml(params.allowedValue)}, not ${describe(value)}`;
      why = `This field has exactly one allowed value.`;
      fix = `Set it to ${inlineYaml(params.allowedValue)}.`;
      example = `${field()}: ${inlineYaml(params.allowedValue)}`;
      break;
    }
    case 'type': {
      message = `"${field()}" must be ${typeList(params.type)}, not ${describe(value)}`;
      why = `${context.subject} reads "${field()}" as ${typeList(params.type)}.`;
      fix = `Write "${field()}" as ${typeList(params.type)}.`;
      example = exampleLine(field(), placeholderFor(parent));
      break;
    }
    case 'minItems': {
      const limit = Number(params.limit);
      message = `"${field()}" needs at least ${limit} item${limit === 1 ? '' : 's'}`;
      why = `An empty or too short list here has no meaning for ${context.subject}.`;
      fix = `Add ${limit === 1 ? 'at least one item' : `at least ${limit} items`} to "${field()}".`;
      example = exampleLine(field(), placeholderFor(parent));
      break;
    }
    case 'maxItems': {
      message = `"${field()}" may hold at most ${String(params.limit)} items`;
      why = `${context.subject} limits this list.`;
      fix = `Remove items from "${field()}".`;
      break;
    }
    case 'minLength': {
      message = `"${field()}" must not be empty`;
      why = `${context.subject} needs a value here.`;
      fix = `Write a value for "${field()}".`;
      example = exampleLine(field(), placeholderFor(parent));
      break;
    }
    case 'uniqueItems': {
      message = `"${field()}" lists the same item twice`;
      why = 'Each item may appear only once.';
      fix = `Remove the repeated item from "${field()}".`;
      break;
    }
    case 'pattern': {
      message = `${describe(value)} is not of the form "${field()}" needs`;
      why = parent?.description ? String(parent.description) : `"${field()}" must match ${String(params.pattern)}.`;
      fix = `Rewrite "${field()}" in the expected form.`;
      break;
    }
    case 'format': {
      message = `${describe(value)} is not a valid ${String(params.format)}`;
      why = `"${field()}" must be a ${String(params.format)}.`;
      fix = `Write a valid ${String(params.format)}.`;
      break;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      message = `"${field()}" is out of range (${error.keyword} ${String(params.limit)})`;
      why = `${context.subject} accepts only values within the range.`;
      fix = `Use a value that respects ${error.keyword} ${String(params.limit)}.`;
      break;
    }
    case 'if':
      // The failing `then` branch is reported on its own; "must match then" adds nothing.
      return undefined;
    default: {
      rule = error.keyword;
      message = `"${field()}" does not have an accepted form`;
      why = `${context.subject} accepts only the forms its schema describes.`;
      fix = `Compare "${field()}" with the component's examples (osiris components spec <type>).`;
      break;
    }
  }

  const pointer = joinPointer(context.basePointer, ...pointerSegments(relative));
  const localPath = pointerToPath(pointer);
  const path = context.pathPrefix ? [context.pathPrefix, localPath].filter(Boolean).join('.') : localPath;
  return {
    severity: 'error',
    path,
    pointer,
    rule,
    message,
    why,
    fix,
    ...(example === undefined ? {} : { example: String(example) }),
    ...(suggestion === undefined ? {} : { suggestion }),
    ...(context.stepId === undefined ? {} : { stepId: context.stepId }),
  };
}
