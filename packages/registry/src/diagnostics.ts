// SPDX-License-Identifier: MIT

export type Severity = 'error' | 'warning';

/**
 * One problem found in a spec card, a pipeline or a step, written for a person:
 * what is wrong, why it matters, how to fix it, and an example of the right
 * form. `pointer` is a JSON Pointer into the checked document; `line`/`col`
 * (1-based) are filled in when the document came from a YAML file.
 */
export interface Diagnostic {
  readonly severity: Severity;
  /** Dotted path for people, e.g. `sinks[0].options.merge_keys` or `dst.options.merge_keys`. */
  readonly path: string;
  /** JSON Pointer of the same place, e.g. `/sinks/0/options/merge_keys`. */
  readonly pointer: string;
  /** The rule that failed: `required`, `enum`, `type`, `additionalProperties`, `constraint`, … */
  readonly rule: string;
  readonly message: string;
  readonly why: string;
  readonly fix: string;
  readonly example?: string;
  /** The likely intended name or value ("did you mean"), for tools that repair automatically. */
  readonly suggestion?: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly stepId?: string;
}

/** Splits a JSON Pointer into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function joinPointer(base: string, ...segments: (string | number)[]): string {
  return base + segments.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** `/sinks/0/options/merge_keys` → `sinks[0].options.merge_keys`. */
export function pointerToPath(pointer: string): string {
  let path = '';
  for (const segment of pointerSegments(pointer)) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path === '' ? segment : `.${segment}`;
  }
  return path;
}

/** The value at a JSON Pointer, or undefined. */
export function valueAt(document: unknown, pointer: string): unknown {
  let current = document;
  for (const segment of pointerSegments(pointer)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}
