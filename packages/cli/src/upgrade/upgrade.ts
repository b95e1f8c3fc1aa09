// SPDX-License-Identifier: MIT
import { type Diagnostic, parseYamlSource, pointerToPath, type Registry } from '@osiris/registry';
import { parseDocument } from 'yaml';
import { pythonOsiris } from './python-osiris';
import type { Transform, TransformContext, UpgradeChange } from './transform';

/**
 * Every upgrade, oldest format first: a file is run through each that applies, in this order, so a Python
 * Osiris pipeline also gets every later rename. A rename or a new default of OML or of a spec card is added
 * here, with fixtures in packages/cli/test/upgrade/<id>/ (ADR 0026, docs/how-to/upgrade.md).
 */
export const TRANSFORMS: readonly Transform[] = [pythonOsiris];

export interface UpgradeResult {
  readonly file: string;
  /** The upgraded text; the input itself when nothing applied or an error stopped the upgrade. */
  readonly text: string;
  readonly changed: boolean;
  readonly transforms: readonly string[];
  readonly changes: readonly UpgradeChange[];
  /** Located errors: when there is one, `text` is the input and nothing may be written. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Upgrades one pipeline file's text: applies each registered transform that applies, in order, editing the
 * YAML document in place so comments and key order survive where the yaml library keeps them. Idempotent:
 * a second call on its output changes nothing.
 */
export function upgradePipeline(
  input: string,
  file: string,
  registry: Registry,
  transforms: readonly Transform[] = TRANSFORMS,
): UpgradeResult {
  let text = input;
  const changes: UpgradeChange[] = [];
  const applied: string[] = [];
  for (const transform of transforms) {
    const source = parseYamlSource(text, file);
    if (source.diagnostics.length > 0) {
      return { file, text: input, changed: false, transforms: [], changes: [], diagnostics: source.diagnostics };
    }
    if (!transform.applies(source.value)) continue;
    const document = parseDocument(text, { keepSourceTokens: false });
    const diagnostics: Diagnostic[] = [];
    const context: TransformContext = {
      document,
      registry,
      file,
      change(change, pointer) {
        changes.push({
          transform: transform.id,
          ...change,
          ...(pointer === undefined ? {} : source.positionOf(pointer)),
        });
      },
      error(pointer, problem) {
        diagnostics.push({
          severity: 'error',
          path: pointerToPath(pointer),
          pointer,
          rule: problem.rule ?? 'upgrade',
          message: problem.message,
          why: problem.why,
          fix: problem.fix,
          ...(problem.example === undefined ? {} : { example: problem.example }),
          file,
          ...(source.positionOf(pointer) ?? source.positionOf(pointer, { key: true }) ?? {}),
        });
      },
    };
    transform.apply(context);
    if (diagnostics.length > 0) {
      return { file, text: input, changed: false, transforms: [], changes: [], diagnostics };
    }
    // lineWidth 0: long strings (queries, descriptions) stay on their line instead of being folded.
    text = document.toString({ lineWidth: 0 });
    applied.push(transform.id);
  }
  // By line, so the summary reads top to bottom (a change without a place, last).
  changes.sort(
    (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) || (a.col ?? 0) - (b.col ?? 0),
  );
  return { file, text, changed: text !== input, transforms: applied, changes, diagnostics: [] };
}
