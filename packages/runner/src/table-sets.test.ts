// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import type { ListedTable } from './contracts';
import { globPattern, loadOrder, selectTables, splitTableStepId, tableStepId, targetTable } from './table-sets';

const table = (name: string, references: string[] = [], primaryKey = ['id']): ListedTable => ({
  name,
  type: 'table',
  primaryKey,
  references,
});
const view = (name: string): ListedTable => ({ name, type: 'view', primaryKey: [], references: [] });
const refs = (entries: Record<string, string[]>) => new Map(Object.entries(entries).map(([k, v]) => [k, new Set(v)]));

describe('selectTables', () => {
  const listed = [table('orders'), table('order_items'), table('audit_2025'), table('users'), view('order_totals')];

  it('matches globs against base tables only, a view only by its exact name, less exclude', () => {
    const names = (include: string[], exclude: string[] = []) =>
      selectTables(listed, include, exclude).tables.map((t) => t.name);
    expect(names(['*'])).toEqual(['audit_2025', 'order_items', 'orders', 'users']);
    expect(names(['order*'])).toEqual(['order_items', 'orders']);
    expect(names(['*'], ['audit_*', 'u?ers'])).toEqual(['order_items', 'orders']);
    expect(names(['order_totals', 'users'])).toEqual(['order_totals', 'users']);
    expect(names(['orders?'])).toEqual([]);
  });

  it('says when a name matches nothing, or the patterns choose no table', () => {
    expect(selectTables(listed, ['orders', 'nope'], []).problems).toEqual(['no table or view is named "nope"']);
    expect(selectTables(listed, ['x*'], []).problems[0]).toContain('choose no table');
  });

  it('treats everything but * and ? literally', () => {
    expect(globPattern('a.b(c)*').test('a.b(c)d')).toBe(true);
    expect(globPattern('a.b').test('axb')).toBe(false);
  });
});

describe('loadOrder', () => {
  it('puts parents before children, ties by name, ignoring self references', () => {
    const order = loadOrder(
      ['items', 'orders', 'customers', 'staff'],
      new Map(),
      refs({ items: ['orders'], orders: ['customers'], staff: ['staff'] }),
    );
    expect(order).toEqual({ order: ['customers', 'orders', 'items', 'staff'] });
  });

  it("follows the target's keys when the source's form a cycle with them, and names a cycle of the target's", () => {
    expect(loadOrder(['a', 'b'], refs({ a: ['b'] }), refs({ b: ['a'] }))).toEqual({ order: ['b', 'a'] });
    expect(loadOrder(['a', 'b', 'c'], refs({ a: ['b'], b: ['a'] }), new Map()).cycle).toEqual(['a', 'b']);
  });
});

describe('per-table ids and targets', () => {
  it('splits a per-table step id at its first dot and fills a sink template', () => {
    expect(splitTableStepId(tableStepId('src', 'my.table'))).toEqual({ step: 'src', table: 'my.table' });
    expect(splitTableStepId('src')).toBeUndefined();
    expect(targetTable('raw_{table}_{table}', 'x')).toBe('raw_x_x');
    expect(targetTable(undefined, 'x')).toBe('x');
  });
});
