// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { inlineParameters, resolveConnection } from './connection';

describe('inlineParameters', () => {
  it('escapes values and leaves question marks inside identifiers alone', () => {
    expect(inlineParameters('select `a?b` from `t` where `c?` = ? and `d` in (?, ?)', ["x' OR 1=1 --", 1, true])).toBe(
      "select `a?b` from `t` where `c?` = 'x\\' OR 1=1 --' and `d` in (1, true)",
    );
  });

  it('handles doubled backticks inside identifiers', () => {
    expect(inlineParameters('select `a``?` from `t``` where `x` = ?', ['a\\b'])).toBe(
      "select `a``?` from `t``` where `x` = 'a\\\\b'",
    );
  });

  it('refuses a parameter count mismatch', () => {
    expect(() => inlineParameters('select ?', [])).toThrow(/placeholders/);
    expect(() => inlineParameters('select 1', [1])).toThrow(/placeholders/);
  });
});

describe('resolveConnection', () => {
  it('reads a URL with encoded parts', () => {
    const t = resolveConnection('s', {
      url: 'mysql://us%40er:p%40ss%3Aword@db.example:3307/sh%20op?ssl-mode=REQUIRED',
    });
    expect(t.options).toMatchObject({
      host: 'db.example',
      port: 3307,
      user: 'us@er',
      password: 'p@ss:word',
      database: 'sh op',
      ssl: { rejectUnauthorized: false },
    });
    expect(t.where).toBe('db.example:3307');
    expect(t.redactor.text('driver: p@ss:word, p%40ss%3Aword')).toBe('driver: ***, ***');
  });

  it('lets fields override the URL and verifies certificates when asked', () => {
    const t = resolveConnection('s', {
      url: 'mariadb://u:p@h/db?sslmode=verify_identity',
      database: 'other',
      port: '3310',
    });
    expect(t.options).toMatchObject({ host: 'h', port: 3310, database: 'other', ssl: { rejectUnauthorized: true } });
  });

  it('explains a malformed URL without echoing it', () => {
    expect(() => resolveConnection('s', { url: 'mysql://u:se cret@' })).toThrow(/not a valid URL/);
    try {
      resolveConnection('s', { url: 'postgres://u:topsecret@h/db' });
    } catch (err) {
      expect(String(err)).toContain('mysql://');
      expect(String(err)).not.toContain('topsecret');
    }
  });

  it('requires a url or a host', () => {
    expect(() => resolveConnection('s', { user: 'x' })).toThrow(/neither a url nor a host/);
  });
});

describe('the redactor of a connection', () => {
  it('masks every occurrence of the URL and of its password, given in the URL or as a field', () => {
    const t = resolveConnection('s', { url: 'mysql://u:pw-in-url@h/db' });
    expect(t.redactor.text('a pw-in-url and pw-in-url again, url mysql://u:pw-in-url@h/db')).toBe(
      'a *** and *** again, url ***',
    );
    const fields = resolveConnection('s', { host: 'h', user: 'u', password: 'pw-as-field' });
    expect(fields.redactor.text('Access denied for pw-as-field')).toBe('Access denied for ***');
  });
});
