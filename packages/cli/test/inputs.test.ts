// SPDX-License-Identifier: MIT
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMysqlDatabase, readTree } from '@osiris/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, spawnCli, tempDirs } from './helpers';

const dirs = tempDirs();
afterAll(() => dirs.clean());

/** A folder with the MySQL → Supabase example pipeline in it. */
function project(): string {
  const dir = dirs.make();
  cpSync(join(repoRoot, 'examples/mysql-to-supabase-merge/pipeline.yaml'), join(dir, 'pipeline.yaml'));
  return dir;
}

describe('malformed connection fields exit 5 before anything runs, never showing the value', () => {
  const canary = 'Canary9Vx3';
  const supabase = `postgresql://app:${canary}@127.0.0.1:5432/db`;

  it.each([
    ['a port out of range', `mysql://app:${canary}@127.0.0.1:99999/shop`],
    ['a raw / in the password', `mysql://app:${canary}/x@127.0.0.1:3306/shop`],
    ['no host', `mysql://app:${canary}@:3306/shop`],
    ['a port of 0', `mysql://app:${canary}@127.0.0.1:0/shop`],
  ])('in the secrets file (%s): file:line:col and field', async (_what, url) => {
    const dir = project();
    writeFileSync(
      join(dir, 'secrets.yaml'),
      `connections:\n  mysql:\n    url: "${url}"\n  supabase:\n    url: ${supabase}\n`,
    );
    const { code, stdout, stderr } = await runCli(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml'], {
      cwd: dir,
      env: { OSIRIS_HOME: join(dir, 'home') },
    });
    expect(code, stderr).toBe(5);
    expect(stderr).toContain(`secrets.yaml:3:10: connection @mysql field "url" is not a valid URL`);
    expect(`${stdout}${stderr}`).not.toContain(canary);
    expect(existsSync(join(dir, 'home'))).toBe(false);
  });

  it('an unknown field is reported once', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'secrets.yaml'),
      `connections:\n  mysql:\n    url: mysql://app@db/shop\n    sslmode: require\n  supabase:\n    url: ${supabase}\n`,
    );
    const { code, stderr } = await runCli(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml'], { cwd: dir });
    expect(code, stderr).toBe(5);
    expect(stderr.split('field "sslmode" is not a known field')).toHaveLength(2);
  });

  it('from the environment: the variable and the field', async () => {
    const dir = project();
    const { code, stdout, stderr } = await runCli(['run', 'pipeline.yaml'], {
      cwd: dir,
      env: {
        OSIRIS_HOME: join(dir, 'home'),
        OSIRIS_CONN__MYSQL__URL: `mysql://app:${canary}@127.0.0.1:3306/shop`,
        OSIRIS_CONN__SUPABASE__URL: `postgresql://app:${canary}@[::1:5432/db`,
      },
    });
    expect(code, stderr).toBe(5);
    expect(stderr).toContain('OSIRIS_CONN__SUPABASE__URL: connection @supabase field "url" is not a valid URL');
    expect(`${stdout}${stderr}`).not.toContain(canary);
  });

  it('a port field out of range, and a URL of another component', async () => {
    const dir = project();
    writeFileSync(
      join(dir, 'secrets.yaml'),
      `connections:\n  mysql:\n    host: db\n    port: 99999\n  supabase:\n    url: "mysql://app:${canary}@db/x"\n`,
    );
    const { code, stdout, stderr } = await runCli(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml'], {
      cwd: dir,
      env: { OSIRIS_HOME: join(dir, 'home'), OSIRIS_CONN__MYSQL__PORT: '3306' },
    });
    expect(code, stderr).toBe(5);
    expect(stderr).toContain('secrets.yaml:4:11: connection @mysql field "port" must be <= 65535');
    expect(stderr).toContain('secrets.yaml:6:10: connection @supabase field "url" does not have the expected form');
    expect(`${stdout}${stderr}`).not.toContain(canary);

    const fromEnv = await runCli(['run', 'pipeline.yaml'], {
      cwd: dir,
      env: {
        OSIRIS_HOME: join(dir, 'home'),
        OSIRIS_CONN__MYSQL__HOST: 'db',
        OSIRIS_CONN__MYSQL__PORT: '65536',
        OSIRIS_CONN__SUPABASE__URL: supabase,
      },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(5);
    expect(fromEnv.stderr).toContain('OSIRIS_CONN__MYSQL__PORT: connection @mysql field "port" is not a port');
  });
});

describe('osiris compile --mode off', () => {
  it('masks an inline password in cfg/ and warns, byte-identically', async () => {
    const dir = project();
    const secret = 'Canary-Inline-4Tz';
    const text = readFileSync(join(dir, 'pipeline.yaml'), 'utf8').replace(
      'table: orders,',
      `table: orders, password: ${secret},`,
    );
    writeFileSync(join(dir, 'pipeline.yaml'), text);
    for (const out of ['a', 'b']) {
      const { code, stderr } = await runCli(['compile', 'pipeline.yaml', '--out', out, '--mode', 'off'], { cwd: dir });
      expect(code, stderr).toBe(0);
      expect(stderr).toContain('src.options.password  "options.password" looks like a secret written inline');
    }
    const compiled = readTree(join(dir, 'a'));
    expect(compiled['cfg/src.json']).toContain('"password": "***"');
    expect(JSON.stringify(compiled)).not.toContain(secret);
    expect(readTree(join(dir, 'b'))).toEqual(compiled);
  });
});

describe('the discovery cache', () => {
  it('asks again when the reference points at another database', async () => {
    const [first, second] = await Promise.all([createMysqlDatabase(), createMysqlDatabase()]);
    try {
      await first.connection.query('CREATE TABLE old_orders (id INT PRIMARY KEY)');
      await second.connection.query('CREATE TABLE new_orders (id INT PRIMARY KEY)');
      const home = dirs.make();
      const discover = async (url: string) => {
        const { code, stdout, stderr } = await runCli(['discover', '@mysql', '--json'], {
          env: { OSIRIS_HOME: home, OSIRIS_CONN__MYSQL__URL: url },
        });
        expect(code, stderr).toBe(0);
        const result = JSON.parse(stdout) as { cached: boolean; tables: { schema: string; name: string }[] };
        return { cached: result.cached, tables: result.tables.map((table) => `${table.schema}.${table.name}`) };
      };
      expect(await discover(first.url)).toEqual({ cached: false, tables: [`${first.name}.old_orders`] });
      expect(await discover(first.url)).toEqual({ cached: true, tables: [`${first.name}.old_orders`] });
      expect(await discover(second.url)).toEqual({ cached: false, tables: [`${second.name}.new_orders`] });
      // A new password for the same database is the same target: still cached.
      const withPassword = second.url.replace('mysql://root@', 'mysql://root:another-pw@');
      const again = await runCli(['discover', '@mysql', '--json'], {
        env: { OSIRIS_HOME: home, OSIRIS_CONN__MYSQL__URL: withPassword },
      });
      expect(JSON.parse(again.stdout)).toMatchObject({ cached: true });
      // Nothing of the connection is stored in clear.
      for (const text of Object.values(readTree(join(home, 'cache')))) {
        expect(text).not.toContain('127.0.0.1');
        expect(text).not.toContain('another-pw');
      }
    } finally {
      await Promise.all([first.drop(), second.drop()]);
    }
  });
});

describe('YAML that would exhaust memory or the stack is refused with a located message', () => {
  const header = 'version: 0.0.1\nname: p\n';
  const bomb = [
    'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`),
  ].join('\n');
  const steps = (n: number) =>
    Array.from(
      { length: n },
      (_, i) => `  - { id: s${i}, type: mysql.table, connection: "@m", mode: read, options: { table: t${i} } }`,
    ).join('\n');
  // Refused well within this: the whole process may use 256 MB of heap.
  const bounded = { NODE_OPTIONS: '--max-old-space-size=256' };

  it.each([
    ['an alias bomb', `${header}${bomb}\n`, 'pipeline.yaml:4:10', 'aliases expand to more than 100 values'],
    [
      'a 100k-deep flow sequence',
      `${header}sources: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      'pipeline.yaml:3:73',
      'values are nested more than 64 levels deep',
    ],
    [
      'an alias with no anchor',
      `${header}sources: *nope\n`,
      'pipeline.yaml:3:10',
      'YAML syntax error: the alias *nope has no anchor &nope before it',
    ],
    [
      'a 50 MB pipeline',
      `${header}sources:\n${steps(340_000)}\n`,
      'pipeline.yaml:1:1',
      'the file is 31.6 MB; YAML files are read up to 2 MB',
    ],
  ])('validate, compile and run exit 2 on %s', async (_what, text, where, message) => {
    const dir = dirs.make();
    writeFileSync(join(dir, 'pipeline.yaml'), text);
    for (const command of [['validate'], ['compile', '--out', 'out'], ['run']]) {
      const started = Date.now();
      const { code, stdout, stderr } = await spawnCli([...command, 'pipeline.yaml'], { cwd: dir, env: bounded });
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(`${where}  ${message}`);
      expect(stderr).not.toContain('internal error');
      expect(`${stdout}${stderr}`.length).toBeLessThan(4000);
      expect(Date.now() - started).toBeLessThan(20_000);
    }
  });

  it('a pipeline with more steps than the limit exits 2 at its sources', async () => {
    const dir = dirs.make();
    writeFileSync(join(dir, 'pipeline.yaml'), `${header}sources:\n${steps(1001)}\n`);
    const { code, stderr } = await runCli(['validate', 'pipeline.yaml'], { cwd: dir });
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('pipeline.yaml:4:3  sources  a pipeline holds at most 1000 sources; this one has 1001');
  });

  it('a secrets file exits 5, located', async () => {
    const dir = project();
    const cases = [
      [
        `connections:\n${bomb.replace(/^/gm, '  ')}\n`,
        'secrets.yaml:3:12: secrets file: aliases expand to more than 100 values',
      ],
      [
        `connections: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n`,
        'secrets.yaml:1:266: secrets file: values are nested more than 64 levels deep',
      ],
      [
        `connections:\n${'  # padding\n'.repeat(300_000)}`,
        'secrets.yaml:1:1: secrets file: the file is 3.4 MB; YAML files are read up to 2 MB',
      ],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(dir, 'secrets.yaml'), text as string);
      const { code, stderr } = await spawnCli(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml'], {
        cwd: dir,
        env: { ...bounded, OSIRIS_HOME: join(dir, 'home') },
      });
      expect(code, stderr).toBe(5);
      expect(stderr).toContain(message as string);
    }
  });
});
