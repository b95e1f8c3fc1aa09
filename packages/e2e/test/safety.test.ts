// SPDX-License-Identifier: MIT
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

const pipeline = (connection = '"@warehouse"') => `version: 0.0.1
name: big_copy
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: numbers }
sinks:
  - id: dst
    type: supabase.table
    connection: ${connection}
    mode: write
    options: { table: numbers, write_mode: append }
`;

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  // MariaDB's Sequence engine makes a large table without sending it over the wire.
  await mysql.connection.query('CREATE TABLE numbers (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL)');
  await mysql.connection.query("INSERT INTO numbers SELECT seq, CONCAT('row-', seq) FROM seq_1_to_2000000");
  await pg.client.query('CREATE TABLE numbers (id INT PRIMARY KEY, label TEXT NOT NULL)');
  ws.write('pipeline.yaml', pipeline());
});

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('secrets never leak', () => {
  const canaries = {
    file: 'CanaryFile7Qx2',
    env: 'CanaryEnv9Kd4',
    inline: 'CanaryInline3Zt8',
    malformed: 'CanaryUrl5Hw1',
    apiKey: 'CanaryKey2Lm6',
  };

  it('plants canaries in the secrets file, the environment and an inline field; no byte written holds one', async () => {
    const outputs: string[] = [];
    const env = { OSIRIS_HOME: home, OSIRIS_E2B_API_KEY: canaries.apiKey, OSIRIS_LLM_API_KEY: canaries.apiKey };
    // Wrong password in the secrets file: the driver refuses the connection.
    ws.write(
      'wrong-password.yaml',
      `connections:\n  shop:\n    url: mysql://root:${canaries.file}@127.0.0.1:3306/${mysql.name}\n  warehouse:\n    url: ${pg.url}\n`,
    );
    const wrongPassword = await osiris(['run', 'pipeline.yaml', '--secrets-file', 'wrong-password.yaml'], {
      cwd: ws.dir,
      env,
    });
    expect(wrongPassword.code).toBe(4);
    outputs.push(wrongPassword.stdout, wrongPassword.stderr);

    // From the environment: a password for a database that does not exist, so the driver error names the URL's parts.
    const fromEnv = await osiris(['run', 'pipeline.yaml'], {
      cwd: ws.dir,
      env: {
        ...env,
        OSIRIS_CONN__SHOP__URL: mysql.url,
        OSIRIS_CONN__WAREHOUSE__URL: `postgresql://postgres:${canaries.env}@127.0.0.1:5432/missing_${pg.name}`,
      },
    });
    expect(fromEnv.code).toBe(4);
    outputs.push(fromEnv.stdout, fromEnv.stderr);

    // A URL that does not parse: URL parsers like to echo their input.
    const malformed = await osiris(['run', 'pipeline.yaml'], {
      cwd: ws.dir,
      env: {
        ...env,
        OSIRIS_CONN__SHOP__URL: `mysql://root:${canaries.malformed}@[not-a-host/db`,
        OSIRIS_CONN__WAREHOUSE__URL: pg.url,
      },
    });
    expect([4, 5]).toContain(malformed.code);
    outputs.push(malformed.stdout, malformed.stderr);

    // Credentials written inline in the pipeline: refused, and masked in the diagnostics.
    ws.write('inline.yaml', pipeline(`{ url: "postgresql://postgres:${canaries.inline}@127.0.0.1/db" }`));
    const inline = await osiris(['run', 'inline.yaml', '--secrets-file', 'wrong-password.yaml'], { cwd: ws.dir, env });
    expect(inline.code).toBe(2);
    outputs.push(inline.stdout, inline.stderr);

    const written = Object.entries(readTree(home));
    expect(written.length).toBeGreaterThan(6);
    for (const canary of Object.values(canaries)) {
      for (const text of outputs) expect(text).not.toContain(canary);
      for (const [file, text] of written) expect(text, file).not.toContain(canary);
    }
    // The failures still say what went wrong.
    expect(wrongPassword.stderr).toMatch(/access denied|password/i);
  });
});

describe('Ctrl-C', () => {
  it('stops a long append, rolls it back, records interrupted and exits 130', async () => {
    const runs = join(home, 'runs');
    const env = { OSIRIS_HOME: home, OSIRIS_CONN__SHOP__URL: mysql.url, OSIRIS_CONN__WAREHOUSE__URL: pg.url };
    // A full copy first, to learn how long one takes on this machine.
    const started = Date.now();
    const full = await osiris(['run', 'pipeline.yaml'], { cwd: ws.dir, env });
    expect(full.code, full.stderr).toBe(0);
    const fullCopyMs = Date.now() - started;
    await pg.client.query('TRUNCATE numbers');

    const before = new Set(readdirSync(runs));
    let sent = false;
    let watcher: NodeJS.Timeout | undefined;
    const interrupted = await osiris(['run', 'pipeline.yaml', '--json'], {
      cwd: ws.dir,
      env,
      onSpawn: (child) => {
        watcher = setInterval(() => {
          if (sent) return;
          const fresh = readdirSync(runs).filter((id) => !before.has(id));
          const log = fresh.map((id) => join(runs, id, 'run.log.jsonl')).find((file) => existsSync(file));
          // The sink's first log line: rows are flowing.
          if (log && readFileSync(log, 'utf8').includes('"step":"dst"')) {
            sent = true;
            // About half-way through the copy, judged by the full copy's duration.
            setTimeout(() => child.kill('SIGINT'), Math.max(50, fullCopyMs / 4));
          }
        }, 20);
      },
    }).finally(() => clearInterval(watcher));
    expect(sent).toBe(true);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const result = JSON.parse(interrupted.stdout);
    expect(result).toMatchObject({ status: 'interrupted', exit_code: 130 });
    expect(result.rows_read).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(result.run_dir, 'status.json'), 'utf8'))).toMatchObject({
      status: 'interrupted',
      exit_code: 130,
    });
    expect((await pg.client.query('SELECT count(*)::int AS n FROM numbers')).rows).toEqual([{ n: 0 }]);
  });
});
