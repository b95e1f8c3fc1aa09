// SPDX-License-Identifier: MIT
import type { Row, TabularStream } from '@osiris/runner';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMysqlConnectorError, mysqlTableConnector } from '../src/index';
import { caught, collect, createTestDatabase, MYSQL_HOST, MYSQL_PORT, makeCtx } from './helpers';

let db: string;
let admin: Connection;
let drop: () => Promise<void>;
let conn: Record<string, string>;

const read = (ctx: Parameters<NonNullable<typeof mysqlTableConnector.read>>[0], config: Record<string, unknown>) =>
  (mysqlTableConnector.read as NonNullable<typeof mysqlTableConnector.read>)(ctx, config);

const TRICKY_TEXT = 'tab\there\nnew\r\nline \\ back \\N NULL \\\\x';
const JSON_TEXT = '{"a": [1, 2.5, "x\\ty"], "b": null, "c": "😀"}';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runningQueries(table: string): Promise<number> {
  const [rows] = await admin.query(
    'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE ?',
    [`%from \`${db}\`.\`${table}\`%`],
  );
  return Number((rows as { n: number }[])[0]?.n);
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

beforeAll(async () => {
  ({ name: db, admin, drop } = await createTestDatabase());
  conn = { url: `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/${db}` };
  await admin.query(`SET SESSION sql_mode = ''`);
  await admin.query(`CREATE TABLE tricky (
    id INT NOT NULL PRIMARY KEY,
    dec30 DECIMAL(30,10) NULL,
    big BIGINT NULL,
    ubig BIGINT UNSIGNED NULL,
    dt6 DATETIME(6) NULL,
    d DATE NULL,
    zd DATE NOT NULL DEFAULT '0000-00-00',
    zdt DATETIME NULL,
    ts TIMESTAMP(3) NULL DEFAULT NULL,
    t TIME(6) NULL,
    txt TEXT NULL,
    vc VARCHAR(64) NULL,
    flag TINYINT(1) NULL,
    small SMALLINT NULL,
    dbl DOUBLE NULL,
    blb BLOB NULL,
    bin BINARY(4) NULL,
    js JSON NULL
  )`);
  await admin.query(
    `INSERT INTO tricky VALUES
     (1, '12345678901234567890.0123456789', 9007199254740993, 18446744073709551615, '2024-02-29 23:59:59.123456',
      '1999-12-31', '0000-00-00', '0000-00-00 00:00:00', '2024-03-30 02:30:00.250', '12:34:56.789012', ?, ?, 1,
      -32768, 0.1, X'00FF000A5C', X'00000001', ?),
     (2, NULL, NULL, NULL, NULL, NULL, '0000-00-00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     (3, '-0.0000000001', -9223372036854775808, 0, '1000-01-01 00:00:00.000000', '9999-12-31', '2024-01-02',
      '2024-05-06 07:08:09', NULL, '-838:59:59.000000', '', 'NULL', 0, 32767, -1.5e300, X'', X'00000000', '[]'),
     (4, '0.0000000000', 0, 1, NULL, NULL, '2024-00-10', '2024-05-00 00:00:00', NULL, NULL, '\\\\N', '', 2, 0, 0, NULL, NULL, '"\\\\N"')`,
    [TRICKY_TEXT, '😀 漢字 ü', JSON_TEXT],
  );
  await admin.query('CREATE TABLE `we``ird tbl` (`na``me` VARCHAR(64) NULL, n INT NOT NULL, ok TINYINT(1) NULL)');
  await admin.query(
    "INSERT INTO `we``ird tbl` VALUES ('a', 1, 1), ('b', 2, 0), ('x'' OR 1=1 --', 3, 1), (NULL, 4, NULL), ('a\\\\b', 5, 0)",
  );
  await admin.query('CREATE TABLE floats (id INT PRIMARY KEY, f FLOAT NULL, f_wide FLOAT(30) NULL)');
  await admin.query(
    'INSERT INTO floats VALUES (1, 123456789, 123456789), (2, 0.1, 0.1), (3, 1.3, 1.3), (4, -1.17549435e-38, 0), (5, NULL, NULL), (6, 16777217, 1e300)',
  );
  await admin.query('CREATE TABLE seq25 (id INT PRIMARY KEY, v VARCHAR(10))');
  await admin.query("INSERT INTO seq25 SELECT seq, CONCAT('v', seq) FROM seq_1_to_25");
  await admin.query('CREATE TABLE empty_t (id INT PRIMARY KEY, v VARCHAR(10))');
  await admin.query('CREATE TABLE big (id INT PRIMARY KEY, payload VARCHAR(200) NOT NULL)');
  await admin.query("INSERT INTO big SELECT seq, REPEAT('x', 150) FROM seq_1_to_300000");
}, 60_000);

afterAll(async () => {
  await drop?.();
});

function byId(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));
}

describe('mysql.table read: exact values', () => {
  let stream: TabularStream;
  let rows: Row[];
  let logs: ReturnType<typeof makeCtx>['logs'];

  beforeAll(async () => {
    const made = makeCtx(conn, { chunkSize: 3 });
    logs = made.logs;
    stream = await read(made.ctx, { table: 'tricky' });
    rows = byId((await collect(stream)).rows);
  });

  it('describes every column with its kind and native type', () => {
    expect(stream.columns.map((c) => [c.name, c.kind, c.nativeType, c.nullable])).toEqual([
      ['id', 'integer', 'int(11)', false],
      ['dec30', 'decimal', 'decimal(30,10)', true],
      ['big', 'bigint', 'bigint(20)', true],
      ['ubig', 'bigint', 'bigint(20) unsigned', true],
      ['dt6', 'timestamp', 'datetime(6)', true],
      ['d', 'date', 'date', true],
      ['zd', 'date', 'date', true],
      ['zdt', 'timestamp', 'datetime', true],
      ['ts', 'timestamp', 'timestamp(3)', true],
      ['t', 'time', 'time(6)', true],
      ['txt', 'text', 'text', true],
      ['vc', 'text', 'varchar(64)', true],
      ['flag', 'integer', 'tinyint(1)', true],
      ['small', 'integer', 'smallint(6)', true],
      ['dbl', 'float', 'double', true],
      ['blb', 'bytes', 'blob', true],
      ['bin', 'bytes', 'binary(4)', true],
      ['js', 'json', 'json', true],
    ]);
    const dec = stream.columns[1];
    expect([dec?.precision, dec?.scale]).toEqual([30, 10]);
    expect(stream.columns[11]?.length).toBe(64);
  });

  it('reads decimals, big integers, dates, text, bytes and json exactly', () => {
    expect(rows[0]).toEqual([
      1,
      '12345678901234567890.0123456789',
      '9007199254740993',
      '18446744073709551615',
      '2024-02-29 23:59:59.123456',
      '1999-12-31',
      null,
      null,
      '2024-03-30 02:30:00.250',
      '12:34:56.789012',
      TRICKY_TEXT,
      '😀 漢字 ü',
      1,
      -32768,
      0.1,
      Buffer.from([0x00, 0xff, 0x00, 0x0a, 0x5c]),
      Buffer.from([0, 0, 0, 1]),
      JSON_TEXT,
    ]);
    expect(rows[1]).toEqual([
      2,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(rows[2]).toEqual([
      3,
      '-0.0000000001',
      '-9223372036854775808',
      '0',
      '1000-01-01 00:00:00.000000',
      '9999-12-31',
      '2024-01-02',
      '2024-05-06 07:08:09',
      null,
      '-838:59:59.000000',
      '',
      'NULL',
      0,
      32767,
      -1.5e300,
      Buffer.alloc(0),
      Buffer.alloc(4),
      '[]',
    ]);
    expect(rows[3]?.slice(0, 4)).toEqual([4, '0.0000000000', '0', '1']);
    expect(rows[3]?.slice(6, 8)).toEqual([null, null]);
    expect(rows[3]?.slice(10, 13)).toEqual(['\\N', '', 2]);
    expect(rows[3]?.[17]).toBe('"\\N"');
  });

  it('reads 32-bit FLOAT exactly (the server alone prints 6 digits)', async () => {
    const { ctx } = makeCtx(conn);
    const stream = await read(ctx, { table: 'floats' });
    expect(stream.columns.map((c) => [c.kind, c.nativeType])).toEqual([
      ['integer', 'int(11)'],
      ['float', 'float'],
      ['float', 'double'],
    ]);
    const { rows: floats } = await collect(stream);
    expect(byId(floats)).toEqual([
      // 123456789 is stored as the float 123456792, whose shortest decimal is 123456790 (as Postgres prints a real).
      [1, 123456790, 123456789],
      [2, 0.1, 0.1],
      [3, 1.3, 1.3],
      [4, -1.1754944e-38, 0],
      [5, null, null],
      [6, 16777216, 1e300],
    ]);
  });

  it('keeps value types: strings for exact numbers, Buffers for bytes', () => {
    expect(typeof rows[0]?.[2]).toBe('string');
    expect(Buffer.isBuffer(rows[0]?.[15])).toBe(true);
    expect(typeof rows[0]?.[12]).toBe('number');
  });

  it('warns once per column about zero dates, with a count', () => {
    const warnings = logs.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => [w.fields?.column, w.fields?.count])).toEqual([
      ['zd', 3],
      ['zdt', 2],
    ]);
    expect(warnings[0]?.message).toContain('0000-00-00');
  });
});

describe('mysql.table read: columns, filters and quoting', () => {
  it('reads a subset of columns in the requested order', async () => {
    const { ctx } = makeCtx(conn);
    const stream = await read(ctx, { schema: db, table: 'tricky', columns: ['vc', 'id', 'big'] });
    expect(stream.columns.map((c) => c.name)).toEqual(['vc', 'id', 'big']);
    const { rows } = await collect(stream);
    expect(rows.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['😀 漢字 ü', 1, '9007199254740993'],
      [null, 2, null],
      ['NULL', 3, '-9223372036854775808'],
      ['', 4, '0'],
    ]);
  });

  const injection = "x' OR 1=1 --";
  it.each([
    ['eq', { column: 'na`me', op: 'eq', value: injection }, [3]],
    ['eq with a backslash', { column: 'na`me', op: 'eq', value: 'a\\b' }, [5]],
    ['ne', { column: 'na`me', op: 'ne', value: 'a' }, [2, 3, 5]],
    ['lt', { column: 'n', op: 'lt', value: 3 }, [1, 2]],
    ['lte', { column: 'n', op: 'lte', value: 3 }, [1, 2, 3]],
    ['gt', { column: 'n', op: 'gt', value: 3 }, [4, 5]],
    ['gte', { column: 'n', op: 'gte', value: '3' }, [3, 4, 5]],
    ['in', { column: 'na`me', op: 'in', value: ['a', injection] }, [1, 3]],
    ['not_in', { column: 'na`me', op: 'not_in', value: ['a', injection] }, [2, 5]],
    ['like', { column: 'na`me', op: 'like', value: "x'%" }, [3]],
    ['like with an injection', { column: 'na`me', op: 'like', value: "%' OR '1'='1" }, []],
    ['is_null', { column: 'na`me', op: 'is_null' }, [4]],
    ['is_not_null', { column: 'na`me', op: 'is_not_null' }, [1, 2, 3, 5]],
    ['eq boolean', { column: 'ok', op: 'eq', value: true }, [1, 3]],
  ])('filter %s binds its value', async (_name, filter, expected) => {
    const { ctx } = makeCtx(conn);
    const stream = await read(ctx, { table: 'we`ird tbl', columns: ['n'], filters: [filter] });
    const { rows } = await collect(stream);
    expect(rows.map((r) => r[0]).sort()).toEqual(expected);
  });

  it('combines filters with AND', async () => {
    const { ctx } = makeCtx(conn);
    const stream = await read(ctx, {
      table: 'we`ird tbl',
      columns: ['n', 'na`me'],
      filters: [
        { column: 'na`me', op: 'is_not_null' },
        { column: 'n', op: 'gt', value: 1 },
        { column: 'n', op: 'ne', value: 5 },
      ],
    });
    expect(stream.columns.map((c) => c.name)).toEqual(['n', 'na`me']);
    const { rows } = await collect(stream);
    expect(rows.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [2, 'b'],
      [3, injection],
    ]);
  });

  it('treats a column name that looks like SQL as a name', async () => {
    const { ctx } = makeCtx(conn);
    const err = await caught(
      read(ctx, { table: 'we`ird tbl', filters: [{ column: 'n` OR 1=1 --', op: 'eq', value: 1 }] }),
    );
    expect(err.reason).toBe('CONNECTOR_COLUMN_NOT_FOUND');
    expect(err.message).toContain("'n` OR 1=1 --'");
  });
});

describe('mysql.table read: batching and streaming', () => {
  it.each([
    [10, [10, 10, 5]],
    [25, [25]],
    [7, [7, 7, 7, 4]],
    [1, Array.from({ length: 25 }, () => 1)],
  ])('chunkSize %i gives batches %j', async (chunkSize, sizes) => {
    const { ctx } = makeCtx(conn, { chunkSize });
    const result = await collect(await read(ctx, { table: 'seq25' }));
    expect(result.sizes).toEqual(sizes);
    expect(result.rows.map((r) => r[0]).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
  });

  it('estimates its rows from the table statistics for progress, except through a filter or from a view', async () => {
    await admin.query('ANALYZE TABLE seq25');
    await admin.query('CREATE OR REPLACE VIEW seq25_view AS SELECT * FROM seq25');
    const estimated = async (config: Record<string, unknown>) => {
      const stream = await read(makeCtx(conn).ctx, config);
      await collect(stream);
      return stream.estimatedRows;
    };
    expect(await estimated({ table: 'seq25' })).toBe(25);
    expect(await estimated({ table: 'seq25', filters: [{ column: 'id', op: 'lt', value: 3 }] })).toBeUndefined();
    expect(await estimated({ table: 'seq25_view' })).toBeUndefined();
  });

  it('an empty table gives its columns and no batch', async () => {
    const { ctx } = makeCtx(conn);
    const stream = await read(ctx, { table: 'empty_t' });
    expect(stream.columns.map((c) => c.name)).toEqual(['id', 'v']);
    expect(await collect(stream)).toEqual({ rows: [], sizes: [] });
  });

  it('holds the server back while the consumer does not pull (backpressure)', async () => {
    const { ctx } = makeCtx(conn, { chunkSize: 1000 });
    const stream = await read(ctx, { table: 'big' });
    const it = stream.batches[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toHaveLength(1000);
    await sleep(1000);
    // 300k rows of 150 bytes do not fit in socket buffers: the server is still sending.
    expect(await runningQueries('big')).toBe(1);
    let total = 1000;
    let batches = 1;
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      expect(next.value.length).toBe(1000);
      total += next.value.length;
      batches++;
    }
    expect([total, batches]).toEqual([300_000, 300]);
    expect(await waitUntil(async () => (await runningQueries('big')) === 0)).toBe(true);
  });

  it('stops the query and the connection when the consumer breaks early', async () => {
    const { ctx } = makeCtx(conn, { chunkSize: 500 });
    const stream = await read(ctx, { table: 'big' });
    let seen = 0;
    for await (const batch of stream.batches) {
      seen += batch.length;
      if (seen >= 1500) break;
    }
    expect(seen).toBe(1500);
    expect(await waitUntil(async () => (await runningQueries('big')) === 0)).toBe(true);
  });

  it('closes the connection when the batches are returned without being read', async () => {
    const sessions = async () => {
      const [rows] = await admin.query(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND DB = ?',
        [db],
      );
      return Number((rows as { n: number }[])[0]?.n);
    };
    const { ctx } = makeCtx(conn);
    const stream = await read(ctx, { table: 'big' });
    expect(await sessions()).toBe(1);
    await stream.batches[Symbol.asyncIterator]().return?.();
    expect(await waitUntil(async () => (await sessions()) === 0)).toBe(true);
  });

  it('aborts mid-stream on ctx.signal and closes the connection', async () => {
    const controller = new AbortController();
    const { ctx } = makeCtx(conn, { chunkSize: 1000, signal: controller.signal });
    const stream = await read(ctx, { table: 'big' });
    const it = stream.batches[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    expect((await it.next()).done).toBe(false);
    controller.abort(new Error('stop'));
    const err = await caught(it.next());
    expect(isMysqlConnectorError(err)).toBe(true);
    expect(err.reason).toBe('CONNECTOR_ABORTED');
    expect(await waitUntil(async () => (await runningQueries('big')) === 0)).toBe(true);
  });

  it('aborts while waiting for a batch', async () => {
    const controller = new AbortController();
    const { ctx } = makeCtx(conn, { chunkSize: 1_000_000, signal: controller.signal });
    const stream = await read(ctx, { table: 'big' });
    const pending = stream.batches[Symbol.asyncIterator]().next();
    setTimeout(() => controller.abort(), 20);
    const err = await caught(pending);
    expect(err.reason).toBe('CONNECTOR_ABORTED');
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { ctx } = makeCtx(conn, { signal: controller.signal });
    const err = await caught(read(ctx, { table: 'seq25' }));
    expect(err.reason).toBe('CONNECTOR_ABORTED');
  });
});

/** The id of the server thread running a read of `table`, once the server runs it. */
async function readerThread(table: string): Promise<number> {
  let id: number | undefined;
  await waitUntil(async () => {
    const [rows] = await admin.query(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE ?',
      [`%from \`${db}\`.\`${table}\`%`],
    );
    id = (rows as { id: number }[])[0]?.id;
    return id !== undefined;
  });
  if (id === undefined) throw new Error(`no server thread reads ${table}`);
  return Number(id);
}

/** Rejects when `promise` has not settled within `ms`: a hang fails the test instead of timing it out. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)),
  ]);
}

describe('mysql.table read: a lost connection', () => {
  it.each([
    'batches',
    'textBatches',
  ] as const)('a connection killed mid-read (KILL) fails the next pull of %s at once, saying how many rows came', async (form) => {
    const { ctx } = makeCtx(conn, { chunkSize: 1000 });
    const stream = await read(ctx, { table: 'big' });
    const batches = (form === 'batches' ? stream.batches : stream.textBatches) as AsyncIterable<unknown>;
    const it = batches[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    expect((await it.next()).done).toBe(false);
    await admin.query(`KILL ${await readerThread('big')}`);
    const err = await within(
      5000,
      caught(
        (async () => {
          for (;;) if ((await it.next()).done) return;
        })(),
      ),
    );
    expect(isMysqlConnectorError(err)).toBe(true);
    expect(err.reason).toBe('CONNECTOR_QUERY_FAILED');
    expect(err.message).toMatch(/the MySQL connection was lost after [\d,]+ rows/);
    expect(await runningQueries('big')).toBe(0);
  });

  it('an abort while the server is still looking for rows ends its query at once', async () => {
    // 25 seconds of work before the first row: closing the socket alone does not stop it.
    await admin.query('CREATE OR REPLACE VIEW slow_view AS SELECT id, v FROM seq25 WHERE SLEEP(1) = 1');
    const controller = new AbortController();
    const { ctx } = makeCtx(conn, { signal: controller.signal });
    const stream = await read(ctx, { table: 'slow_view' });
    const pending = stream.batches[Symbol.asyncIterator]().next();
    await readerThread('slow_view');
    controller.abort(new Error('stop'));
    expect((await caught(pending)).reason).toBe('CONNECTOR_ABORTED');
    expect(await waitUntil(async () => (await runningQueries('slow_view')) === 0, 2000)).toBe(true);
  });
});

describe('mysql.table read: connections and errors', () => {
  it('accepts host, port, user and database fields', async () => {
    const { ctx } = makeCtx({ host: MYSQL_HOST, port: String(MYSQL_PORT), user: 'root', database: db });
    const { rows } = await collect(await read(ctx, { table: 'seq25', columns: ['id'] }));
    expect(rows).toHaveLength(25);
  });

  it('names a missing table and how to fix it', async () => {
    const { ctx } = makeCtx(conn);
    const err = await caught(read(ctx, { table: 'nope' }));
    expect(err.reason).toBe('CONNECTOR_TABLE_NOT_FOUND');
    expect(err.message).toContain(`\`${db}\`.\`nope\``);
    expect(err.message).toContain("step 'src'");
  });

  it('names a missing column and lists the real ones', async () => {
    const { ctx } = makeCtx(conn);
    const err = await caught(read(ctx, { table: 'seq25', columns: ['id', 'missing'] }));
    expect(err.reason).toBe('CONNECTOR_COLUMN_NOT_FOUND');
    expect(err.message).toContain("'missing'");
    expect(err.message).toContain('id, v');
  });

  it('asks for a database when neither the options nor the connection name one', async () => {
    const { ctx } = makeCtx({ url: `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}` });
    const err = await caught(read(ctx, { table: 'seq25' }));
    expect(err.reason).toBe('CONNECTOR_CONFIG_INVALID');
    expect(err.message).toContain('options.schema');
  });

  it.each([
    ['url', { url: `mysql://root:Wr0ng%2FPassw0rd%21@${MYSQL_HOST}:${MYSQL_PORT}/db` }],
    ['fields', { host: MYSQL_HOST, port: String(MYSQL_PORT), user: 'root', password: 'Wr0ng/Passw0rd!' }],
  ])('a wrong password (%s) fails clearly without showing it', async (_form, connection) => {
    const { ctx } = makeCtx(connection);
    const err = await caught(read(ctx, { table: 'seq25' }));
    expect(err.reason).toBe('CONNECTOR_CONNECTION_FAILED');
    expect(err.message).toMatch(/access denied/i);
    expect(err.message).toContain(`${MYSQL_HOST}:${MYSQL_PORT}`);
    const everything = `${err.message} ${String(err.stack)} ${JSON.stringify(err)}`;
    expect(everything).not.toContain('Wr0ng');
    expect(everything).not.toContain('Passw0rd');
  });

  it('a refused connection says so', async () => {
    const { ctx } = makeCtx({ url: 'mysql://root:secretpw@127.0.0.1:1/db' });
    const err = await caught(read(ctx, { table: 'seq25' }));
    expect(err.reason).toBe('CONNECTOR_CONNECTION_FAILED');
    expect(err.message).toContain('refused');
    expect(err.message).not.toContain('secretpw');
  });

  it('rejects invalid options before connecting', async () => {
    const { ctx } = makeCtx(conn);
    const err = await caught(read(ctx, { table: 'seq25', filters: [{ column: 'id', op: 'in', value: [] }] }));
    expect(err.reason).toBe('CONNECTOR_CONFIG_INVALID');
    expect(err.message).toContain('options.filters[0].value');
  });
});
