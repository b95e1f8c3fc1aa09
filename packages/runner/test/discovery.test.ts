// SPDX-License-Identifier: MIT
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiscoveredTable } from '../src/contracts';
import { type DiscoverWithCacheOptions, discoverWithCache } from '../src/discovery';
import { fakeSink, fakeSource } from './fakes';

const tables: DiscoveredTable[] = [
  {
    schema: 'shop',
    name: 'orders',
    approxRows: 1000,
    columns: [
      { name: 'id', kind: 'integer', nativeType: 'int', nullable: false, primaryKey: true },
      { name: 'amount', kind: 'decimal', nativeType: 'decimal(12,2)', nullable: true, primaryKey: false },
    ],
  },
];
const password = 'CANARY_DISCOVERY_PW_4411';

function setup(overrides: Partial<DiscoverWithCacheOptions> = {}) {
  const connector = fakeSource({ tables });
  let clock = new Date('2026-11-27T14:30:00Z');
  const options: DiscoverWithCacheOptions = {
    connector,
    ref: '@mysql',
    connection: { url: `mysql://app:${password}@db:3306/shop`, password },
    componentType: 'mysql.table',
    componentVersion: '0.1.0',
    specFingerprint: `sha256-${'a'.repeat(64)}`,
    options: { schema: 'shop' },
    cacheDir: mkdtempSync(join(tmpdir(), 'osiris-cache-')),
    ttlMs: 60_000,
    now: () => clock,
    ...overrides,
  };
  return {
    connector,
    options,
    advance: (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    },
  };
}

describe('discoverWithCache', () => {
  it('asks the database once, then answers from the cache', async () => {
    const { connector, options } = setup();
    const first = await discoverWithCache(options);
    expect(first).toMatchObject({ cached: false, tables, fetchedAt: '2026-11-27T14:30:00.000Z' });
    const second = await discoverWithCache(options);
    expect(second).toMatchObject({ cached: true, tables, cacheFile: first.cacheFile });
    expect(connector.discovers).toBe(1);
    expect(first.cacheFile.startsWith(join(options.cacheDir, 'discovery'))).toBe(true);
  });

  it('refreshes when the TTL has run out or when asked to', async () => {
    const { connector, options, advance } = setup();
    await discoverWithCache(options);
    advance(59_999);
    expect((await discoverWithCache(options)).cached).toBe(true);
    advance(1);
    expect((await discoverWithCache(options)).cached).toBe(false);
    expect((await discoverWithCache({ ...options, refresh: true })).cached).toBe(false);
    expect(connector.discovers).toBe(3);
  });

  it.each([
    ['options', { options: { schema: 'shop', table: 'orders' } }],
    ['component version', { componentVersion: '0.2.0' }],
    ['spec fingerprint', { specFingerprint: `sha256-${'b'.repeat(64)}` }],
    ['connection reference', { ref: '@mysql_replica' }],
    ['component type', { componentType: 'mariadb.table' }],
    ['database the connection points at', { connection: { url: `mysql://app:${password}@db:3306/archive`, password } }],
    ['host the connection points at', { connection: { url: `mysql://app:${password}@replica:3306/shop`, password } }],
  ])('misses when the %s changes', async (_what, change) => {
    const { connector, options } = setup();
    await discoverWithCache(options);
    const changed = await discoverWithCache({ ...options, ...change });
    expect(changed.cached).toBe(false);
    expect(connector.discovers).toBe(2);
  });

  it('keeps the cache when only the password changes', async () => {
    const { connector, options } = setup();
    await discoverWithCache(options);
    const rotated = { url: 'mysql://app:rotated-pw@db:3306/shop?password=rotated-pw', password: 'rotated-pw' };
    expect((await discoverWithCache({ ...options, connection: rotated })).cached).toBe(true);
    expect(connector.discovers).toBe(1);
  });

  it('keys options canonically: the order of keys does not matter', async () => {
    const { connector, options } = setup({ options: { schema: 'shop', table: 'orders' } });
    await discoverWithCache(options);
    expect((await discoverWithCache({ ...options, options: { table: 'orders', schema: 'shop' } })).cached).toBe(true);
    expect(connector.discovers).toBe(1);
  });

  it('never writes a secret into the cache', async () => {
    const { options } = setup();
    await discoverWithCache(options);
    const dir = join(options.cacheDir, 'discovery');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const text = readFileSync(join(dir, files[0] ?? ''), 'utf8');
    expect(text).toContain('"connection": "@mysql"');
    expect(text).not.toContain(password);
    expect(text).not.toContain('mysql://');
  });

  it('treats a corrupt cache file as a miss', async () => {
    const { connector, options } = setup();
    const first = await discoverWithCache(options);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(first.cacheFile, '{not json');
    expect((await discoverWithCache(options)).cached).toBe(false);
    expect(connector.discovers).toBe(2);
  });

  it('refuses a connector without the discovery capability', async () => {
    const { options } = setup({ connector: fakeSink({ capabilities: [] }) });
    await expect(discoverWithCache(options)).rejects.toThrow('mysql.table cannot discover');
  });
});
