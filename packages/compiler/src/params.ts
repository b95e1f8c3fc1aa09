// SPDX-License-Identifier: MIT
import { type Diagnostic, joinPointer, pointerToPath } from '@osiris/registry';

const reference = /\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}/g;
const whole = /^\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Params the engine itself reads; declaring one without referencing it is normal. */
const EXECUTION_PARAMS = new Set(['chunk_size']);

export type ParamValue = string | number | boolean | null;

export interface ResolvedParams {
  readonly values: Readonly<Record<string, ParamValue>>;
  readonly diagnostics: Diagnostic[];
}

/** The params a string refers to (`${params.name}`). */
export function paramReferences(text: string): string[] {
  return [...text.matchAll(reference)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
}

/** Merges declared defaults with overrides; an override of an undeclared param is an error. */
export function mergeParams(
  declared: Readonly<Record<string, ParamValue>>,
  overrides: Readonly<Record<string, ParamValue>>,
): ResolvedParams {
  const diagnostics: Diagnostic[] = [];
  const values: Record<string, ParamValue> = { ...declared };
  for (const [name, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(declared, name)) {
      const names = Object.keys(declared);
      diagnostics.push({
        severity: 'error',
        path: `params.${name}`,
        pointer: joinPointer('/params', name),
        rule: 'undeclaredParam',
        message: `--param ${name} is not declared by the pipeline`,
        why: 'Only params declared under "params:" can be overridden, so a typo cannot silently do nothing.',
        fix: names.length > 0 ? `Use one of: ${names.join(', ')}; or declare it.` : 'Declare it under "params:".',
        example: `params:\n  ${name}: ${JSON.stringify(value)}`,
      });
      continue;
    }
    values[name] = value;
  }
  return { values, diagnostics };
}

/**
 * Replaces `${params.name}` in every string of a value. A string that is only
 * a reference takes the param's own type (`${params.chunk}` → 5000).
 */
export function substituteParams(
  value: unknown,
  params: Readonly<Record<string, ParamValue>>,
  pointer: string,
  used: Set<string>,
  diagnostics: Diagnostic[],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const check = (name: string) => {
      used.add(name);
      if (Object.hasOwn(params, name)) return true;
      diagnostics.push({
        severity: 'error',
        path: pointerToPath(pointer),
        pointer,
        rule: 'undeclaredParam',
        message: `\${params.${name}} refers to a param the pipeline does not declare`,
        why: 'Every param used in the pipeline needs a declared default.',
        fix: `Declare it under "params:" or fix the name.`,
        example: `params:\n  ${name}: value`,
      });
      return false;
    };
    const single = whole.exec(value);
    if (single?.[1]) return check(single[1]) ? params[single[1]] : value;
    return value.replace(reference, (text, name: string) => (check(name) ? String(params[name]) : text));
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => substituteParams(item, params, joinPointer(pointer, index), used, diagnostics));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      out[key] = substituteParams(member, params, joinPointer(pointer, key), used, diagnostics);
    }
    return out;
  }
  return value;
}

/** Warnings for declared params nothing uses, and errors for overrides of them. */
export function unusedParams(
  declared: Readonly<Record<string, ParamValue>>,
  overrides: Readonly<Record<string, ParamValue>>,
  used: ReadonlySet<string>,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const name of Object.keys(declared)) {
    if (used.has(name) || EXECUTION_PARAMS.has(name)) continue;
    const overridden = Object.hasOwn(overrides, name);
    diagnostics.push({
      severity: overridden ? 'error' : 'warning',
      path: `params.${name}`,
      pointer: joinPointer('/params', name),
      rule: 'unusedParam',
      message: overridden
        ? `--param ${name} overrides a param that nothing in the pipeline uses`
        : `param "${name}" is declared but never used`,
      why: `A param changes the pipeline only where \${params.${name}} appears.`,
      fix: `Use \${params.${name}} in a string value, or remove the param.`,
    });
  }
  return diagnostics;
}

/**
 * A step whose `options.query` (SQL) refers to params: the query keeps its `${params.name}`
 * references and the values go into `options.query_params`, for the connector to bind as
 * parameters (ADR 0022), so that a param's value is never read as SQL. Every other string of the
 * step is substituted as usual.
 */
export function substituteStepParams(
  step: unknown,
  params: Readonly<Record<string, ParamValue>>,
  pointer: string,
  used: Set<string>,
  diagnostics: Diagnostic[],
): unknown {
  const options = (step as { options?: unknown } | null)?.options;
  const query = (options as { query?: unknown } | null | undefined)?.query;
  if (typeof query !== 'string' || !query.includes('${')) {
    return substituteParams(step, params, pointer, used, diagnostics);
  }
  const { query: _kept, ...rest } = options as Record<string, unknown>;
  const resolved = substituteParams(
    { ...(step as Record<string, unknown>), options: rest },
    params,
    pointer,
    used,
    diagnostics,
  ) as Record<string, unknown>;
  const bound: Record<string, ParamValue> = {};
  for (const name of new Set(paramReferences(query))) {
    used.add(name);
    if (Object.hasOwn(params, name)) {
      bound[name] = params[name] as ParamValue;
      continue;
    }
    const at = joinPointer(pointer, 'options', 'query');
    diagnostics.push({
      severity: 'error',
      path: pointerToPath(at),
      pointer: at,
      rule: 'undeclaredParam',
      message: `\${params.${name}} refers to a param the pipeline does not declare`,
      why: 'Every param used in the pipeline needs a declared default.',
      fix: `Declare it under "params:" or fix the name.`,
      example: `params:\n  ${name}: value`,
    });
  }
  const resolvedOptions = resolved.options as Record<string, unknown>;
  return { ...resolved, options: { ...resolvedOptions, query, query_params: bound } };
}
