// SPDX-License-Identifier: MIT
import { type Diagnostic, joinPointer, pointerToPath } from './diagnostics';
import { inlineYaml } from './inline-yaml';
import type { ComponentConstraint, ComponentSpec, ConstraintRule } from './spec';

function dottedValue(step: unknown, dotted: string): unknown {
  let current = step;
  for (const key of dotted === '' ? [] : dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Drops a card default that a constraint says does not apply in this situation. */
function removeDotted(step: unknown, dotted: string): void {
  const keys = dotted.split('.');
  const last = keys.pop() as string;
  const parent = dottedValue(step, keys.join('.'));
  if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[last];
}

/** `{ present: true }` in `when`: the field is given (any value); `{ present: false }`: it is not. */
function presence(expected: unknown): boolean | undefined {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) return undefined;
  const present = (expected as { present?: unknown }).present;
  return typeof present === 'boolean' ? present : undefined;
}

function matches(actual: unknown, expected: unknown): boolean {
  // A list in `when` means "any of these"; that is what card authors write most.
  if (Array.isArray(expected)) return expected.some((item) => matches(actual, item));
  const present = presence(expected);
  if (present !== undefined) return present === (actual !== undefined && actual !== null);
  return actual === expected;
}

function applies(constraint: ComponentConstraint, step: unknown): boolean {
  return Object.entries(constraint.when ?? {}).every(([path, expected]) => matches(dottedValue(step, path), expected));
}

function broken(rule: ConstraintRule, value: unknown): keyof ConstraintRule | undefined {
  const present = value !== undefined && value !== null;
  if (rule.required === true && !present) return 'required';
  if (rule.required === false && present) return 'required';
  if (!present) return undefined;
  if (rule.minItems !== undefined && (!Array.isArray(value) || value.length < rule.minItems)) return 'minItems';
  if (rule.enum !== undefined && !rule.enum.some((item) => item === value)) return 'enum';
  if (rule.const !== undefined && value !== rule.const) return 'const';
  return undefined;
}

function fixFor(kind: keyof ConstraintRule, rule: ConstraintRule, field: string): string {
  switch (kind) {
    case 'required':
      return rule.required ? `Add "${field}".` : `Remove "${field}".`;
    case 'minItems':
      return `Give "${field}" at least ${rule.minItems ?? 1} item(s).`;
    case 'enum':
      return (rule.enum ?? []).length > 0
        ? `Set "${field}" to one of: ${(rule.enum ?? []).map(inlineYaml).join(', ')}.`
        : `Remove "${field}": the card's rule allows no value for it.`;
    default:
      return `Set "${field}" to ${inlineYaml(rule.const)}.`;
  }
}

/**
 * Checks a step against its card's `constraints`: rules of the form
 * "when these fields hold these values, those fields must …".
 */
export function checkConstraints(
  spec: ComponentSpec,
  written: unknown,
  withDefaults: unknown,
  exampleFor: (pointer: string) => unknown,
  stepId: string | undefined,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const constraint of spec.constraints ?? []) {
    if (!applies(constraint, withDefaults)) continue;
    const one = exactlyOne(spec, constraint, written, exampleFor, stepId);
    if (one !== undefined) diagnostics.push(one);
    for (const [dotted, rule] of Object.entries(constraint.must ?? {})) {
      // "Must be absent" is about what the user wrote; a card default does not count.
      const subject = rule.required === false ? written : withDefaults;
      const kind = broken(rule, dottedValue(subject, dotted));
      if (!kind) {
        if (rule.required === false) removeDotted(withDefaults, dotted);
        continue;
      }
      const pointer = joinPointer('', ...dotted.split('.'));
      const field = dotted.split('.').at(-1) ?? dotted;
      const conditions = Object.entries(constraint.when ?? {})
        .map(([path, value]) => {
          const present = presence(value);
          if (present === undefined) return `${path} is ${inlineYaml(value)}`;
          return present ? `${path} is given` : `${path} is not given`;
        })
        .join(' and ');
      const sample = exampleFor(pointer);
      diagnostics.push({
        severity: 'error',
        path: [stepId, pointerToPath(pointer)].filter(Boolean).join('.'),
        pointer,
        rule: `constraint.${kind}`,
        message: constraint.error,
        why: conditions
          ? `${spec.name} requires this whenever ${conditions}.`
          : `${spec.name} requires this for every step.`,
        fix: fixFor(kind, rule, field),
        ...(kind === 'required' && rule.required && sample !== undefined
          ? { example: `${field}: ${inlineYaml(sample)}` }
          : {}),
        ...(stepId === undefined ? {} : { stepId }),
      });
    }
  }
  return diagnostics;
}

/**
 * An `exactlyOne` rule (`[options.table, options.tables]`): of these fields, as the user wrote them,
 * exactly one must be there. None points at their parent, several at the second one given.
 */
function exactlyOne(
  spec: ComponentSpec,
  constraint: ComponentConstraint,
  written: unknown,
  exampleFor: (pointer: string) => unknown,
  stepId: string | undefined,
): Diagnostic | undefined {
  const paths = constraint.exactlyOne ?? [];
  if (paths.length === 0) return undefined;
  const given = paths.filter((dotted) => {
    const value = dottedValue(written, dotted);
    return value !== undefined && value !== null;
  });
  if (given.length === 1) return undefined;
  const fields = paths.map((dotted) => `"${dotted.split('.').at(-1) ?? dotted}"`).join(', ');
  const first = paths[0] as string;
  const dotted = given.length === 0 ? first.split('.').slice(0, -1).join('.') : (given[1] as string);
  const pointer = dotted === '' ? '' : joinPointer('', ...dotted.split('.'));
  const conditions = Object.entries(constraint.when ?? {})
    .map(([path, value]) => `${path} is ${inlineYaml(value)}`)
    .join(' and ');
  const sample = exampleFor(joinPointer('', ...first.split('.')));
  return {
    severity: 'error',
    path: [stepId, pointerToPath(pointer)].filter(Boolean).join('.'),
    pointer,
    rule: 'constraint.exactlyOne',
    message: constraint.error,
    why: `${spec.name} takes exactly one of ${fields}${conditions ? ` whenever ${conditions}` : ''}; this step gives ${
      given.length === 0 ? 'none' : given.map((g) => `"${g.split('.').at(-1)}"`).join(' and ')
    }.`,
    fix: given.length === 0 ? `Add one of ${fields}.` : `Keep one of ${fields} and remove the others.`,
    ...(given.length === 0 && sample !== undefined
      ? { example: `${first.split('.').at(-1)}: ${inlineYaml(sample)}` }
      : {}),
    ...(stepId === undefined ? {} : { stepId }),
  };
}
