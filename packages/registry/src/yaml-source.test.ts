// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { parseYamlSource, YAML_LIMITS } from './yaml-source';

/** Nine aliases of nine aliases of …: a few hundred bytes that expand to 9^depth values ("billion laughs"). */
function aliasBomb(levels = 9): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

function timed<T>(run: () => T): [T, number] {
  const started = performance.now();
  const result = run();
  return [result, performance.now() - started];
}

describe('parseYamlSource limits', () => {
  it('refuses an alias bomb with a located diagnostic instead of expanding it', () => {
    const [source, ms] = timed(() => parseYamlSource(aliasBomb(), 'bomb.yaml'));
    expect(source.value).toBeUndefined();
    expect(source.diagnostics).toEqual([
      expect.objectContaining({
        rule: 'yamlLimit',
        file: 'bomb.yaml',
        line: 2,
        col: 10,
        message: `aliases expand to more than ${YAML_LIMITS.maxAliasCount} values`,
      }),
    ]);
    expect(ms).toBeLessThan(1000);
  });

  it('reports an alias without its anchor as a syntax error, located', () => {
    expect(parseYamlSource('b: 1\na: *x\n', 'p.yaml').diagnostics).toEqual([
      expect.objectContaining({
        rule: 'yamlSyntax',
        line: 2,
        col: 4,
        message: 'YAML syntax error: the alias *x has no anchor &x before it',
      }),
    ]);
  });

  it('keeps a few ordinary aliases', () => {
    const source = parseYamlSource('base: &b { table: t }\ncopy: *b\n');
    expect(source.diagnostics).toEqual([]);
    expect(source.value).toEqual({ base: { table: 't' }, copy: { table: 't' } });
  });

  it.each([
    ['a flow sequence', (n: number) => `x: ${'['.repeat(n)}${']'.repeat(n)}\n`, 1, 4 + YAML_LIMITS.maxDepth - 1],
    [
      'a flow mapping',
      (n: number) => `x: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`,
      1,
      4 + (YAML_LIMITS.maxDepth - 1) * 4,
    ],
    ['compact block sequences', (n: number) => `x:\n  ${'- '.repeat(n)}1\n`, 2, 3 + (YAML_LIMITS.maxDepth - 1) * 2],
    [
      'indented block mappings',
      (n: number) => Array.from({ length: Math.min(n, 1000) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
      YAML_LIMITS.maxDepth + 1,
      YAML_LIMITS.maxDepth + 1,
    ],
  ])('refuses nesting deeper than the limit, before parsing: %s', (_what, nest, line, col) => {
    const [source, ms] = timed(() => parseYamlSource(nest(100_000), 'deep.yaml'));
    expect(source.diagnostics).toEqual([
      expect.objectContaining({
        rule: 'yamlLimit',
        line,
        col,
        message: `values are nested more than ${YAML_LIMITS.maxDepth} levels deep`,
      }),
    ]);
    expect(ms).toBeLessThan(2000);
    // Just under the limit still parses.
    expect(parseYamlSource(nest(YAML_LIMITS.maxDepth - 8)).diagnostics).toEqual([]);
  });

  it('does not count brackets in quotes, comments, plain text and block scalars', () => {
    const text = [
      'a: "[[[[[[[[[["',
      "b: '{{{{{{{{{{'",
      'c: x[[[[[[[[[[ # [[[[[[[[[[',
      'd: |',
      `  ${'[ - '.repeat(100)}`,
      '  - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -',
      'e: ok',
      '',
    ].join('\n');
    const source = parseYamlSource(text, 'fine.yaml', { maxDepth: 4 });
    expect(source.diagnostics).toEqual([]);
    expect(source.value).toMatchObject({ a: '[[[[[[[[[[', e: 'ok' });
  });

  it('refuses a file larger than the limit without parsing it, and says the limit', () => {
    const text = `version: 0.0.1\nsteps:\n${'  - { id: s, type: mysql.table }\n'.repeat(80_000)}`;
    expect(text.length).toBeGreaterThan(YAML_LIMITS.maxBytes);
    const [source, ms] = timed(() => parseYamlSource(text, 'big.yaml'));
    expect(source.diagnostics).toEqual([
      expect.objectContaining({
        rule: 'yamlLimit',
        line: 1,
        col: 1,
        message: `the file is ${(text.length / 1024 / 1024).toFixed(1)} MB; YAML files are read up to ${YAML_LIMITS.maxBytes / 1024 / 1024} MB`,
      }),
    ]);
    expect(ms).toBeLessThan(200);
  });
});
