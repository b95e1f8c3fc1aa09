// SPDX-License-Identifier: MIT
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Diagnostic, isOsirisError, loadRegistry, type OsirisError } from '@osiris/registry';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, readCompiled, renderCompiled, writeCompiled } from '../src/index';

const registry = loadRegistry();
const pipeline = readFileSync(
  fileURLToPath(new URL('../../../examples/mysql-to-supabase-merge/pipeline.yaml', import.meta.url)),
  'utf8',
);
const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

/** A folder `writeCompiled` wrote for the example pipeline. */
function compiledFolder(engine?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-read-'));
  temp.push(dir);
  writeCompiled(dir, compile(pipeline, { registry, ...(engine === undefined ? {} : { engine }) }));
  return dir;
}

function thrown(run: () => unknown): OsirisError {
  try {
    run();
  } catch (error) {
    if (isOsirisError(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('readCompiled', () => {
  it('reads back exactly what writeCompiled wrote', () => {
    const result = compile(pipeline, { registry });
    const dir = compiledFolder();
    const read = readCompiled(dir);
    expect(read.manifest).toEqual(result.manifest);
    expect(read.configs).toEqual(result.configs);
    expect(read.manifestText).toBe(renderCompiled(result).get('manifest.yaml'));
  });

  it('takes another manifest file name and names files by the label', () => {
    const dir = compiledFolder();
    writeFileSync(join(dir, 'other.yaml'), readFileSync(join(dir, 'manifest.yaml')));
    expect(readCompiled(dir, { manifest: 'other.yaml' }).manifest.pipeline).toBe('mysql_to_supabase');
    unlinkSync(join(dir, 'cfg', 'dst.json'));
    const error = thrown(() => readCompiled(dir, { label: 'build' }));
    expect(error.message).toBe('build/cfg/dst.json: cannot read the config of step dst (ENOENT)');
  });

  it('refuses a broken manifest with located diagnostics', () => {
    const dir = compiledFolder();
    const text = readFileSync(join(dir, 'manifest.yaml'), 'utf8');
    writeFileSync(join(dir, 'manifest.yaml'), text.replace('mode: write', 'mode: upsert'));
    const error = thrown(() => readCompiled(dir, { label: 'build' }));
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toBe('build/manifest.yaml is not a valid run manifest');
    const line = text.split('\n').findIndex((row) => row.includes('mode: write')) + 1;
    expect(error.diagnostics).toEqual([
      expect.objectContaining({ file: 'build/manifest.yaml', pointer: '/steps/1/mode', line, rule: 'enum' }),
    ]);
  });

  it.each([
    ['YAML that does not parse', 'steps: [', /is not a valid run manifest/],
    ['something else than a manifest', 'kind: Pipeline\n', /is not a valid run manifest/],
  ])('refuses %s', (_what, text, message) => {
    const dir = compiledFolder();
    writeFileSync(join(dir, 'manifest.yaml'), text);
    const error = thrown(() => readCompiled(dir));
    expect(error.message).toMatch(message);
    expect(error.diagnostics.length).toBeGreaterThan(0);
    expect(error.diagnostics.every((d: Diagnostic) => d.file === join(dir, 'manifest.yaml'))).toBe(true);
  });

  it('refuses a missing manifest and a missing config, naming the file', () => {
    const dir = compiledFolder();
    unlinkSync(join(dir, 'cfg', 'src.json'));
    expect(thrown(() => readCompiled(dir)).message).toBe(
      `${join(dir, 'cfg', 'src.json')}: cannot read the config of step src (ENOENT)`,
    );
    unlinkSync(join(dir, 'manifest.yaml'));
    const error = thrown(() => readCompiled(dir));
    expect(error.message).toBe(`${join(dir, 'manifest.yaml')}: cannot read the run manifest (ENOENT)`);
    expect(error.hint).toMatch(/cfg\/ beside manifest.yaml/);
  });

  it('refuses a config that is not JSON, not a step config, or not the step of the manifest', () => {
    const dir = compiledFolder();
    const file = join(dir, 'cfg', 'src.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, '{ not json');
    expect(thrown(() => readCompiled(dir, { label: 'b' })).message).toBe(
      'b/cfg/src.json: cannot read the config of step src',
    );
    writeFileSync(file, JSON.stringify({ ...JSON.parse(original), connection: 'mysql://root@db/shop' }));
    const invalid = thrown(() => readCompiled(dir, { label: 'b' }));
    expect(invalid.message).toBe('b/cfg/src.json is not a valid step config');
    expect(invalid.diagnostics).toEqual([expect.objectContaining({ file: 'b/cfg/src.json', pointer: '/connection' })]);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(original), id: 'dst' }));
    expect(thrown(() => readCompiled(dir, { label: 'b' })).message).toBe(
      'b/cfg/src.json does not match step src of the manifest',
    );
  });

  it('checks the engine against the names the caller can run', () => {
    const dir = compiledFolder('k8s');
    expect(readCompiled(dir).manifest.execution.engine).toBe('k8s');
    const error = thrown(() => readCompiled(dir, { label: 'build', engines: ['local', 'e2b'] }));
    expect(error.message).toBe('build/manifest.yaml: the engine "k8s" is not one of local, e2b');
    expect(error.diagnostics).toEqual([
      expect.objectContaining({ file: 'build/manifest.yaml', pointer: '/execution/engine', line: expect.any(Number) }),
    ]);
  });
});
