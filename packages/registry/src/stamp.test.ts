// SPDX-License-Identifier: MIT
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinComponentsDir, loadRegistry, loadSpecSchema, readSpecSources, stampFor } from './loader';
import { createRegistry } from './registry';
import type { StepInput } from './spec';

// Stands in for what a bundle's build puts into ./embedded-components (see tsup.config.base.ts).
const embedded = vi.hoisted(() => ({ files: undefined as Record<string, string> | undefined }));
vi.mock('./embedded-components', () => ({
  get embeddedComponents() {
    return embedded.files;
  },
}));

const diskSources = readSpecSources();
const diskSchema = loadSpecSchema();
const linted = createRegistry(diskSources, diskSchema);

/** The built-in components folder as a bundle embeds it, with the stamp the registry's build writes. */
function bundledFiles(stamp: unknown): Record<string, string> {
  const files: Record<string, string> = {
    'spec.schema.json': readFileSync(join(builtinComponentsDir(), 'spec.schema.json'), 'utf8'),
    'verified.json': `${JSON.stringify(stamp)}\n`,
  };
  for (const source of diskSources) files[source.file.split('/').slice(-2).join('/')] = source.text;
  return files;
}

const steps: [string, StepInput][] = [
  ['a valid read', { id: 'src', type: 'mysql.table', mode: 'read', options: { table: 'orders', columns: ['id'] } }],
  ['defaults filled in', { id: 'dst', type: 'supabase.table', mode: 'write', options: { table: 'orders' } }],
  [
    'a missing merge key',
    { id: 'dst', type: 'supabase.table', mode: 'write', options: { table: 't', write_mode: 'merge' } },
  ],
  ['a misspelt field', { id: 'dst', type: 'supabase.table', mode: 'write', options: { table: 't', tabel: 'x' } }],
  [
    'many problems at once',
    { id: 'x', type: 'supabase.table', mode: 'write', options: { table: '', schema: 3, write_mode: 'x', bogus: 1 } },
  ],
  ['a bad filter', { id: 'src', type: 'mysql.table', mode: 'read', options: { table: 't', filters: [{ op: 'in' }] } }],
  ['a wrong mode', { id: 'src', type: 'mysql.table', mode: 'write', options: { table: 't' } }],
  ['an inline secret', { id: 's', type: 'mysql.table', mode: 'read', connection: { url: 'mysql://u:p@h/d' } }],
  ['a misspelt type', { id: 'src', type: 'mysql.tabel', mode: 'read', options: { table: 't' } }],
  ['an unknown type', { id: 'src', type: 'oracle.table', mode: 'read' }],
  ['a card example', linted.get('supabase.table')?.examples?.[0]?.oml as StepInput],
];

afterEach(() => {
  embedded.files = undefined;
});

describe('the built-in cards as a bundle embeds them', () => {
  it('reads the same sources and spec schema as the folder', () => {
    embedded.files = bundledFiles(stampFor(diskSources, diskSchema).stamp);
    expect(readSpecSources()).toEqual(diskSources);
    expect(loadSpecSchema()).toEqual(diskSchema);
  });

  it.each([
    ['a matching stamp (cards neither parsed nor linted)', () => stampFor(diskSources, diskSchema).stamp],
    ['a stale stamp (cards linted again)', () => ({ ...stampFor(diskSources, diskSchema).stamp, digest: 'stale' })],
    ['no stamp', () => undefined],
  ])('with %s, a registry says exactly what a linted one says', (_name, stamp) => {
    embedded.files = bundledFiles(stamp());
    const registry = loadRegistry();
    expect(registry.list()).toEqual(linted.list());
    expect(registry.fingerprint()).toBe(linted.fingerprint());
    expect(registry.suggest('supabase.tabel')).toBe(linted.suggest('supabase.tabel'));
    expect(registry.getSecretMap('supabase.table')).toEqual(linted.getSecretMap('supabase.table'));
    for (const [name, step] of steps) {
      expect(registry.validateStep(step), name).toEqual(linted.validateStep(step));
    }
  });
});
