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

// Postgres → MySQL (mysql.table as a sink) and back, through the built binary.
let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();
const home = join(ws.dir, 'home');

/** A table of every type the MySQL sink maps, with edge values and NULLs (created twice: the source, and the way back). */
const KINDS_DDL = (name: string) => `CREATE TABLE ${name} (
  id int4 PRIMARY KEY, small int2, big int8, amount numeric(20,6), ratio float8, single float4, flag boolean,
  label text, code varchar(30), day date, at timestamp(6), atz timestamptz, t time(6), doc jsonb, blob bytea, uid uuid)`;

const pipeline = (name: string, source: string, sink: string, table: string, options: string) => `version: 0.0.1
name: ${name}
sources:
  - id: src
    type: ${source === 'pg' ? 'supabase.table' : 'mysql.table'}
    connection: "@${source}"
    mode: read
    options: { table: ${table} }
sinks:
  - id: dst
    type: ${sink === 'pg' ? 'supabase.table' : 'mysql.table'}
    connection: "@${sink}"
    mode: write
    options: { ${options} }
`;

const env = () => ({ OSIRIS_HOME: home, OSIRIS_CONN__PG__URL: pg.url, OSIRIS_CONN__MY__URL: mysql.url });

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await pg.client.query(KINDS_DDL('kinds'));
  await pg.client.query(KINDS_DDL('kinds_back'));
  await pg.client.query(`INSERT INTO kinds VALUES
  (1, -32768, -9223372036854775808, -99999999999999.999999, 0.1, 0.1, true, E'tab\\there\\nnew \\\\N back\\\\slash \\r ü 😀', 'code', '2024-02-29',
   '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5+02', '23:59:59.999999', '{"a": [1, "x\\ty"], "b": null}', '\\x00090a0d5c4eff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, 32767, 9223372036854775807, 0, 5e-324, 3.4028235e38, false, '', '', '1000-01-01', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '00:00:00', '[]', '\\x', '00000000-0000-0000-0000-000000000000'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 0, 1, 1.5, 1.7976931348623157e308, -1.17549435e-38, true, '\\N', 'x', '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00-09:30', '12:00:00.5', '"text"', '\\xdeadbeef', 'ffffffff-ffff-ffff-ffff-ffffffffffff')`);
  await pg.client.query(
    `INSERT INTO kinds SELECT g, g % 100, g::int8 * 1000003, g / 7.0, g / 3.0, g / 9.0, g % 2 = 0, 'row ' || g, 'c' || g, date '2020-01-01' + g,
     timestamp '2020-01-01' + g * interval '1.000001 second', timestamptz '2020-01-01 UTC' + g * interval '1 minute', time '00:00' + g * interval '1 second',
     jsonb_build_object('g', g), int4send(g), md5(g::text)::uuid FROM generate_series(5, 3000) g`,
  );
  ws.write('to-mysql.yaml', pipeline('kinds', 'pg', 'my', 'kinds', 'table: kinds, create_table: true'));
  ws.write('back.yaml', pipeline('back', 'my', 'pg', 'kinds', 'table: kinds_back'));
});

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
}, 60_000);

async function differences(): Promise<number> {
  const { rows } = await pg.client.query(
    `SELECT count(*)::int AS n FROM ((SELECT * FROM kinds EXCEPT SELECT * FROM kinds_back) UNION ALL (SELECT * FROM kinds_back EXCEPT SELECT * FROM kinds)) d`,
  );
  return rows[0].n;
}

describe('mysql.table as a target (built binary, real MariaDB and PostgreSQL)', () => {
  it('Postgres → MySQL → Postgres of a table with many types compares equal', async () => {
    const there = await osiris(['run', 'to-mysql.yaml', '--json'], { cwd: ws.dir, env: env() });
    expect(there.code, there.stderr).toBe(0);
    expect(JSON.parse(there.stdout)).toMatchObject({ status: 'succeeded', rows_read: 3000, rows_written: 3000 });
    const [created] = await mysql.connection.query(
      `SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'kinds' ORDER BY ORDINAL_POSITION`,
    );
    expect(Object.fromEntries((created as { c: string; t: string }[]).map((r) => [r.c, r.t]))).toMatchObject({
      id: 'int(11)',
      small: 'smallint(6)',
      big: 'bigint(20)',
      amount: 'decimal(20,6)',
      ratio: 'double',
      single: 'double',
      flag: 'tinyint(1)',
      label: 'longtext',
      code: 'varchar(30)',
      day: 'date',
      at: 'datetime(6)',
      atz: 'datetime(6)',
      t: 'time(6)',
      blob: 'longblob',
      uid: 'char(36)',
    });
    const back = await osiris(['run', 'back.yaml', '--json'], { cwd: ws.dir, env: env() });
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ rows_written: 3000 });
    expect(await differences()).toBe(0);
    const { rows } = await pg.client.query('SELECT count(*)::int AS n FROM kinds_back');
    expect(rows).toEqual([{ n: 3000 }]);
  });

  it('merges into MySQL with exact counts; a second run changes nothing; replace swaps the table', async () => {
    await pg.client.query(`CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, amount numeric(12,2));
INSERT INTO orders SELECT g, 'c' || g, g * 1.25 FROM generate_series(1, 1000) g`);
    await mysql.connection.query(
      'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(50) NOT NULL, amount DECIMAL(12,2), KEY by_customer (customer))',
    );
    await mysql.connection.query("INSERT INTO orders SELECT seq, CONCAT('c', seq), seq * 1.25 FROM seq_1_to_600");
    await mysql.connection.query("UPDATE orders SET customer = 'old' WHERE id <= 100");
    ws.write(
      'merge.yaml',
      pipeline('orders_merge', 'pg', 'my', 'orders', 'table: orders, write_mode: merge, merge_keys: [id]'),
    );
    const first = await osiris(['run', 'merge.yaml'], { cwd: ws.dir, env: env() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('dst: 1,000 staged: 400 inserted, 100 updated, 500 unchanged');
    const again = await osiris(['run', 'merge.yaml'], { cwd: ws.dir, env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('dst: 1,000 staged: 0 inserted, 0 updated, 1,000 unchanged');

    await pg.client.query('DELETE FROM orders WHERE id > 10');
    ws.write('replace.yaml', pipeline('orders_replace', 'pg', 'my', 'orders', 'table: orders, write_mode: replace'));
    const replaced = await osiris(['run', 'replace.yaml', '--json'], { cwd: ws.dir, env: env() });
    expect(replaced.code, replaced.stderr).toBe(0);
    const [count] = await mysql.connection.query('SELECT COUNT(*) AS n FROM orders');
    expect(count).toEqual([{ n: 10 }]);
    const [index] = await mysql.connection.query("SHOW INDEX FROM orders WHERE Key_name = 'by_customer'");
    expect(index).toHaveLength(1);
  });

  it('a failure mid-load exits 4 and leaves the MySQL table unchanged', async () => {
    await mysql.connection.query('CREATE TABLE strict_t (id INT PRIMARY KEY, small TINYINT)');
    await mysql.connection.query('INSERT INTO strict_t VALUES (1, 1)');
    await pg.client.query('CREATE TABLE strict_t (id int PRIMARY KEY, small int)');
    await pg.client.query(
      'INSERT INTO strict_t SELECT g, CASE WHEN g = 2500 THEN 1000 ELSE 1 END FROM generate_series(2, 3000) g',
    );
    ws.write('strict.yaml', pipeline('strict', 'pg', 'my', 'strict_t', 'table: strict_t'));
    const run = await osiris(['run', 'strict.yaml'], { cwd: ws.dir, env: env() });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/Out of range value for column 'small'.*the table is unchanged/s);
    const [rows] = await mysql.connection.query('SELECT * FROM strict_t');
    expect(rows).toEqual([{ id: 1, small: 1 }]);
  });

  it('--engine e2b (the local sandbox) writes into MySQL too', async () => {
    ws.write('e2b.yaml', pipeline('kinds', 'pg', 'my', 'kinds', 'table: kinds_e2b, create_table: true'));
    const run = await osiris(['run', 'e2b.yaml', '--engine', 'e2b', '--json'], {
      cwd: ws.dir,
      env: { ...env(), OSIRIS_E2B_SANDBOX: 'local' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^agent=runner engine=e2b /m);
    const [count] = await mysql.connection.query('SELECT COUNT(*) AS n FROM kinds_e2b');
    expect(count).toEqual([{ n: 3000 }]);
  });

  it('keeps a MySQL password out of every byte a failing and a succeeding write leave', async () => {
    const user = `osiris_w_${randomBytes(4).toString('hex')}`;
    const canaries = ['Mw00q', 'Mw01q', 'Mw02q'];
    const password = `${canaries[0]}@:/${canaries[1]}%'\\ ü${canaries[2]}`;
    await mysql.connection.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
    try {
      await mysql.connection.query(`GRANT ALL ON \`${mysql.name}\`.* TO ?@?`, [user, '%']);
      const url = `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:3306/${mysql.name}`;
      const secretHome = join(ws.dir, 'secret-home');
      const runEnv = { OSIRIS_HOME: secretHome, OSIRIS_CONN__PG__URL: pg.url, OSIRIS_CONN__MY__URL: url };
      const outputs: [string, string][] = [];
      ws.write('canary.yaml', pipeline('kinds', 'pg', 'my', 'kinds', 'table: kinds_canary, create_table: true'));
      const ok = await osiris(['run', 'canary.yaml', '--json'], { cwd: ws.dir, env: runEnv });
      expect(ok.code, ok.stderr).toBe(0);
      outputs.push(['ok stdout', ok.stdout], ['ok stderr', ok.stderr]);
      // With a primary key now, the same append fails on the first duplicate key.
      await mysql.connection.query('ALTER TABLE kinds_canary ADD PRIMARY KEY (id)');
      const failed = await osiris(['run', 'canary.yaml', '--json'], { cwd: ws.dir, env: runEnv });
      expect(failed.code, failed.stderr).toBe(4);
      expect(failed.stdout + failed.stderr).toMatch(/Duplicate entry/);
      outputs.push(['failed stdout', failed.stdout], ['failed stderr', failed.stderr]);
      const wrong = await osiris(['run', 'canary.yaml'], {
        cwd: ws.dir,
        env: { ...runEnv, OSIRIS_CONN__MY__URL: url.replace('Mw00q', 'Mw00qX') },
      });
      expect(wrong.code).toBe(4);
      outputs.push(['wrong stdout', wrong.stdout], ['wrong stderr', wrong.stderr]);
      const written = Object.entries(readTree(secretHome));
      expect(written.length).toBeGreaterThan(5);
      for (const canary of canaries) {
        for (const [what, text] of [...outputs, ...written]) expect(text, what).not.toContain(canary);
      }
    } finally {
      await mysql.connection.query('DROP USER IF EXISTS ?@?', [user, '%']);
    }
  });
});
