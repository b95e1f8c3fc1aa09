// SPDX-License-Identifier: MIT
import { loadRegistry } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { compile, parseOml, validateOml } from '../src/index';

const registry = loadRegistry();

function pipeline(source: string, sink: string): string {
  return `version: 0.0.1
name: many
sources:
  - id: src
    type: mysql.table
    connection: "@mysql"
    mode: read
    options: ${source}
sinks:
  - id: dst
    type: supabase.table
    connection: "@supabase"
    mode: write
    options: ${sink}
`;
}

function problems(text: string) {
  return validateOml(parseOml(text, { file: 'p.yaml' }).oml, { registry, mode: 'strict' });
}

describe('many tables from one step (ADR 0021)', () => {
  it('takes tables with a sink that leaves out table and merge_keys, and compiles the patterns, not a list', () => {
    const text = pipeline(
      '{ schema: shop, tables: ["*"], exclude: [audit_*] }',
      '{ write_mode: merge, create_table: true }',
    );
    expect(problems(text)).toEqual([]);
    const compiled = compile(text, { registry });
    expect(compiled.diagnostics).toEqual([]);
    const configs = compiled.configs as Record<string, { options: Record<string, unknown> }>;
    expect(configs.src?.options).toEqual({ schema: 'shop', tables: ['*'], exclude: ['audit_*'] });
    expect(configs.dst?.options).toEqual({ schema: 'public', write_mode: 'merge', create_table: true, max_rejects: 0 });
  });

  it('says, located, that table and tables exclude each other, and that a read needs one', () => {
    const both = problems(pipeline('{ table: a, tables: ["b*"] }', '{ write_mode: append }'));
    expect(both[0]).toMatchObject({ rule: 'constraint.exactlyOne', path: 'src.options.tables', line: 8 });
    expect(both[0]?.fix).toBe('Keep one of "table", "tables", "query" and remove the others.');
    const none = problems(pipeline('{ schema: shop }', '{ table: t }'));
    expect(none[0]).toMatchObject({ rule: 'constraint.exactlyOne', path: 'src.options', line: 8 });
    expect(none[0]?.why).toContain('gives none');
  });

  it('keeps table and merge_keys required for a sink of one table', () => {
    const found = problems(pipeline('{ table: orders }', '{ write_mode: merge }')).map((d) => d.pointer);
    expect(found).toEqual(['/sinks/0/options/merge_keys', '/sinks/0/options/table']);
  });

  it('refuses {table} for one table, a fixed table for many, exclude without tables, columns with tables', () => {
    const rules = (text: string) => problems(text).map((d) => `${d.path} ${d.message}`);
    expect(rules(pipeline('{ table: orders }', '{ table: "raw_{table}" }'))).toEqual([
      'dst.options.table {table} in table only applies to a sink of many tables',
    ]);
    expect(rules(pipeline('{ tables: ["*"] }', '{ table: orders }'))).toEqual([
      'dst.options.table sink "dst" of many tables writes them all into one table "orders"',
    ]);
    expect(rules(pipeline('{ table: orders, exclude: [x] }', '{ table: orders }'))).toEqual([
      'src.options.exclude exclude only applies with tables',
    ]);
    expect(rules(pipeline('{ tables: ["*"], columns: [id] }', '{ table: "raw_{table}" }'))).toEqual([
      'src.options.columns columns applies to one table, not to tables',
    ]);
    expect(rules(pipeline('{ tables: ["*"] }', '{ tables: ["*"] }'))[0]).toContain(
      'tables and exclude only apply to read steps',
    );
  });
});
