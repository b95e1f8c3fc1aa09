// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, Row, TabularStream } from '@osiris/runner';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlTableConnector } from '../src/connector';
import { readTable } from '../src/read';
import { caught, collect, createTestDatabase, MYSQL_HOST, MYSQL_PORT, makeCtx } from './helpers';

const write = mysqlTableConnector.write as NonNullable<typeof mysqlTableConnector.write>;

let db: { name: string; admin: Connection; drop: () => Promise<void> };
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  url = `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/${db.name}`;
});
afterAll(async () => {
  await db?.drop();
});

const col = (name: string, kind: ColumnDescriptor['kind'], nativeType: string, nullable = true, extra = {}) =>
  ({ name, kind, nativeType, nullable, ...extra }) as ColumnDescriptor;

/** An input of the given rows, in batches of `size`; `failAfter` makes the stream throw after that many batches. */
function stream(columns: ColumnDescriptor[], rows: Row[], size = 2, failAfter?: number): TabularStream {
  return {
    columns,
    batches: (async function* () {
      let n = 0;
      for (let i = 0; i < rows.length; i += size) {
        if (failAfter !== undefined && n++ >= failAfter) throw new Error('source went away');
        yield rows.slice(i, i + size);
      }
    })(),
  };
}

async function rowsOf(table: string, order = 'id'): Promise<unknown[][]> {
  const [rows] = await db.admin.query({ sql: `SELECT * FROM \`${table}\` ORDER BY ${order}`, rowsAsArray: true });
  return rows as unknown[][];
}

const ID_NAME = [col('id', 'integer', 'int4', false), col('name', 'text', 'text')];

describe('mysql.table write', () => {
  it('appends with exact values of every kind, creating the table from the input', async () => {
    const columns = [
      col('id', 'integer', 'int4', false),
      col('big', 'bigint', 'int8'),
      col('amount', 'decimal', 'numeric(12,3)', true, { precision: 12, scale: 3 }),
      col('ratio', 'float', 'float8'),
      col('flag', 'boolean', 'bool'),
      col('label', 'text', 'text'),
      col('day', 'date', 'date'),
      col('at', 'timestamp', 'timestamp'),
      col('atz', 'timestamptz', 'timestamptz'),
      col('t', 'time', 'time'),
      col('doc', 'json', 'jsonb'),
      col('blob', 'bytes', 'bytea'),
      col('uid', 'uuid', 'uuid'),
    ];
    const nasty = 'tab\there\nnewline \\N back\\slash \r ünï 🎉 \0 end';
    const bytes = Buffer.from([0, 9, 10, 13, 92, 78, 255, 254, 0x80]);
    const rows: Row[] = [
      [
        1,
        '9007199254740993',
        '-123456789.125',
        0.1,
        true,
        nasty,
        '2024-02-29',
        '2024-01-02 03:04:05.123456',
        '2024-01-02 03:04:05.5+02',
        '-838:59:59',
        '{"a": [1, "x\\ty"]}',
        bytes,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      ],
      [
        2,
        null,
        null,
        5e-324,
        false,
        '\\N',
        '1000-01-01',
        '9999-12-31 23:59:59.999999',
        '1970-01-01 00:00:00+00',
        '00:00:00.000001',
        'null',
        Buffer.alloc(0),
        null,
      ],
      [3, '-9223372036854775808', '0.000', 1.7976931348623157e308, null, '', null, null, null, null, null, null, null],
    ];
    const { ctx, logs } = makeCtx({ url }, { stepId: 'dst' });
    const result = await write(ctx, { table: 'kinds', create_table: true }, stream(columns, rows));
    expect(result).toEqual({ rowsWritten: 3 });
    expect(logs.some((l) => l.message.includes('created table'))).toBe(true);
    const back = await collect(await readTable(makeCtx({ url }).ctx, { table: 'kinds' }));
    const sorted = back.rows.sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(sorted[0]).toEqual([
      1,
      '9007199254740993',
      '-123456789.125',
      0.1,
      1,
      nasty,
      '2024-02-29',
      '2024-01-02 03:04:05.123456',
      '2024-01-02 01:04:05.500000',
      '-838:59:59.000000',
      '{"a": [1, "x\\ty"]}',
      bytes,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ]);
    expect(sorted[1]).toEqual([
      2,
      null,
      null,
      5e-324,
      0,
      '\\N',
      '1000-01-01',
      '9999-12-31 23:59:59.999999',
      '1970-01-01 00:00:00.000000',
      '00:00:00.000001',
      'null',
      Buffer.alloc(0),
      null,
    ]);
    expect(sorted[2]?.slice(0, 6)).toEqual([3, '-9223372036854775808', '0.000', 1.7976931348623157e308, null, '']);
  });

  it('a value the server would change fails the write and leaves the table unchanged', async () => {
    await db.admin.query('CREATE TABLE small (id INT PRIMARY KEY, n TINYINT)');
    await db.admin.query('INSERT INTO small VALUES (1, 1)');
    const { ctx } = makeCtx({ url }, { stepId: 'dst' });
    const input = stream(
      [col('id', 'integer', 'int4', false), col('n', 'integer', 'int4')],
      [
        [2, 2],
        [3, 300],
      ],
    );
    const error = await caught(write(ctx, { table: 'small' }, input));
    expect(error.message).toMatch(/did not take every row.*1 warnings.*Out of range/s);
    expect(error.message).toContain('the table is unchanged');
    expect(error.code).toBe('RUN');
    expect(await rowsOf('small')).toEqual([[1, 1]]);
  });

  it('a duplicate key in an append (a constraint violation) fails and changes nothing', async () => {
    await db.admin.query('CREATE TABLE dup (id INT PRIMARY KEY, name TEXT)');
    await db.admin.query("INSERT INTO dup VALUES (1, 'one')");
    const { ctx } = makeCtx({ url }, { stepId: 'dst' });
    const error = await caught(
      write(
        ctx,
        { table: 'dup' },
        stream(ID_NAME, [
          [2, 'two'],
          [3, 'three'],
          [1, 'again'],
        ]),
      ),
    );
    expect(error.message).toMatch(/stored 2 of 3 rows.*Duplicate entry/s);
    expect(await rowsOf('dup')).toEqual([[1, 'one']]);
  });

  it('a source that fails mid-load leaves the table unchanged', async () => {
    await db.admin.query('CREATE TABLE midway (id INT PRIMARY KEY, name TEXT)');
    const { ctx } = makeCtx({ url }, { stepId: 'dst' });
    const rows = Array.from({ length: 10 }, (_, i) => [i, `r${i}`]);
    const error = await caught(write(ctx, { table: 'midway' }, stream(ID_NAME, rows, 2, 3)));
    expect(error.reason).toBe('CONNECTOR_INPUT_FAILED');
    expect(error.message).toMatch(/input stream failed after 6 rows: source went away/);
    expect(await rowsOf('midway')).toEqual([]);
  });

  it('merges with exact inserted/updated/unchanged counts; a second run changes nothing', async () => {
    await db.admin.query('CREATE TABLE m (id INT PRIMARY KEY, name TEXT)');
    await db.admin.query("INSERT INTO m VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    const input = () =>
      stream(ID_NAME, [
        [1, 'one'],
        [2, 'TWO'],
        [4, 'four'],
        [5, 'five'],
      ]);
    const first = makeCtx({ url }, { stepId: 'dst' });
    expect(await write(first.ctx, { table: 'm', write_mode: 'merge', merge_keys: ['id'] }, input())).toEqual({
      rowsWritten: 4,
      inserted: 2,
      updated: 1,
    });
    expect(first.logs.find((l) => l.message.startsWith('merged'))?.message).toContain(
      '2 inserted, 1 updated, 1 unchanged',
    );
    expect(await rowsOf('m')).toEqual([
      [1, 'one'],
      [2, 'TWO'],
      [3, 'three'],
      [4, 'four'],
      [5, 'five'],
    ]);
    const second = makeCtx({ url }, { stepId: 'dst' });
    expect(await write(second.ctx, { table: 'm', write_mode: 'merge', merge_keys: ['id'] }, input())).toEqual({
      rowsWritten: 4,
      inserted: 0,
      updated: 0,
    });
  });

  it('merge creates the table with the merge keys as primary key; the last of two rows with one key wins', async () => {
    const { ctx } = makeCtx({ url }, { stepId: 'dst' });
    const columns = [col('code', 'text', 'text'), col('n', 'integer', 'int4')];
    const result = await write(
      ctx,
      { table: 'mk', write_mode: 'merge', merge_keys: ['code'], create_table: true },
      stream(columns, [
        ['a', 1],
        ['A', 2],
        ['a', 3],
      ]),
    );
    expect(result).toEqual({ rowsWritten: 3, inserted: 2, updated: 1 });
    expect(await rowsOf('mk', 'code')).toEqual([
      ['A', 2],
      ['a', 3],
    ]);
    const [keys] = await db.admin.query(
      `SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'mk' AND CONSTRAINT_NAME = 'PRIMARY'`,
    );
    expect(keys).toEqual([{ COLUMN_NAME: 'code' }]);
  });

  it('merge refuses NULL keys and a table without a unique key on the merge keys', async () => {
    await db.admin.query('CREATE TABLE nk (id INT NULL, name TEXT, UNIQUE KEY (id))');
    const { ctx } = makeCtx({ url }, { stepId: 'dst' });
    const error = await caught(
      write(
        ctx,
        { table: 'nk', write_mode: 'merge', merge_keys: ['id'] },
        stream(ID_NAME, [
          [1, 'a'],
          [null, 'b'],
        ]),
      ),
    );
    expect(error.message).toMatch(/merge key is NULL in 1 of 2 input rows \(the first is row 2\)/);
    expect(await rowsOf('nk')).toEqual([]);
    const noKey = await caught(
      write(ctx, { table: 'nk', write_mode: 'merge', merge_keys: ['name'] }, stream(ID_NAME, [[1, 'a']])),
    );
    expect(noKey.code).toBe('CONFIG');
    expect(noKey.message).toContain('ADD UNIQUE (`name`)');
  });

  it('replace swaps in the new rows, keeping indexes, grants and views', async () => {
    await db.admin.query('CREATE TABLE r (id INT PRIMARY KEY, name VARCHAR(20), KEY by_name (name))');
    await db.admin.query("INSERT INTO r VALUES (1, 'old'), (2, 'old')");
    await db.admin.query('CREATE VIEW rv AS SELECT name FROM r');
    const user = `osiris_r_${db.name.slice(-10)}`;
    await db.admin.query(`CREATE USER '${user}'@'%'`);
    try {
      await db.admin.query(`GRANT SELECT ON \`${db.name}\`.r TO '${user}'@'%'`);
      const { ctx } = makeCtx({ url }, { stepId: 'dst' });
      expect(await write(ctx, { table: 'r', write_mode: 'replace' }, stream(ID_NAME, [[7, 'new']]))).toEqual({
        rowsWritten: 1,
      });
      expect(await rowsOf('r')).toEqual([[7, 'new']]);
      expect(await rowsOf('rv', 'name')).toEqual([['new']]);
      const [idx] = await db.admin.query(`SHOW INDEX FROM r WHERE Key_name = 'by_name'`);
      expect(idx).toHaveLength(1);
      const [grants] = await db.admin.query(`SHOW GRANTS FOR '${user}'@'%'`);
      expect(JSON.stringify(grants)).toContain('`r`');
      const [tables] = await db.admin.query(`SHOW TABLES LIKE 'r\\_\\_osiris%'`);
      expect(tables).toEqual([]);
    } finally {
      await db.admin.query(`DROP USER '${user}'@'%'`);
    }
  });

  it('a failed replace leaves the old table as it was and drops the new one', async () => {
    await db.admin.query('CREATE TABLE rf (id INT PRIMARY KEY, name TEXT)');
    await db.admin.query("INSERT INTO rf VALUES (1, 'kept')");
    const { ctx } = makeCtx({ url }, { stepId: 'dst' });
    const error = await caught(
      write(
        ctx,
        { table: 'rf', write_mode: 'replace' },
        stream(ID_NAME, [
          [1, 'a'],
          [1, 'b'],
        ]),
      ),
    );
    expect(error.message).toContain('Duplicate entry');
    expect(await rowsOf('rf')).toEqual([[1, 'kept']]);
    const [tables] = await db.admin.query(`SHOW TABLES LIKE 'rf\\_\\_osiris%'`);
    expect(tables).toEqual([]);
  });

  it('replace refuses a table that a foreign key references, before loading anything', async () => {
    await db.admin.query('CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB');
    await db.admin.query(
      'CREATE TABLE child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES parent (id)) ENGINE=InnoDB',
    );
    const { ctx } = makeCtx({ url }, { stepId: 'dst' });
    const error = await caught(
      write(ctx, { table: 'parent', write_mode: 'replace' }, stream([col('id', 'integer', 'int4')], [[1]])),
    );
    expect(error.code).toBe('CONFIG');
    expect(error.message).toMatch(/would not keep foreign key .* \(of child\)/);
  });

  it('a concurrent reader never sees an empty or half-loaded table during replace', async () => {
    await db.admin.query('CREATE TABLE big (id INT PRIMARY KEY, name TEXT)');
    const n = 20_000;
    const rows = (tag: string) => Array.from({ length: n }, (_, i) => [i, tag]);
    await write(makeCtx({ url }, { stepId: 'dst' }).ctx, { table: 'big' }, stream(ID_NAME, rows('first'), 1000));
    const reader = await createReader();
    const seen = new Set<string>();
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const [r] = await reader.query('SELECT COUNT(*) AS n, MIN(name) AS a, MAX(name) AS b FROM big');
        const {
          n: count,
          a,
          b,
        } = (r as { n: number; a: string; b: string }[])[0] as { n: number; a: string; b: string };
        seen.add(`${count}:${a}:${b}`);
      }
    })();
    for (const tag of ['second', 'third']) {
      await write(
        makeCtx({ url }, { stepId: 'dst' }).ctx,
        { table: 'big', write_mode: 'replace' },
        stream(ID_NAME, rows(tag), 500),
      );
    }
    await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await loop;
    await reader.end();
    expect([...seen].every((s) => /^20000:(first|second|third):\1$/.test(s))).toBe(true);
    expect(seen).toContain('20000:third:third');
  });
});

async function createReader() {
  const { createConnection } = await import('mysql2/promise');
  return createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', database: db.name });
}
