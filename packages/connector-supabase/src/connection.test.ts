// SPDX-License-Identifier: MIT
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConnectionTarget, describePgError, resolveConnection, type ServerTarget } from './connection';

function server(target: ConnectionTarget): ServerTarget {
  if (target.kind !== 'server') throw new Error(`expected a server target, got ${target.kind}`);
  return target;
}

describe('resolveConnection', () => {
  it('keeps the URL, asks for libpq sslmode semantics and lists the secrets', () => {
    const t = server(
      resolveConnection('s', {
        url: 'postgresql://user.ref:p%40ss@aws-0.pooler.supabase.com:6543/postgres?sslmode=require',
      }),
    );
    const url = new URL(t.connectionString);
    expect(url.searchParams.get('sslmode')).toBe('require');
    expect(url.searchParams.get('uselibpqcompat')).toBe('true');
    expect(t.where).toBe('aws-0.pooler.supabase.com:6543/postgres');
    expect(t.user).toBe('user.ref');
    expect(t.redactor.text('driver: p%40ss, p@ss')).toBe('driver: ***, ***');
  });

  it('leaves an explicit uselibpqcompat alone', () => {
    const t = server(resolveConnection('s', { url: 'postgres://u@h/db?uselibpqcompat=false' }));
    expect(new URL(t.connectionString).searchParams.get('uselibpqcompat')).toBe('false');
  });

  it.each([
    [{}, 'has no url'],
    [{ url: 'not a url' }, 'not a valid URL'],
    [{ url: 'mysql://u:pw@h/db' }, 'must start with postgresql://'],
    [{ url: 'pglite://' }, 'names no folder'],
  ])('rejects %j', (connection, message) => {
    expect(() => resolveConnection('s', connection)).toThrow(message);
  });

  it.each([
    ['pglite://memory', undefined, 'pglite://memory'],
    [
      'pglite://.osiris/quickstart-db',
      resolve('.osiris/quickstart-db'),
      `pglite://${resolve('.osiris/quickstart-db')}`,
    ],
    ['pglite:///var/lib/osiris db', '/var/lib/osiris db', 'pglite:///var/lib/osiris db'],
    ['PGLITE://data', resolve('data'), `pglite://${resolve('data')}`],
  ])('reads %s as an embedded database', (url, dataDir, where) => {
    expect(resolveConnection('s', { url })).toEqual({ kind: 'embedded', dataDir, where, redactor: expect.anything() });
  });
});

describe('the redactor of a connection', () => {
  it('masks the URL and its password', () => {
    const t = resolveConnection('s', { url: 'postgres://u:pw-in-url@h/db' });
    expect(t.redactor.text('pw-in-url in postgres://u:pw-in-url@h/db')).toBe('*** in ***');
  });
});

describe('describePgError', () => {
  it('ends without a period, so that a caller\'s ". The write was rolled back" does not double it', () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint "t_pkey"'), {
      code: '23505',
      detail: 'Key (id)=(1) already exists.',
      hint: 'Check the keys.',
    });
    const text = `${describePgError(error)}. The write was rolled back.`;
    expect(text).toBe(
      'duplicate key value violates unique constraint "t_pkey" (SQLSTATE 23505). Key (id)=(1) already exists. Hint: Check the keys. The write was rolled back.',
    );
    expect(text).not.toContain('..');
  });
});
