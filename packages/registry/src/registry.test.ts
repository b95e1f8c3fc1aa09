// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from './diagnostics';
import { friendlyErrors } from './friendly';
import { loadRegistry, loadSpecSchema } from './loader';
import { createRegistry } from './registry';
import type { StepInput } from './spec';

const registry = loadRegistry();

const validSteps: [string, StepInput][] = [
  [
    'mysql read with columns and filters',
    {
      id: 'src',
      type: 'mysql.table',
      mode: 'read',
      connection: '@mysql',
      options: {
        schema: 'shop',
        table: 'orders',
        columns: ['id', 'amount'],
        filters: [
          { column: 'id', op: 'in', value: [1, 2] },
          { column: 'note', op: 'is_null' },
        ],
      },
    },
  ],
  ['mysql read with only a table', { id: 'src', type: 'mysql.table', mode: 'read', options: { table: 'orders' } }],
  ['supabase append', { id: 'dst', type: 'supabase.table', mode: 'write', options: { table: 'orders' } }],
  [
    'supabase merge',
    {
      id: 'dst',
      type: 'supabase.table',
      mode: 'write',
      options: { table: 'orders', write_mode: 'merge', merge_keys: ['id'] },
    },
  ],
  [
    'supabase read',
    {
      id: 'src',
      type: 'supabase.table',
      mode: 'read',
      options: { table: 'orders', filters: [{ column: 'active', op: 'eq', value: true }] },
    },
  ],
];

describe('validateStep accepts valid steps', () => {
  it.each(validSteps)('%s', (_name, step) => {
    const result = registry.validateStep(step);
    expect(result.diagnostics).toEqual([]);
  });

  it('fills in defaults from the card', () => {
    const result = registry.validateStep({ type: 'supabase.table', mode: 'write', options: { table: 't' } });
    expect(result.options).toEqual({
      table: 't',
      schema: 'public',
      write_mode: 'append',
      create_table: false,
      max_rejects: 0,
    });
  });
});

const invalidSteps: [string, StepInput, { rule: string; path: string; message: RegExp }][] = [
  [
    'merge without merge_keys',
    { id: 'dst', type: 'supabase.table', mode: 'write', options: { table: 'orders', write_mode: 'merge' } },
    {
      rule: 'constraint.required',
      path: 'dst.options.merge_keys',
      message: /merge_keys is required when write_mode is merge/,
    },
  ],
  [
    'misspelt option field',
    {
      id: 'dst',
      type: 'supabase.table',
      mode: 'write',
      options: { table: 'orders', write_mode: 'merge', mege_keys: ['id'] },
    },
    {
      rule: 'additionalProperties',
      path: 'dst.options.mege_keys',
      message: /unknown field "mege_keys" \(did you mean "merge_keys"\?\)/,
    },
  ],
  [
    'wrong enum value',
    { id: 'dst', type: 'supabase.table', mode: 'write', options: { table: 'orders', write_mode: 'upsert' } },
    { rule: 'enum', path: 'dst.options.write_mode', message: /"upsert" is not allowed for "write_mode"/ },
  ],
  [
    'enum value with a typo',
    {
      id: 'dst',
      type: 'supabase.table',
      mode: 'write',
      options: { table: 'orders', write_mode: 'merg', merge_keys: ['id'] },
    },
    { rule: 'enum', path: 'dst.options.write_mode', message: /did you mean "merge"/ },
  ],
  [
    'missing required table',
    { id: 'src', type: 'mysql.table', mode: 'read', options: { schema: 'shop' } },
    { rule: 'constraint.exactlyOne', path: 'src.options', message: /exactly one of table .*, tables .* and query/ },
  ],
  [
    'both table and tables',
    { id: 'src', type: 'mysql.table', mode: 'read', options: { table: 'a', tables: ['b*'] } },
    {
      rule: 'constraint.exactlyOne',
      path: 'src.options.tables',
      message: /exactly one of table .*, tables .* and query/,
    },
  ],
  [
    'wrong type',
    { id: 'src', type: 'mysql.table', mode: 'read', options: { table: 42 } },
    { rule: 'type', path: 'src.options.table', message: /"table" must be text, not number 42/ },
  ],
  [
    'empty merge_keys',
    {
      id: 'dst',
      type: 'supabase.table',
      mode: 'write',
      options: { table: 'orders', write_mode: 'merge', merge_keys: [] },
    },
    { rule: 'minItems', path: 'dst.options.merge_keys', message: /needs at least 1 item/ },
  ],
  [
    'unknown field deep inside filters',
    {
      id: 'src',
      type: 'mysql.table',
      mode: 'read',
      options: { table: 't', filters: [{ column: 'a', op: 'eq', value: 1, negate: true }] },
    },
    { rule: 'additionalProperties', path: 'src.options.filters[0].negate', message: /unknown field "negate"/ },
  ],
  [
    'in filter without a list',
    {
      id: 'src',
      type: 'mysql.table',
      mode: 'read',
      options: { table: 't', filters: [{ column: 'a', op: 'in', value: 1 }] },
    },
    { rule: 'type', path: 'src.options.filters[0].value', message: /must be a list/ },
  ],
  [
    'write-only option on a read step',
    { id: 'src', type: 'supabase.table', mode: 'read', options: { table: 't', merge_keys: ['id'] } },
    { rule: 'constraint.required', path: 'src.options.merge_keys', message: /only apply to write steps/ },
  ],
  [
    'mode the card does not declare',
    { id: 'src', type: 'mysql.table', mode: 'transform', options: { table: 't' } },
    { rule: 'mode', path: 'src.mode', message: /mysql.table cannot transform; it supports: read, write/ },
  ],
  [
    'unknown component with a typo',
    { id: 'src', type: 'mysql.tabel', mode: 'read', options: { table: 't' } },
    { rule: 'unknownComponent', path: 'src.type', message: /did you mean "mysql.table"/ },
  ],
];

describe('validateStep explains invalid steps', () => {
  it.each(invalidSteps)('%s', (_name, step, expected) => {
    const { diagnostics } = registry.validateStep(step);
    const match = diagnostics.find((d) => d.rule === expected.rule && d.path === expected.path);
    expect(match, JSON.stringify(diagnostics, null, 2)).toBeDefined();
    expect(match?.message).toMatch(expected.message);
    expect(match?.severity).toBe('error');
    expect(match?.why.length).toBeGreaterThan(10);
    expect(match?.fix.length).toBeGreaterThan(5);
  });

  it('says merge_keys is required for merge and shows how to fix it', () => {
    const { diagnostics } = registry.validateStep({
      id: 'dst',
      type: 'supabase.table',
      mode: 'write',
      options: { table: 'orders', write_mode: 'merge' },
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      pointer: '/options/merge_keys',
      message: 'merge_keys is required when write_mode is merge',
      fix: 'Add "merge_keys".',
      example: 'merge_keys: [id]',
    });
    expect(diagnostics[0]?.why).toContain('mode is write and options.write_mode is merge');
  });

  it('a misspelt field gets one diagnostic with the right example, not a second "missing" one', () => {
    const { diagnostics } = registry.validateStep({
      id: 'dst',
      type: 'supabase.table',
      mode: 'write',
      options: { table: 'orders', write_mode: 'merge', mege_keys: ['id'] },
    });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      suggestion: 'merge_keys',
      example: 'merge_keys: [id]',
      fix: 'Rename "mege_keys" to "merge_keys".',
    });
  });

  it('never passes a raw ajv message through', () => {
    const { diagnostics } = registry.validateStep({
      id: 'x',
      type: 'supabase.table',
      mode: 'write',
      options: { table: '', schema: 3, write_mode: 'x', bogus: 1, merge_keys: ['a', 'a'] },
    });
    expect(diagnostics.length).toBeGreaterThanOrEqual(5);
    for (const d of diagnostics) expect(d.message).not.toMatch(/must NOT have|must be equal to one of|must match/);
  });

  it('warns about an inline secret at a declared pointer', () => {
    const { diagnostics } = registry.validateStep({
      id: 'src',
      type: 'mysql.table',
      mode: 'read',
      connection: { url: 'mysql://u:p@h/db' },
      options: { table: 't' },
    });
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ rule: 'inlineSecret', severity: 'warning', pointer: '/connection/url' }),
    );
    expect(JSON.stringify(diagnostics)).not.toContain('u:p@h');
  });
});

describe('registry', () => {
  it('lists the built-in components sorted by name', () => {
    const names = registry.list().map((spec) => spec.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['mysql.table', 'supabase.table']));
  });

  it('returns secret maps', () => {
    expect(registry.getSecretMap('supabase.table')).toEqual(['/connection/url', '/connection/password']);
    expect(registry.getSecretMap('nope')).toEqual([]);
  });

  it('has a stable fingerprint that changes with the cards', () => {
    expect(registry.fingerprint()).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(loadRegistry().fingerprint()).toBe(registry.fingerprint());
  });

  it.each(registry.list().map((spec) => [spec.name, spec] as const))('%s: every example validates', (_name, spec) => {
    expect(spec.examples?.length).toBeGreaterThan(0);
    for (const example of spec.examples ?? []) {
      expect(registry.validateStep(example.oml).diagnostics).toEqual([]);
    }
  });
});

describe('diagnostics never offer an empty choice', () => {
  // "Use one of: ." and "one of: " followed by nothing, or a sentence ending in "..".
  const broken = /one of: *[.(]|one of: *$|\.\.$/;
  const texts = (diagnostics: readonly Diagnostic[]) => diagnostics.flatMap((d) => [d.message, d.why, d.fix]);

  it('for an enum with no values', () => {
    const diagnostics = friendlyErrors(
      [
        {
          keyword: 'enum',
          instancePath: '/op',
          schemaPath: '#/properties/op/enum',
          params: { allowedValues: [] },
          message: 'must be equal to one of the allowed values',
        },
      ],
      { op: 'eq' },
      { basePointer: '', subject: 'a card' },
    );
    expect(diagnostics).toHaveLength(1);
    for (const text of texts(diagnostics)) expect(text).not.toMatch(broken);
    expect(diagnostics[0]?.why).toBe('"op" accepts no value: its schema lists none.');
  });

  it('for an unknown component in a registry with no cards', () => {
    const empty = createRegistry([], loadSpecSchema());
    const { diagnostics } = empty.validateStep({ id: 'src', type: 'mysql.table', mode: 'read' });
    for (const text of texts(diagnostics)) expect(text).not.toMatch(broken);
    expect(diagnostics[0]?.fix).toBe('No component is loaded: check the components folder (osiris components list).');
  });
});
