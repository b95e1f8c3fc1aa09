// SPDX-License-Identifier: MIT
import { loadRegistry } from '@osiris/registry';
import { APPEND, MERGE, MYSQL_MERGE, TABLES } from '@osiris/test-utils';
import { describe, expect, it } from 'vitest';
import { DiscoveryFacts } from './discovery';
import { diagnosticsForModel, roundSummary, validateDraft } from './validate-draft';

const registry = loadRegistry();

function factsFor(...connections: string[]): DiscoveryFacts {
  const facts = new DiscoveryFacts();
  for (const connection of connections) facts.add(connection, {}, TABLES[connection] ?? []);
  return facts;
}

describe('validateDraft: strict OML validation', () => {
  it.each([
    ['Supabase append', APPEND],
    ['Supabase merge', MERGE],
    ['MySQL to Supabase merge', MYSQL_MERGE],
  ])('accepts the %s pipeline, also against discovery', (_, yaml) => {
    const facts = factsFor('@app_db', '@warehouse', '@mysql', '@supabase');
    expect(validateDraft(yaml, { registry, facts })).toMatchObject({ ok: true, diagnostics: [] });
  });

  it.each([
    [
      'an invented field',
      APPEND.replace('write_mode: append', 'write_mode: append, batch_size: 500'),
      'additionalProperties',
      'events_out.options.batch_size',
    ],
    [
      'a wrong enum',
      MERGE.replace('write_mode: merge', 'write_mode: upsert'),
      'enum',
      'customers_out.options.write_mode',
    ],
    [
      'merge without keys',
      MERGE.replace(', merge_keys: [id]', ''),
      'constraint.required',
      'customers_out.options.merge_keys',
    ],
    [
      'an inline connection',
      APPEND.replace('"@app_db"', '"postgresql://app:pw@db.example.com/app"'),
      'inlineConnection',
      'events.connection',
    ],
    ['a top-level field OML does not know', `${APPEND}owner: data-team\n`, 'additionalProperties', 'owner'],
    ['YAML that does not parse', 'version: 0.0.1\nsources: [\n', undefined, undefined],
  ])('refuses %s', (_, yaml, rule, path) => {
    const result = validateDraft(yaml, { registry });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.every((d) => d.severity === 'error')).toBe(true);
    if (rule !== undefined) expect(result.diagnostics).toContainEqual(expect.objectContaining({ rule, path }));
  });

  it('turns warnings into errors (an unused param)', () => {
    const result = validateDraft(APPEND.replace('name: events_append', 'name: events_append\nparams:\n  unused: 1'), {
      registry,
    });
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({ severity: 'error' });
  });

  it('places diagnostics at file:line:col', () => {
    const result = validateDraft(MERGE.replace('write_mode: merge', 'write_mode: upsert'), {
      registry,
      file: 'c.yaml',
    });
    expect(result.diagnostics[0]).toMatchObject({ file: 'c.yaml', line: 19 });
  });
});

describe('validateDraft: discovery facts', () => {
  it('finds a column discovery did not find, with the likely name', () => {
    const yaml = MYSQL_MERGE.replace('amount,', 'amount_usd,');
    const result = validateDraft(yaml, { registry, facts: factsFor('@mysql', '@supabase') });
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        rule: 'discovery',
        path: 'src.options.columns[2]',
        message: 'column "amount_usd" is not a column of shop.orders on @mysql',
        suggestion: 'amount',
        line: 8,
      }),
    ]);
    expect(result.diagnostics[0]?.why).toContain('id, customer_id, amount, updated_at');
  });

  it.each([
    [
      'a missing source table',
      MYSQL_MERGE.replace('table: orders,', 'table: order,'),
      'src.options.table',
      /"shop.order" was not found on @mysql/,
    ],
    [
      'a filter column',
      MERGE.replace('column: active', 'column: is_active'),
      'customers.options.filters[0].column',
      /filter column "is_active"/,
    ],
    [
      'a merge key the sink table lacks',
      MERGE.replace('merge_keys: [id]', 'merge_keys: [customer_id]'),
      'customers_out.options.merge_keys[0]',
      /merge key "customer_id" is not a column of analytics.customers/,
    ],
    [
      'a missing sink table',
      APPEND.replace('table: events, write_mode', 'table: event_log, write_mode'),
      'events_out.options.table',
      /"analytics.event_log" was not found on @warehouse/,
    ],
  ])('finds %s', (_, yaml, path, message) => {
    const result = validateDraft(yaml, { registry, facts: factsFor('@app_db', '@warehouse', '@mysql', '@supabase') });
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({ rule: 'discovery', path, message: expect.stringMatching(message) }),
    );
  });

  it('names the primary key when a merge key is wrong', () => {
    const yaml = MERGE.replace('merge_keys: [id]', 'merge_keys: [customer_id]');
    const [diagnostic] = validateDraft(yaml, { registry, facts: factsFor('@app_db', '@warehouse') }).diagnostics;
    expect(diagnostic).toMatchObject({ example: 'merge_keys: [id]' });
  });

  it('accepts a sink table that create_table will make, but checks merge keys against the source columns', () => {
    const created = MYSQL_MERGE.replace(
      'table: orders, write_mode',
      'table: orders_copy, create_table: true, write_mode',
    );
    expect(validateDraft(created, { registry, facts: factsFor('@mysql', '@supabase') }).ok).toBe(true);
    const wrongKey = created.replace('merge_keys: [id]', 'merge_keys: [order_id]');
    expect(validateDraft(wrongKey, { registry, facts: factsFor('@mysql', '@supabase') }).diagnostics).toEqual([
      expect.objectContaining({
        path: 'dst.options.merge_keys[0]',
        message: expect.stringContaining('not among the columns source "src" reads'),
      }),
    ]);
  });

  it('judges nothing where discovery never looked', () => {
    const yaml = MYSQL_MERGE.replace('amount,', 'amount_usd,');
    expect(validateDraft(yaml, { registry, facts: factsFor('@supabase') }).ok).toBe(true);
    const narrow = new DiscoveryFacts();
    narrow.add(
      '@mysql',
      { schema: 'shop', table: 'customers' },
      TABLES['@mysql']?.filter((t) => t.name === 'customers') ?? [],
    );
    expect(validateDraft(yaml, { registry, facts: narrow }).ok).toBe(true);
  });
});

describe('what the model and the user read', () => {
  const diagnostics = validateDraft(MERGE.replace('write_mode: merge', 'write_mode: upsert'), { registry }).diagnostics;

  it('gives the model message, why, fix and example of every problem', () => {
    const text = diagnosticsForModel(diagnostics);
    expect(text).toContain('1 problem');
    expect(text).toContain('pipeline.yaml:19');
    expect(text).toContain('customers_out.options.write_mode');
    expect(text).toContain('why: "write_mode" must be one of: append, merge, replace.');
    expect(text).toContain('fix: Pick one of: append, merge, replace.');
    expect(text).toContain('example: write_mode: merge');
  });

  it('gives the user one line per round', () => {
    expect(roundSummary(1, diagnostics)).toBe(
      'round 1: 1 problem: customers_out.options.write_mode: the text "upsert" is not allowed for "write_mode"',
    );
    expect(roundSummary(2, [])).toBe('round 2: valid');
  });
});
