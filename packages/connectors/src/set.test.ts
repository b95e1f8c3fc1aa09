// SPDX-License-Identifier: MIT
import { exitCodeOf, isOsirisError } from '@osiris/registry';
import type { Connector } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { builtinConnectors } from './builtin';
import { connectorSet } from './set';

const connector = (type: string, urlSchemes?: readonly string[]): Connector => ({
  type,
  modes: ['read'],
  capabilities: [],
  ...(urlSchemes === undefined ? {} : { urlSchemes }),
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('builtinConnectors', () => {
  it('is one connector per built-in card, each declaring its schemes, sandbox verdict and retry verdict', () => {
    expect(builtinConnectors.map((c) => c.type)).toEqual(['filesystem.csv', 'mysql.table', 'supabase.table']);
    for (const c of builtinConnectors) {
      expect(Array.isArray(c.urlSchemes), c.type).toBe(true);
      expect(typeof c.sandbox, c.type).toBe('function');
      expect(typeof c.isTransient, c.type).toBe('function');
    }
  });
});

describe('connectorSet', () => {
  const builtin = connectorSet(builtinConnectors);

  it.each([
    ['mysql://root@db:3306/shop', 'mysql.table'],
    ['MariaDB://root@db/shop', 'mysql.table'],
    ['postgresql://svc@pooler:6543/postgres', 'supabase.table'],
    ['postgres://svc@db/postgres', 'supabase.table'],
    ['pglite://.osiris/db', 'supabase.table'],
    ['sqlite://file.db', undefined],
    ['no scheme at all', undefined],
    ['', undefined],
  ])('finds the connector of %s by its scheme: %s', (url, type) => {
    expect(builtin.forUrl(url)?.type).toBe(type);
  });

  it('looks connectors up by type and lists them in type order', () => {
    const set = connectorSet([connector('b.table'), connector('a.table', ['aa'])]);
    expect(set.types()).toEqual(['a.table', 'b.table']);
    expect(set.list.map((c) => c.type)).toEqual(['a.table', 'b.table']);
    expect(set.get('b.table')?.type).toBe('b.table');
    expect(set.get('c.table')).toBeUndefined();
  });

  it('lets a later connector replace one of the same type, schemes included', () => {
    const mine = connector('mysql.table', ['mysqlx']);
    const set = builtin.with([mine, connector('toy.table', ['toy'])]);
    expect(set.get('mysql.table')).toBe(mine);
    expect(set.forUrl('mysqlx://db')).toBe(mine);
    expect(set.forUrl('mysql://db')).toBeUndefined();
    expect(set.forUrl('toy:///data')?.type).toBe('toy.table');
    expect(set.types()).toEqual(['filesystem.csv', 'mysql.table', 'supabase.table', 'toy.table']);
    // The set it came from is unchanged.
    expect(builtin.get('mysql.table')).not.toBe(mine);
    expect(builtin.with([])).toBe(builtin);
  });

  it.each([
    [
      [connector('a.table', ['pg']), connector('b.table', ['pg'])],
      'connectors a.table and b.table both take pg:// URLs',
    ],
    [[connector('a.table', ['Pg'])], 'connector a.table declares the URL scheme "Pg"'],
    [[connector('a.table', ['pg://'])], 'connector a.table declares the URL scheme "pg://"'],
  ])('refuses a composition where a scheme is ambiguous or malformed (%#)', (connectors, message) => {
    const error = thrown(() => connectorSet(connectors));
    expect(isOsirisError(error)).toBe(true);
    expect(exitCodeOf(error)).toBe(5);
    expect((error as Error).message).toContain(message);
  });
});
