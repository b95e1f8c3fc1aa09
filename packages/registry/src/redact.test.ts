// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { createRedactor, isCredentialField, isSecretEnvName, isSecretName, redact, secretParts } from './redact';

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

  // Every character a URL gives a meaning to, and unicode, in one password; each run of letters is a canary.
  const special = `Kx7qa@Vb2wa:Nm4za/Rt8ya?Hp3ja#Lc5da%Fg6sa[Qa9ea]Zu1oa!Wi0ka$Ey2ra&Ty3ua'Oj4pa(Sd5fa)Gh6ja*Kl7za+Xc8va,Bn9ma;Mq1wa=Er2ta~Yu3ia"Io4pa\\Pa5sa üñï€😀Df6ga`;
  const canaries = special.match(/[A-Z][a-z][0-9][a-z]a/g) ?? [];

  it.each([
    ['raw', (password: string) => `mysql://app:${password}@db.example.test:3306/shop`],
    ['percent-encoded', (password: string) => `mysql://app:${encodeURIComponent(password)}@db.example.test/shop`],
    ['an IPv6 host', (password: string) => `postgresql://app:${password}@[2001:db8::1]:5432/app?sslmode=require`],
    ['a query holding an @', (password: string) => `postgresql://app:${password}@db/app?application_name=a@b`],
  ])('masks a password with every URL-special character, %s, in every form a message may show', (_how, urlOf) => {
    expect(canaries).toHaveLength(24);
    const url = urlOf(special);
    const redactor = createRedactor({ knownSecrets: [url] });
    const forms = [
      special,
      encodeURIComponent(special),
      JSON.stringify(special),
      JSON.stringify({ note: special }),
      `note: '${special.replace(/'/g, "''")}'`,
      `app:${special}`,
      url,
    ];
    for (const form of forms) {
      const out = redactor.text(`before ${form} after`);
      for (const canary of canaries) expect(out, form).not.toContain(canary);
      expect(out).toMatch(/^before .*\*\*\*.* after$/);
    }
    // What the URL parser sends, percent-encoded, too.
    const parsed = new URL(url.replace(special, encodeURIComponent(special)));
    expect(redactor.text(parsed.password)).toBe('***');
  });

  it('masks neither the user name alone nor the host', () => {
    const redactor = createRedactor({
      knownSecrets: ['mysql://root@db.example.test:3306/shop', 'mysql://admin:S3cret-pw@h/x'],
    });
    expect(redactor.text("Access denied for user 'root'@'db.example.test'")).toBe(
      "Access denied for user 'root'@'db.example.test'",
    );
    expect(redactor.text('admin:S3cret-pw and S3cret-pw')).toBe('*** and ***');
  });

  it('masks the password of a URL that does not parse (a raw / ? or # in it)', () => {
    for (const password of ['pa/ss-Word9', 'pa?ss-Word9', 'pa#ss-Word9', 'pa@ss/Word9']) {
      const url = `mysql://app:${password}@db:3306/shop`;
      expect(secretParts(url)).toContain(password);
      expect(createRedactor({ knownSecrets: [url] }).text(`x ${password} y`)).toBe('x *** y');
    }
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

  it.each([
    'Use mysql://user:password@host:3306/database.',
    'url: postgresql://<user>:<password>@<host>:5432/<database>',
    'password: ${params.db_password}',
    'Set password=... in the file',
  ])("pattern fallback: leaves Osiris's own placeholder examples alone: %s", (text) => {
    expect(redact(text)).toBe(text);
  });

  it('pattern fallback: masks an unknown URL password up to its last @', () => {
    expect(redact('dial mysql://app:Kx7q@Vb2w@10.0.0.1:3306/db failed')).toBe(
      'dial mysql://app:***@10.0.0.1:3306/db failed',
    );
    expect(redact('"mysql://app:Kx7q@Vb2w@db"')).toBe('"mysql://app:***@db"');
    expect(redact('{"url":"mysql://app:Kx7q@db","note":"a@b"}')).toBe('{"url":"mysql://app:***@db","note":"a@b"}');
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

describe('secret names', () => {
  it.each([
    ['password', true],
    ['db_password', true],
    ['api_key', true],
    ['access_token', true],
    ['client_secret', true],
    ['table', false],
    ['url', false],
    ['key_columns', false],
  ])('isSecretName(%s) is %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });

  it.each([
    ['url', true],
    ['URL', true],
    ['password', true],
    ['pwd', true],
    ['passphrase', true],
    ['token', true],
    ['api_key', true],
    ['sslkey', true],
    ['sslcert', true],
    ['sslrootcert', true],
    ['dsn', true],
    ['uri', true],
    ['credentials', true],
    ['auth', true],
    ['host', false],
    ['port', false],
    ['user', false],
    ['database', false],
    ['base_dir', false],
    ['sslmode', false],
  ])('isCredentialField(%s) is %s', (name, expected) => {
    expect(isCredentialField(name)).toBe(expected);
  });

  it.each([
    ['OSIRIS_CONN__MYSQL__URL', true],
    ['OSIRIS_CONN__MYSQL__PASSWORD', true],
    ['OSIRIS_CONN__MY_DB__SSLKEY', true],
    ['OSIRIS_CONN__MYSQL__password', true],
    ['OSIRIS_CONN__URL__HOST', false],
    ['OSIRIS_CONN__MYSQL__HOST', false],
    ['OSIRIS_CONN__MYSQL__USER', false],
    ['OSIRIS_CONN__BASE_DIR', false],
    ['OSIRIS_E2B_API_KEY', true],
    ['OSIRIS_LLM_API_KEY', true],
    ['OPENAI_API_KEY', true],
    ['GITHUB_TOKEN', true],
    ['AWS_SECRET', true],
    ['PGPASSWORD', false],
    ['MYSQL_PASSWORD', true],
    ['OSIRIS_LLM_BASE_URL', false],
    ['OSIRIS_HOME', false],
    ['PATH', false],
    ['TOKENIZER', false],
  ])('isSecretEnvName(%s) is %s', (name, expected) => {
    expect(isSecretEnvName(name)).toBe(expected);
  });
});
