// SPDX-License-Identifier: MIT
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOsirisError } from './errors';
import { lintComponentsDir, loadRegistry } from './loader';

const good = `apiVersion: osiris.v1
kind: ComponentSpec
name: demo.thing
version: 1.0.0
title: Demo
description: A demo card.
modes: [read]
capabilities: []
configSchema:
  type: object
  additionalProperties: false
  properties:
    table: { type: string }
`;

let dirs: string[] = [];
function cards(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-cards-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'spec.yaml'), text);
  }
  return dir;
}
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe('spec card linting', () => {
  it('accepts a good card', () => {
    const dir = cards({ 'demo.thing': good });
    expect(lintComponentsDir(dir).diagnostics).toEqual([]);
    expect(
      loadRegistry(dir)
        .list()
        .map((s) => s.name),
    ).toEqual(['demo.thing']);
  });

  it.each([
    ['an unknown top-level key', good.replace('modes:', 'colour: red\nmodes:'), 'additionalProperties', 'colour', 7],
    ['x- extension keys are fine', `${good}x-owner: data-team\n`, undefined, undefined, undefined],
    ['a bad version', good.replace('1.0.0', 'one'), 'pattern', 'version', 4],
    ['a missing description', good.replace('description: A demo card.\n', ''), 'required', 'description', 1],
    ['a wrong mode', good.replace('[read]', '[pull]'), 'enum', 'modes[0]', 7],
    [
      'a configSchema that does not compile',
      good.replace('{ type: string }', '{ type: strin }'),
      'enum',
      'configSchema.properties.table.type',
      13,
    ],
    [
      'an example that fails its own configSchema',
      `${good}examples:\n  - title: bad\n    oml: { id: a, type: demo.thing, mode: read, options: { tabel: x } }\n`,
      'additionalProperties',
      'examples[0].oml.options.tabel',
      16,
    ],
    [
      'more than three examples',
      `${good}examples:\n${'  - { title: t, oml: { id: a, type: demo.thing, mode: read } }\n'.repeat(4)}`,
      'maxItems',
      'examples',
      15,
    ],
    ['YAML syntax', good.replace('modes: [read]', 'modes: [read'), 'yamlSyntax', '', undefined],
  ])('reports %s with file, field and line', (_name, text, rule, path, line) => {
    const dir = cards({ 'demo.thing': text });
    const { diagnostics } = lintComponentsDir(dir);
    if (rule === undefined) {
      expect(diagnostics).toEqual([]);
      return;
    }
    const found = diagnostics.find((d) => d.rule === rule);
    expect(found, JSON.stringify(diagnostics, null, 2)).toBeDefined();
    expect(found?.file).toBe(join(dir, 'demo.thing', 'spec.yaml'));
    expect(found?.path).toBe(path);
    if (line !== undefined) expect(found?.line).toBe(line);
    expect(found?.message).not.toMatch(/must NOT|must be equal/);
  });

  it('refuses to load a broken card, naming the file and field', () => {
    const dir = cards({ 'demo.thing': good.replace('1.0.0', 'one') });
    try {
      loadRegistry(dir);
      expect.unreachable();
    } catch (error) {
      expect(isOsirisError(error)).toBe(true);
      expect((error as Error).message).toContain(join(dir, 'demo.thing', 'spec.yaml:4:10'));
      expect((error as Error).message).toContain('(version)');
    }
  });

  it('refuses two cards with the same name', () => {
    const dir = cards({ a: good, b: good });
    expect(lintComponentsDir(dir).diagnostics.map((d) => d.rule)).toEqual(['duplicateName']);
  });
});
