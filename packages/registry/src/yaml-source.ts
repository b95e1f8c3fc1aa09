// SPDX-License-Identifier: MIT
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type Diagnostic, pointerSegments } from './diagnostics';

/**
 * A parsed YAML file that still knows where every value came from, so that
 * a diagnostic about `/sinks/0/options/merge_keys` can say `pipeline.yaml:14:7`.
 */
export interface YamlSource {
  readonly file: string | undefined;
  /** The plain JavaScript value of the document (undefined when it failed to parse). */
  readonly value: unknown;
  /** Syntax errors, already as diagnostics with line and column. */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * 1-based line and column of the value at a JSON Pointer (of its key with
   * `{ key: true }`); for a missing field, of the key that should hold it.
   */
  positionOf(pointer: string, options?: { key?: boolean }): { line: number; col: number } | undefined;
}

export function parseYamlSource(text: string, file?: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const diagnostics: Diagnostic[] = document.errors.map((error) => {
    const at = position(error.pos[0]);
    const duplicate = error.code === 'DUPLICATE_KEY';
    return {
      severity: 'error',
      path: '',
      pointer: '',
      rule: duplicate ? 'duplicateKey' : 'yamlSyntax',
      message: duplicate
        ? 'the same key appears twice in one mapping'
        : `YAML syntax error: ${firstLine(error.message)}`,
      why: duplicate
        ? 'YAML keeps only one of the two values, so the file would not mean what it says.'
        : 'The file is not valid YAML, so nothing in it can be read.',
      fix: duplicate
        ? 'Remove or rename one of the two keys.'
        : 'Check indentation (spaces, not tabs), colons after keys and closing quotes or brackets near this line.',
      example: 'key: value\nlist: [a, b]',
      ...(file === undefined ? {} : { file }),
      line: at.line,
      col: at.col,
    };
  });
  const value = diagnostics.length > 0 ? undefined : document.toJS({ maxAliasCount: 100 });

  return {
    file,
    value,
    diagnostics,
    positionOf(pointer, options = {}) {
      let node: unknown = document.contents;
      let found: Node | undefined = isNode(node) ? node : undefined;
      let key: Node | undefined;
      for (const segment of pointerSegments(pointer)) {
        let next: unknown;
        let nextKey: unknown;
        if (isMap(node)) {
          const pair = node.items.find(
            (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment,
          );
          nextKey = pair?.key;
          next = pair?.value ?? pair?.key;
        } else if (isSeq(node)) {
          next = node.items[Number(segment)];
        }
        if (!isNode(next)) {
          // A missing field: point at the key of the mapping that should hold it.
          const range = (key ?? found)?.range;
          return range ? position(range[0]) : undefined;
        }
        node = next;
        found = next;
        key = isNode(nextKey) ? nextKey : undefined;
      }
      const range = (options.key && key ? key : found)?.range;
      return range ? position(range[0]) : undefined;
    },
  };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+.*$/, '');
}

// An unknown or repeated field is best shown at its key; everything else at its value.
const keyRules = new Set(['additionalProperties', 'duplicateId', 'duplicateName']);

/** Adds file, line and column from a parsed YAML source to a diagnostic that has none. */
export function locateDiagnostic(source: YamlSource, diagnostic: Diagnostic): Diagnostic {
  if (diagnostic.line !== undefined) return diagnostic;
  return {
    ...diagnostic,
    ...(source.file === undefined ? {} : { file: source.file }),
    ...source.positionOf(diagnostic.pointer, { key: keyRules.has(diagnostic.rule) }),
  };
}
