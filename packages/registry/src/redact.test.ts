// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { createRedactor, redact, secretParts } from './redact';

const canary = 'Canary-7f3a9e21';

describe('redact', () => {
  it.each(['fixed', 'hash'] as const)('masks a fake inline secret at a declared pointer (%s)', (strategy) => {
    const step = { id: 'src', connection: { url: 'notreallyaurl', password: canary }, options: { table: 't' } };
    const out = redact(step, { secretMap: ['/connection/password', '/connection/url'], strategy });
    expect(JSON.stringify(out)).not.toContain(canary);
    expect(JSON.stringify(out)).not.toContain('notreallyaurl');
    expect(out.options).toEqual({ table: 't' });
    if (strategy === 'fixed') expect(out.connection.password).toBe('***');
    else expect(out.connection.password).toMatch(/^\[sha256:[0-9a-f]{10}\]$/);
  });

  it.each(['fixed', 'hash'] as const)('masks a known secret inside a longer string (%s)', (strategy) => {
    const text = `connect failed for user app using secret ${canary}: access denied`;
    const out = redact(text, { knownSecrets: [canary], strategy });
    expect(out).not.toContain(canary);
    expect(out).toContain('access denied');
  });

  it('gives the same short hash for the same secret and a different one for another', () => {
    const a = redact(`x ${canary}`, { knownSecrets: [canary], strategy: 'hash' });
    const b = redact(`y ${canary}`, { knownSecrets: [canary], strategy: 'hash' });
    const c = redact('z other-secret-1', { knownSecrets: ['other-secret-1'], strategy: 'hash' });
    expect(a.slice(2)).toBe(b.slice(2));
    expect(c.slice(2)).not.toBe(a.slice(2));
  });

  it('masks the parts of a secret URL, raw and percent-decoded', () => {
    const url = 'postgresql://app:p%40ss-Word9@db.example.test:5432/app';
    expect(secretParts(url)).toEqual(expect.arrayContaining([url, 'app:p%40ss-Word9', 'p%40ss-Word9', 'p@ss-Word9']));
    const redactor = createRedactor({ knownSecrets: [url] });
    expect(redactor.text('password authentication failed: p@ss-Word9')).toBe('password authentication failed: ***');
  });

  it.each([
    ['URL userinfo', 'dial mysql://root:hunter2x@10.0.0.1:3306/db', 'dial mysql://root:***@10.0.0.1:3306/db'],
    ['password=', 'host=db password=hunter2x sslmode=require', 'host=db password=*** sslmode=require'],
    ['JSON password', '{"user":"a","password":"hunter2x"}', '{"user":"a","password":"***"}'],
    ['bearer token', 'Authorization: Bearer sk-abc.def_123', 'Authorization: Bearer ***'],
    [
      "MySQL's own note",
      "Access denied for user 'app'@'h' (using password: YES)",
      "Access denied for user 'app'@'h' (using password: YES)",
    ],
  ])('pattern fallback: %s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('does not mask the schema of a password field', () => {
    const schema = JSON.stringify({ password: { type: 'string' } }, null, 2);
    expect(redact(schema)).toBe(schema);
    expect(redact('password: { type: string }')).toBe('password: { type: string }');
  });

  it('leaves ordinary text and non-string values alone', () => {
    const value = { rows: 10, ok: true, note: 'nothing secret here', list: [1, 'a'] };
    expect(redact(value, { knownSecrets: [canary] })).toEqual(value);
  });
});
