// SPDX-License-Identifier: MIT
import { type Row, type TabularStream, textBatchRows } from '@osiris/runner';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlTableConnector } from '../src/index';
import { caught, collect, createTestDatabase, MYSQL_HOST, MYSQL_PORT, makeCtx } from './helpers';

let db: string;
let admin: Connection;
let drop: () => Promise<void>;
let conn: Record<string, string>;

const read = (ctx: Parameters<NonNullable<typeof mysqlTableConnector.read>>[0], config: Record<string, unknown>) =>
  (mysqlTableConnector.read as NonNullable<typeof mysqlTableConnector.read>)(ctx, config);

const TRICKY_TEXT = 'tab\there\nnew\r\nline \\ back \\N NULL \\\\x 😀 漢字 ü';

beforeAll(async () => {
  ({ name: db, admin, drop } = await createTestDatabase());
  conn = { url: `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/${db}` };
  await admin.query(`SET SESSION sql_mode = ''`);
  // Every column can travel as text: no FLOAT, YEAR or ZEROFILL.
  await admin.query(`CREATE TABLE as_text (
    id INT NOT NULL PRIMARY KEY, ti TINYINT NULL, flag TINYINT(1) NULL, iu INT UNSIGNED NULL,
    big BIGINT NULL, ubig BIGINT UNSIGNED NULL, dec30 DECIMAL(30,10) NULL,
    d DATE NULL, zd DATE NULL, dt6 DATETIME(6) NULL, zdt DATETIME NULL, ts TIMESTAMP(3) NULL DEFAULT NULL, t TIME(6) NULL,
    ch CHAR(4) NULL, vc VARCHAR(600) NULL, txt MEDIUMTEXT NULL, lat VARCHAR(20) CHARACTER SET latin1 NULL,
    en ENUM('a', 'ü') NULL, js JSON NULL, uu UUID NULL,
    bin BINARY(4) NULL, blb BLOB NULL, bt BIT(9) NULL, g GEOMETRY NULL, dbl DOUBLE NULL
  )`);
  await admin.query(
    `INSERT INTO as_text VALUES
     (1, -128, 1, 4294967295, -9223372036854775808, 18446744073709551615, '-12345678901234567890.0123456789',
      '1999-12-31', '0000-00-00', '2024-02-29 23:59:59.123456', '2024-05-00 10:00:00', '2024-03-30 02:30:00.250',
      '-838:59:59.000000', 'ab', ?, ?, 'café', 'ü', '{"a": "\\\\t"}', '123e4567-e89b-12d3-a456-426614174000',
      X'00000001', X'00FF5C0A09', b'100000001', ST_GeomFromText('POINT(1 2)'), 405.40353712197725),
     (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL),
     (3, 0, 0, 0, 0, 0, '0', '2024-01-02', '2024-00-10', '1000-01-01 00:00:00', '0000-00-00 00:00:00', NULL,
      '00:00:00', '', '', '', '', 'a', '[]', NULL, X'00000000', X'', b'0', NULL, -1.7976931348623157e308)`,
    [TRICKY_TEXT, 'x'.repeat(70_000)],
  );
  await admin.query("INSERT INTO as_text (id, vc) SELECT seq + 10, CONCAT('v', seq, '\\t') FROM seq_1_to_25");
  await admin.query('UPDATE as_text SET dbl = 5e-324 WHERE id = 11');
  await admin.query('CREATE TABLE with_float (id INT PRIMARY KEY, v FLOAT NULL)');
  await admin.query('CREATE TABLE with_year (id INT PRIMARY KEY, y YEAR NULL)');
  await admin.query('CREATE TABLE with_zerofill (id INT(5) ZEROFILL PRIMARY KEY)');
}, 60_000);

afterAll(async () => {
  await drop?.();
});

async function collectText(stream: TabularStream): Promise<{ rows: Row[]; sizes: number[] }> {
  const rows: Row[] = [];
  const sizes: number[] = [];
  for await (const batch of stream.textBatches ?? []) {
    sizes.push(batch.rowCount);
    for (const row of textBatchRows(batch, stream.columns)) rows.push(row);
  }
  return { rows, sizes };
}

describe('mysql.table read as text batches', () => {
  it('offers text batches that hold exactly the values of the row batches', async () => {
    const asRows = makeCtx(conn, { chunkSize: 7 });
    const expected = await collect(await read(asRows.ctx, { table: 'as_text' }));
    const asText = makeCtx(conn, { chunkSize: 7 });
    const stream = await read(asText.ctx, { table: 'as_text' });
    expect(stream.textBatches).toBeDefined();
    const actual = await collectText(stream);
    expect(actual.sizes).toEqual(expected.sizes);
    expect(actual.sizes).toEqual([7, 7, 7, 7]);
    expect(actual.rows).toEqual(expected.rows);
    expect(actual.rows[0]?.[14]).toBe(TRICKY_TEXT);
    expect(actual.rows.slice(0, 4).map((row) => row[24])).toEqual([
      405.40353712197725,
      null,
      -1.7976931348623157e308,
      5e-324,
    ]);
    // Zero dates are NULL, and reported the same way.
    expect(actual.rows[0]?.slice(8, 11)).toEqual([null, '2024-02-29 23:59:59.123456', null]);
    expect(asText.logs).toEqual(asRows.logs);
    expect(asText.logs.map((l) => [l.fields?.column, l.fields?.count])).toEqual([
      ['zd', 2],
      ['zdt', 2],
    ]);
  });

  it('keeps a batch of one row per chunk and an empty result empty', async () => {
    const { ctx } = makeCtx(conn, { chunkSize: 1 });
    const one = await collectText(
      await read(ctx, { table: 'as_text', filters: [{ column: 'id', op: 'eq', value: 3 }] }),
    );
    expect(one.sizes).toEqual([1]);
    const none = await collectText(
      await read(makeCtx(conn).ctx, { table: 'as_text', filters: [{ column: 'id', op: 'gt', value: 1000 }] }),
    );
    expect(none).toEqual({ rows: [], sizes: [] });
  });

  it.each([
    ['with_float', 'a FLOAT is read as a double and shortened to its 32-bit value'],
    ['with_year', 'YEAR prints four digits'],
    ['with_zerofill', 'ZEROFILL prints leading zeros'],
  ])('offers no text batches for %s (%s)', async (table) => {
    const stream = await read(makeCtx(conn).ctx, { table });
    expect(stream.textBatches).toBeUndefined();
    await stream.batches[Symbol.asyncIterator]().return?.();
  });

  it('serves the rows one way only: pulling the other iterable fails', async () => {
    const stream = await read(makeCtx(conn).ctx, { table: 'as_text' });
    const text = stream.textBatches?.[Symbol.asyncIterator]();
    expect((await text?.next())?.done).toBe(false);
    const err = await caught(stream.batches[Symbol.asyncIterator]().next());
    expect(err.message).toContain('both the row batches and the text batches');
    await text?.return?.();
  });
});
