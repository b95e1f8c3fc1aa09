// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createMysqlDatabase,
  createPgDatabase,
  type MysqlDatabase,
  type PgDatabase,
  readTree,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osiris, workspace } from './helpers';

let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();
const home = join(ws.dir, 'home');
const user = `osiris_leak_${randomBytes(4).toString('hex')}`;

// Every character a URL gives a meaning to, quotes, a backslash, a space and unicode.
const SEPARATORS = ['@', ':', '/', '?', '#', '%', '[', ']', '!', '$', '&', "'", '(', ')', '*', '+', ',', ';', '='];
const MORE = ['~', '"', '\\', ' ', 'ü€😀', '@'];

/** A password made of canaries (`Fc00q`, `Fc01q`, …) joined by every special character: each canary must stay unseen. */
function canaryPassword(tag: string): { password: string; canaries: string[] } {
  const separators = [...SEPARATORS, ...MORE];
  const canaries = Array.from({ length: separators.length + 1 }, (_, i) => `${tag}${String(i).padStart(2, '0')}q`);
  const password = canaries.map((canary, i) => `${canary}${separators[i] ?? ''}`).join('');
  return { password, canaries };
}

const fromFile = canaryPassword('Fc');
const fromEnv = canaryPassword('Ev');
const warehouse = canaryPassword('Wh');

const pipeline = `version: 0.0.1
name: leak_check
params:
  note: none
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: items, filters: [{ column: label, op: ne, value: "\${params.note}" }] }
sinks:
  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { table: items, write_mode: append }
`;

/** A YAML double-quoted scalar (JSON is a subset of YAML). */
const quoted = (text: string) => JSON.stringify(text);

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL)');
  await mysql.connection.query("INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  await mysql.connection.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', fromFile.password]);
  await mysql.connection.query(`GRANT SELECT ON \`${mysql.name}\`.* TO ?@?`, [user, '%']);
  await pg.client.query('CREATE TABLE items (id INT PRIMARY KEY, label TEXT NOT NULL)');
  ws.write('pipeline.yaml', pipeline);
});

afterAll(async () => {
  await mysql?.connection.query('DROP USER IF EXISTS ?@?', [user, '%']);
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('a password with every URL-special character', () => {
  // Postgres trusts local connections, so the warehouse password is never checked, only carried.
  const warehouseUrl = () =>
    `postgresql://postgres:${encodeURIComponent(warehouse.password)}@127.0.0.1:5432/${pg.name}`;
  const shopUrl = (password: string) => `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:3306/${mysql.name}`;

  it('is masked in every byte a run writes: from the secrets file, the environment and --param', async () => {
    const outputs: [string, string][] = [];
    const env = { OSIRIS_HOME: home };

    // The right password, percent-encoded, in a secrets file, and the same password as a --param value.
    ws.write(
      'secrets.yaml',
      `connections:\n  shop:\n    url: ${quoted(shopUrl(fromFile.password))}\n  warehouse:\n    url: ${quoted(warehouseUrl())}\n`,
    );
    const ok = await osiris(
      [
        'run',
        'pipeline.yaml',
        '--secrets-file',
        'secrets.yaml',
        '--param',
        `note=${fromFile.password}`,
        '--json',
        '--report',
      ],
      { cwd: ws.dir, env },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ rows_read: 3, rows_written: 3 });
    outputs.push(['file run stdout', ok.stdout], ['file run stderr', ok.stderr]);

    // The same password written raw (not percent-encoded) in the file: a URL that does not parse.
    ws.write(
      'raw.yaml',
      `connections:\n  shop:\n    url: ${quoted(`mysql://${user}:${fromFile.password}@127.0.0.1:3306/${mysql.name}`)}\n  warehouse:\n    url: ${quoted(warehouseUrl())}\n`,
    );
    const raw = await osiris(
      ['run', 'pipeline.yaml', '--secrets-file', 'raw.yaml', '--param', `note=${fromFile.password}`],
      {
        cwd: ws.dir,
        env,
      },
    );
    expect(raw.code, raw.stderr).toBe(5);
    outputs.push(['raw run stdout', raw.stdout], ['raw run stderr', raw.stderr]);

    // A wrong password from the environment: the driver refuses it, and --param carries it too.
    const wrong = await osiris(['run', 'pipeline.yaml', '--param', `note=${fromEnv.password}`, '--report'], {
      cwd: ws.dir,
      env: { ...env, OSIRIS_CONN__SHOP__URL: shopUrl(fromEnv.password), OSIRIS_CONN__WAREHOUSE__URL: warehouseUrl() },
    });
    expect(wrong.code, wrong.stderr).toBe(4);
    expect(wrong.stderr).toMatch(/access denied/i);
    outputs.push(['env run stdout', wrong.stdout], ['env run stderr', wrong.stderr]);

    // The HTML reports: each run's (written by --report) and the index with a page per run, made while the
    // secrets are in the environment.
    const index = await osiris(['runs', 'report', '--index'], {
      cwd: ws.dir,
      env: { ...env, OSIRIS_CONN__SHOP__URL: shopUrl(fromEnv.password), OSIRIS_CONN__WAREHOUSE__URL: warehouseUrl() },
    });
    expect(index.code, index.stderr).toBe(0);
    outputs.push(['index stdout', index.stdout], ['index stderr', index.stderr]);

    const written = Object.entries(readTree(home));
    // Two run folders (the raw URL stops before one is made), each with its manifest, configs, log, metrics and status.
    expect(written.filter(([file]) => file.endsWith('manifest.yaml'))).toHaveLength(2);
    expect(written.filter(([file]) => file.endsWith('report.html'))).toHaveLength(2);
    expect(written.filter(([file]) => file.endsWith('index.html'))).toHaveLength(1);
    // The param reached the recorded configs, masked.
    const configs = written.filter(([file]) => file.endsWith('cfg/src.json'));
    expect(configs).toHaveLength(2);
    for (const [file, text] of configs) expect(text, file).toContain('"value": "***"');
    for (const canary of [...fromFile.canaries, ...fromEnv.canaries, ...warehouse.canaries]) {
      for (const [what, text] of [...outputs, ...written]) expect(text, what).not.toContain(canary);
    }
  });
});
