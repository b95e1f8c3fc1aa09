// SPDX-License-Identifier: MIT
import { parseOml, validateOml } from '@osiris/compiler';
import { type Diagnostic, locateDiagnostic, parseYamlSource, type Registry } from '@osiris/registry';
import { checkDiscovery, type DiscoveryFacts } from './discovery';

export interface DraftValidation {
  readonly ok: boolean;
  /** The parsed document (undefined when the YAML did not parse). */
  readonly oml: unknown;
  /** Every problem, all errors: chat drafts are validated strictly. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface ValidateDraftOptions {
  readonly registry: Registry;
  /** What discovery found; names it looked for and did not find become diagnostics. */
  readonly facts?: DiscoveryFacts;
  /** File name used in diagnostics (`pipeline.yaml:9:5`). */
  readonly file?: string;
}

/**
 * Parses and validates one draft the way the chat agent does: strict OML
 * validation against the registry (unknown fields, enums, constraints,
 * connection references, params), then the tables and columns it names
 * against the discovery facts.
 */
export function validateDraft(yaml: string, options: ValidateDraftOptions): DraftValidation {
  const file = options.file ?? 'pipeline.yaml';
  const parsed = parseOml(yaml, { file });
  if (parsed.diagnostics.length > 0) {
    return { ok: false, oml: parsed.oml, diagnostics: parsed.diagnostics.map(asError) };
  }
  const diagnostics: Diagnostic[] = validateOml(parsed.oml, { registry: options.registry, mode: 'strict' }).map(
    asError,
  );
  if (options.facts !== undefined && options.facts.size > 0) {
    const found = checkDiscovery(parsed.oml, options.facts, options.registry);
    if (found.length > 0) {
      const source = parseYamlSource(yaml, file);
      diagnostics.push(...found.map((diagnostic) => locateDiagnostic(source, diagnostic)));
      diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    }
  }
  return { ok: diagnostics.length === 0, oml: parsed.oml, diagnostics };
}

function asError(diagnostic: Diagnostic): Diagnostic {
  return diagnostic.severity === 'error' ? diagnostic : { ...diagnostic, severity: 'error' };
}

function where(diagnostic: Diagnostic): string {
  const position = [diagnostic.file, diagnostic.line, diagnostic.col].filter((part) => part !== undefined).join(':');
  return [position, diagnostic.path].filter(Boolean).join(' ');
}

/**
 * The diagnostics as the model reads them: one numbered block per problem with
 * where, what, why, how to fix and an example, then the instruction to resend
 * the whole corrected file.
 */
export function diagnosticsForModel(diagnostics: readonly Diagnostic[]): string {
  const count = diagnostics.length;
  const blocks = diagnostics.map((diagnostic, index) => {
    const lines = [`${index + 1}. ${where(diagnostic)}: ${diagnostic.message}`, `   why: ${diagnostic.why}`];
    lines.push(`   fix: ${diagnostic.fix}`);
    if (diagnostic.example) lines.push(`   example: ${diagnostic.example.replaceAll('\n', '\n            ')}`);
    return lines.join('\n');
  });
  return [
    `The pipeline is not valid: ${count} problem${count === 1 ? '' : 's'}.`,
    '',
    ...blocks,
    '',
    'Fix every problem and send the whole corrected pipeline again (submit_pipeline, or one ```yaml block). Do not add fields a component does not declare.',
  ].join('\n');
}

/** One line for the user: `round 2: 1 problem: dst.options.merge_keys: merge_keys is required …`. */
export function roundSummary(round: number, diagnostics: readonly Diagnostic[]): string {
  if (diagnostics.length === 0) return `round ${round}: valid`;
  const count = diagnostics.length;
  const items = diagnostics.map((d) => `${d.path ? `${d.path}: ` : ''}${d.message}`);
  return `round ${round}: ${count} problem${count === 1 ? '' : 's'}: ${items.join('; ')}`;
}
