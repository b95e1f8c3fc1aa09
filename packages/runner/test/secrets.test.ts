// SPDX-License-Identifier: MIT
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOsirisError, loadRegistry, OsirisErrorCode } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { connectionEnvPrefix, connectionRefsOf, resolveConnections } from '../src/secrets';
import { pipeline } from './fakes';

const registry = loadRegistry();
const componentsByRef = connectionRefsOf(pipeline().configs.values());

function secretsFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'osiris-secrets-')), 'secrets.yaml');
  writeFileSync(file, text);
  return file;
}

async function failure(promise: Promise<unknown>): Promise<Error & { code: string; hint?: string }> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isOsirisError(error)) throw new Error(`expected an OsirisError, got ${String(error)}`);
  return error as Error & { code: string; hint?: string };
}

describe('resolveConnections', () => {
  it('reads OSIRIS_CONN__<NAME>__<FIELD> from the environment', async () => {
    const { connections, origins } = await resolveConnections(['@mysql'], {
      registry,
      componentsByRef,
      env: {
        OSIRIS_CONN__MYSQL__URL: 'mysql://app:pw@db:3306/shop',
        OSIRIS_CONN__MYSQLX__URL: 'mysql://other',
        PATH: '/usr/bin',
      },
    });
    expect(connections.get('@mysql')).toEqual({ url: 'mysql://app:pw@db:3306/shop' });
    expect(origins.get('@mysql')).toEqual({ kind: 'env', variables: ['OSIRIS_CONN__MYSQL__URL'] });
  });

  it('lets the secrets file beat the environment, for the whole connection', async () => {
    const file = secretsFile('connections:\n  mysql:\n    url: mysql://from:file@db/shop\n');
    const { connections, origins } = await resolveConnections(['@mysql', '@supabase'], {
      registry,
      componentsByRef,
      secretsFile: file,
      env: {
        OSIRIS_CONN__MYSQL__URL: 'mysql://from:env@db/shop',
        OSIRIS_CONN__MYSQL__PASSWORD: 'env-password',
        OSIRIS_CONN__SUPABASE__URL: 'postgresql://svc:env@pooler/postgres',
      },
    });
    expect(connections.get('@mysql')).toEqual({ url: 'mysql://from:file@db/shop' });
    expect(origins.get('@mysql')).toEqual({ kind: 'file', file });
    // A reference the file does not define still comes from the environment.
    expect(connections.get('@supabase')).toEqual({ url: 'postgresql://svc:env@pooler/postgres' });
  });

  it('turns numbers into text and maps names with dashes to env variables', async () => {
    expect(connectionEnvPrefix('@my-db')).toBe('OSIRIS_CONN__MY_DB__');
    const file = secretsFile('connections:\n  mysql:\n    host: db\n    port: 3306\n    password: s3cret-pw\n');
    const { connections, secrets } = await resolveConnections(['@mysql'], {
      registry,
      componentsByRef,
      secretsFile: file,
      env: {},
    });
    expect(connections.get('@mysql')).toEqual({ host: 'db', port: '3306', password: 's3cret-pw' });
    expect(secrets).toEqual(['s3cret-pw']);
  });

  it('names the reference and both places it looked when a connection is missing, and no value', async () => {
    const file = secretsFile('connections:\n  other:\n    url: mysql://u:FILE-CANARY-1@h/db\n');
    const error = await failure(
      resolveConnections(['@mysql'], {
        registry,
        componentsByRef,
        secretsFile: file,
        env: { OSIRIS_CONN__OTHER__URL: 'mysql://u:ENV-CANARY-2@h/db' },
      }),
    );
    expect(error.code).toBe(OsirisErrorCode.Config);
    expect(error.message).toBe(
      `connection @mysql is not defined: not under connections.mysql in ${file}, and no OSIRIS_CONN__MYSQL__<FIELD> variable is set (e.g. OSIRIS_CONN__MYSQL__URL)`,
    );
    expect(`${error.message}${error.hint}`).not.toMatch(/CANARY/);
  });

  it('says when no secrets file was given', async () => {
    const error = await failure(resolveConnections(['@supabase'], { registry, componentsByRef, env: {} }));
    expect(error.message).toMatch(
      /^connection @supabase is not defined: no --secrets-file was given, and no OSIRIS_CONN__SUPABASE__<FIELD>/,
    );
  });

  it('gives file:line:col and the field of a malformed connection, never the value', async () => {
    const file = secretsFile(
      [
        'connections:',
        '  mysql:',
        '    url: "postgres://u:CANARY-BAD-URL@h/db"',
        '    sslmode: CANARY-EXTRA',
        '    passwd: CANARY-TYPO',
        '',
      ].join('\n'),
    );
    const error = await failure(
      resolveConnections(['@mysql'], { registry, componentsByRef, secretsFile: file, env: {} }),
    );
    expect(error.code).toBe(OsirisErrorCode.Config);
    expect(error.message).toContain(
      `${file}:3:10: connection @mysql field "url" does not have the expected form (^(mysql|mariadb)://) (mysql.table connection schema)`,
    );
    expect(error.message).toContain(`${file}:4:5: connection @mysql field "sslmode" is not a known field`);
    expect(error.message).toContain(
      `${file}:5:5: connection @mysql field "passwd" is not a known field (did you mean "password"?)`,
    );
    expect(JSON.stringify({ message: error.message, hint: error.hint, error })).not.toMatch(/CANARY/);
  });

  it('names the env variable of a malformed field', async () => {
    const error = await failure(
      resolveConnections(['@supabase'], {
        registry,
        componentsByRef,
        env: { OSIRIS_CONN__SUPABASE__URL: 'mysql://u:CANARY-ENV@h/db' },
      }),
    );
    expect(error.message).toMatch(
      /^OSIRIS_CONN__SUPABASE__URL: connection @supabase field "url" does not have the expected form/,
    );
    expect(error.message).not.toMatch(/CANARY/);
  });

  it('says which fields would do when none of them is given', async () => {
    const file = secretsFile('connections:\n  mysql:\n    user: app\n');
    const error = await failure(
      resolveConnections(['@mysql'], { registry, componentsByRef, secretsFile: file, env: {} }),
    );
    expect(error.message).toBe(
      `${file}:3:5: connection @mysql needs one of: url | host (mysql.table connection schema)`,
    );
  });

  it('gives file:line:col of a YAML syntax error without quoting the file', async () => {
    const file = secretsFile('connections:\n  mysql:\n    url: "mysql://u:CANARY-SYNTAX@h/db\n    host: [x\n');
    const error = await failure(
      resolveConnections(['@mysql'], { registry, componentsByRef, secretsFile: file, env: {} }),
    );
    expect(error.message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: secrets file: invalid YAML$`),
    );
    expect(error.message).not.toMatch(/CANARY/);
  });

  it('rejects a file of the wrong shape and an unreadable file', async () => {
    const wrong = secretsFile('mysql:\n  url: mysql://u:p@h/db\n');
    expect((await failure(resolveConnections(['@mysql'], { secretsFile: wrong, env: {} }))).message).toBe(
      `${wrong}:1:1: secrets file: unknown key "mysql"`,
    );
    const nested = secretsFile('connections:\n  mysql:\n    url: { nested: CANARY-NESTED }\n');
    const nestedError = await failure(resolveConnections(['@mysql'], { secretsFile: nested, env: {} }));
    expect(nestedError.message).toBe(
      `${nested}:3:10: connection @mysql field "url" must be a single value (text or number)`,
    );
    const missing = join(tmpdir(), 'osiris-no-such-dir', 'secrets.yaml');
    expect((await failure(resolveConnections(['@mysql'], { secretsFile: missing, env: {} }))).message).toBe(
      `cannot read the secrets file ${missing} (ENOENT)`,
    );
  });

  it('rejects a reference that is not @name', async () => {
    expect((await failure(resolveConnections(['mysql'], { env: {} }))).message).toBe(
      '"mysql" is not a connection reference',
    );
  });
});

describe('connections without required fields', () => {
  it('resolve to no fields when neither the file nor the environment names them', async () => {
    const { connections } = await resolveConnections(['@files'], {
      registry,
      componentsByRef: new Map([['@files', ['filesystem.csv']]]),
      env: {},
    });
    expect(connections.get('@files')).toEqual({});
  });

  it('still count as missing when one component using them needs a field', async () => {
    await expect(
      resolveConnections(['@db'], {
        registry,
        componentsByRef: new Map([['@db', ['filesystem.csv', 'supabase.table']]]),
        env: {},
      }),
    ).rejects.toThrow(/@db/);
  });
});
