// SPDX-License-Identifier: MIT
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
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

/** How much a YAML file may hold before it is refused unread: its size, its nesting and how far aliases expand. */
export interface YamlLimits {
  /** Characters; a larger file is refused before it is parsed. */
  readonly maxBytes: number;
  /** Levels of nested collections; checked before the parser, which recurses once per level. */
  readonly maxDepth: number;
  /** Values that aliases may expand to (the yaml package's `maxAliasCount`): no "billion laughs". */
  readonly maxAliasCount: number;
}

/** The limits every YAML file Osiris reads is held to (pipelines, manifests, secrets files, spec cards). */
export const YAML_LIMITS: YamlLimits = { maxBytes: 2 * 1024 * 1024, maxDepth: 64, maxAliasCount: 100 };

/**
 * Parses YAML that may come from anyone, within `limits`: a file over a limit
 * is not parsed and gets one `yamlLimit` diagnostic with its line and column.
 */
export function parseYamlSource(text: string, file?: string, limits: Partial<YamlLimits> = {}): YamlSource {
  const { maxBytes, maxDepth, maxAliasCount } = { ...YAML_LIMITS, ...limits };
  if (text.length > maxBytes) {
    const mb = (n: number) => Number((n / 1024 / 1024).toFixed(1));
    return refused(file, text, 0, {
      message: `the file is ${mb(text.length)} MB; YAML files are read up to ${mb(maxBytes)} MB`,
      fix: 'Split it into smaller files.',
    });
  }
  const deep = tooDeep(text, maxDepth);
  if (deep !== undefined) {
    return refused(file, text, deep, {
      message: `values are nested more than ${maxDepth} levels deep`,
      fix: 'Flatten the structure; an Osiris file needs a few levels.',
    });
  }

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
  let value: unknown;
  if (diagnostics.length === 0) {
    try {
      value = document.toJS({ maxAliasCount });
    } catch (error) {
      // yaml throws a ReferenceError, without a position, for an alias with no anchor before it and for
      // aliases that expand past maxAliasCount.
      if (!(error instanceof ReferenceError)) throw error;
      let first: { offset: number; name: string; unresolved: boolean } | undefined;
      visit(document, {
        Alias(_, node) {
          const unresolved = node.resolve(document) === undefined;
          if (first === undefined || unresolved)
            first = { offset: node.range?.[0] ?? 0, name: node.source, unresolved };
          return unresolved ? visit.BREAK : undefined;
        },
      });
      if (first?.unresolved) {
        return refused(file, text, first.offset, {
          rule: 'yamlSyntax',
          message: `YAML syntax error: the alias *${first.name} has no anchor &${first.name} before it`,
          why: 'An alias repeats a value marked with an anchor earlier in the file.',
          fix: `Define &${first.name} before this line, or write the value out.`,
        });
      }
      return refused(file, text, first?.offset ?? 0, {
        message: `aliases expand to more than ${maxAliasCount} values`,
        fix: 'Write the values out, or use fewer aliases (*name) of anchors (&name).',
      });
    }
  }

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

function refused(
  file: string | undefined,
  text: string,
  offset: number,
  what: { message: string; fix: string; rule?: string; why?: string },
): YamlSource {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const diagnostic: Diagnostic = {
    severity: 'error',
    path: '',
    pointer: '',
    rule: what.rule ?? 'yamlLimit',
    message: what.message,
    why: what.why ?? 'Files past these limits are refused unread: reading them could exhaust memory or the stack.',
    fix: what.fix,
    ...(file === undefined ? {} : { file }),
    line,
    col: offset - lineStart + 1,
  };
  return { file, value: undefined, diagnostics: [diagnostic], positionOf: () => undefined };
}

const isBlank = (char: string | undefined) =>
  char === undefined || char === ' ' || char === '\t' || char === '\r' || char === '\n';
const isIndicator = (text: string, at: number) =>
  (text[at] === '-' || text[at] === '?' || text[at] === ':') && isBlank(text[at + 1]);
const BLOCK_SCALAR_HEADER = /^[|>][1-9+-]{0,2}[ \t]*(?:#.*)?\r?$/;

/**
 * The offset where the nesting of a YAML text first goes deeper than `maxDepth`,
 * found in one pass over its characters. It counts what the parser recurses
 * on: deeper indentation in block context, compact indicators (`- - x`) and
 * flow brackets, skipping quoted text, comments, plain text and block scalars.
 * It may count a level the parser does not (a continued plain scalar), never
 * many.
 */
function tooDeep(text: string, maxDepth: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let quote = ''; // a quoted scalar still open at the end of a line
  let blockScalarParent = -1; // inside a block scalar: the indentation of the line that started it
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const lineStart = start;
    start = end + 1;
    let i = lineStart;
    while (i < end && text[i] === ' ') i++;
    const indent = i - lineStart;
    const blank = i === end || text[i] === '\r';
    if (blockScalarParent >= 0) {
      if (blank || indent > blockScalarParent) continue;
      blockScalarParent = -1;
    }
    if (quote === '' && flow === 0) {
      if (blank || text[i] === '#') continue;
      while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
      indents.push(indent);
      if (indents.length > maxDepth) return i;
      // "- - x": each indicator followed by another opens a collection inside the previous one.
      while (isIndicator(text, i)) {
        let next = i + 1;
        while (next < end && (text[next] === ' ' || text[next] === '\t')) next++;
        if (!isIndicator(text, next)) break;
        indents.push(next - lineStart);
        if (indents.length > maxDepth) return next;
        i = next;
      }
    }
    let atValueStart = true;
    for (let j = i; j < end; j++) {
      const char = text[j];
      if (quote !== '') {
        if (char === quote && quote === "'" && text[j + 1] === "'") j++;
        else if (char === '\\' && quote === '"') j++;
        else if (char === quote) quote = '';
        continue;
      }
      if (char === ' ' || char === '\t' || char === '\r') continue;
      if (char === '#' && isBlank(text[j - 1])) break;
      if (atValueStart && (char === '"' || char === "'")) {
        quote = char;
        atValueStart = false;
      } else if ((char === '[' || char === '{') && (atValueStart || flow > 0)) {
        flow++;
        if (indents.length + flow > maxDepth) return j;
        atValueStart = true;
      } else if ((char === ']' || char === '}') && flow > 0) {
        flow--;
        atValueStart = false;
      } else if ((char === ',' && flow > 0) || (char === ':' && isBlank(text[j + 1]))) {
        atValueStart = true;
      } else if (atValueStart && (char === '-' || char === '?') && isBlank(text[j + 1])) {
        atValueStart = true;
      } else if (atValueStart && flow === 0 && (char === '|' || char === '>')) {
        if (BLOCK_SCALAR_HEADER.test(text.slice(j, end))) blockScalarParent = indent;
        break;
      } else {
        atValueStart = false;
      }
    }
  }
  return undefined;
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
