// SPDX-License-Identifier: MIT

import { doubleBits, EDGE_DOUBLES, insertDoubles, randomDoubles } from '@osiris/test-utils';
import { type Connection as CallbackConnection, createConnection, type FieldPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConnection, runQuery } from '../src/connection';
import { exactFloats, textRowParser, useTextRowParser } from '../src/row-parser';
import { createTestDatabase, MYSQL_HOST, MYSQL_PORT } from './helpers';

let db: string;
let admin: Connection;
let drop: () => Promise<void>;
let reader: CallbackConnection;

/** Every column type the text protocol sends, with edge values; `geo` is the one this parser leaves to mysql2. */
const COLUMNS = `
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT NULL, tiu TINYINT UNSIGNED NULL, flag TINYINT(1) NULL, si SMALLINT NULL, mi MEDIUMINT NULL,
  i INT NULL, iu INT UNSIGNED NULL, zf INT(6) ZEROFILL NULL, yr YEAR NULL,
  bi BIGINT NULL, biu BIGINT UNSIGNED NULL,
  dec30 DECIMAL(30,10) NULL, dec0 DECIMAL(5,0) NULL,
  fl FLOAT NULL, dbl DOUBLE NULL,
  d DATE NULL, dt DATETIME NULL, dt6 DATETIME(6) NULL, ts TIMESTAMP(3) NULL DEFAULT NULL, tm TIME(6) NULL,
  ch CHAR(3) NULL, vc VARCHAR(300) NULL, tx TEXT NULL, mtx MEDIUMTEXT NULL,
  lat VARCHAR(20) CHARACTER SET latin1 NULL, asc_col VARCHAR(20) CHARACTER SET ascii NULL,
  bn BINARY(3) NULL, vb VARBINARY(300) NULL, bl BLOB NULL, bt BIT(10) NULL,
  en ENUM('a','b','ü') NULL, st SET('x','y') NULL, js JSON NULL, uu UUID NULL, ip INET6 NULL`;

const LONG = 'é'.repeat(200) + 'x'.repeat(100);

/** Doubles of every magnitude; mysql2's own decimal parser gets about a third of them wrong. */
const DOUBLES = [...EDGE_DOUBLES, ...randomDoubles(3000, 12)];

beforeAll(async () => {
  ({ name: db, admin, drop } = await createTestDatabase());
  await admin.query(`SET SESSION sql_mode = ''`);
  await admin.query(`CREATE TABLE every_type (${COLUMNS})`);
  await admin.query(
    `INSERT INTO every_type VALUES
     (1, -128, 255, 1, -32768, -8388608, -2147483648, 4294967295, 42, 1901,
      -9223372036854775808, 18446744073709551615, '-12345678901234567890.0123456789', 99999,
      -1.17549435e-38, -1.5e300, '1000-01-01', '9999-12-31 23:59:59', '2024-02-29 23:59:59.123456',
      '2038-01-19 03:14:07.999', '-838:59:59.000000',
      'abc', ?, ?, ?, 'café', 'plain', X'000102', ?, X'00FF5C0A09', b'1010101010',
      'ü', 'x,y', '{"a": [1, "\\\\t😀"]}', '123e4567-e89b-12d3-a456-426614174000', '::1'),
     (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     (3, 0, 0, 0, 0, 0, 0, 0, 0, 2155, 0, 0, '0', 0, 0, 0, '0000-00-00', '0000-00-00 00:00:00',
      '2024-00-10 00:00:00', NULL, '00:00:00', '', '', '', '', '', '', X'', X'', X'', b'0',
      '', '', '[]', NULL, NULL),
     (4, 127, 1, 2, 32767, 8388607, 2147483647, 1, 1, 0, 9223372036854775807, 9007199254740993, '0.0000000001', -1,
      0.1, 0.1, '2024-05-00', '2024-05-06 07:08:09', NULL, '1970-01-01 00:00:01.000', '12:34:56.789012',
      '\\\\N', 'tab\\there\\nline\\\\', 'NULL', REPEAT('long', 20000), NULL, NULL, NULL, X'FF', NULL, NULL,
      NULL, NULL, 'null', NULL, NULL)`,
    [LONG, 'tab\there\r\nline \\ \\N NULL 😀 漢字', 'ü'.repeat(70000), Buffer.alloc(300, 0xab)],
  );
  await admin.query('CREATE TABLE with_geometry (id INT PRIMARY KEY, g GEOMETRY NULL)');
  await admin.query("INSERT INTO with_geometry VALUES (1, ST_GeomFromText('POINT(1 2)')), (2, NULL)");
  await admin.query('CREATE TABLE doubles (id INT PRIMARY KEY, v DOUBLE NULL)');
  await insertDoubles(admin, 'doubles', DOUBLES);
  await admin.query('INSERT INTO doubles VALUES (0, NULL)');
  const { options } = resolveConnection('src', { url: `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/${db}` });
  reader = createConnection(options);
}, 60_000);

afterAll(async () => {
  reader?.destroy();
  await drop?.();
});

/**
 * The rows of a streamed query with the read's options, parsed by mysql2's parser or by the text row
 * parser, and the column metadata.
 */
function stream(
  sqlText: string,
  fast: boolean,
): Promise<{ rows: unknown[][]; fields: FieldPacket[]; parser: string | undefined }> {
  return new Promise((resolve, reject) => {
    const rows: unknown[][] = [];
    let fields: FieldPacket[] = [];
    const query = reader.query({ sql: sqlText, rowsAsArray: true, typeCast: exactFloats });
    if (fast) useTextRowParser(query);
    query.on('fields', (received: FieldPacket[]) => {
      fields = received;
    });
    query.on('result', (row: unknown) => rows.push(row as unknown[]));
    query.on('error', reject);
    const parser = () => (query as unknown as { _rowParser?: object })._rowParser?.constructor.name;
    query.on('end', () => resolve({ rows, fields, parser: parser() }));
  });
}

/** How many rows `[id, double]` hold another double than the one stored under that id (1-based), and the first few. */
function wrongDoubles(rows: readonly unknown[][]): { count: number; first: [unknown, string, string][] } {
  const wrong: [unknown, string, string][] = [];
  for (const [id, value] of rows) {
    const expected = id === 0 ? null : (DOUBLES[(id as number) - 1] as number);
    if (!Object.is(value, expected)) {
      wrong.push([id, String(expected), typeof value === 'number' ? `${value} (${doubleBits(value)})` : String(value)]);
    }
  }
  return { count: wrong.length, first: wrong.slice(0, 3) };
}

describe('text row parser', () => {
  it('reads every column type exactly as mysql2 does', async () => {
    const sqlText = 'SELECT * FROM every_type ORDER BY id';
    const expected = await stream(sqlText, false);
    const actual = await stream(sqlText, true);
    expect(textRowParser(actual.fields as never)).toBeDefined();
    expect([actual.parser, expected.parser]).toEqual(['TextRowParser', 'TextRow']);
    expect(actual.rows).toHaveLength(4);
    expect(actual.rows).toEqual(expected.rows);
    // toEqual treats a Buffer and an equal Uint8Array alike, and -0 like 0: compare types and signs too.
    for (const [r, row] of actual.rows.entries()) {
      for (const [c, value] of row.entries()) {
        const other = expected.rows[r]?.[c];
        expect([
          r,
          c,
          Buffer.isBuffer(value),
          typeof value,
          Object.is(value, other) || typeof value === 'object',
        ]).toEqual([r, c, Buffer.isBuffer(other), typeof other, true]);
      }
    }
  });

  it('keeps strings of every length and UTF-8 intact', async () => {
    const { rows } = await stream('SELECT vc, tx, mtx, js FROM every_type WHERE id = 1', true);
    expect(rows[0]).toEqual([LONG, 'tab\there\r\nline \\ \\N NULL 😀 漢字', 'ü'.repeat(70000), '{"a": [1, "\\t😀"]}']);
  });

  it('reads DOUBLE bit for bit: the shortest decimal the server prints, correctly rounded', async () => {
    const { rows, parser } = await stream('SELECT id, v FROM doubles ORDER BY id', true);
    expect(parser).toBe('TextRowParser');
    expect(rows).toHaveLength(DOUBLES.length + 1);
    expect(wrongDoubles(rows)).toEqual({ count: 0, first: [] });
  });

  it('reads DOUBLE bit for bit where mysql2 parses the rows: a column the text row parser leaves to it', async () => {
    const { rows, parser } = await stream(
      "SELECT id, v, ST_GeomFromText('POINT(1 2)') AS g FROM doubles ORDER BY id",
      true,
    );
    expect(parser).toBe('TextRow');
    expect(wrongDoubles(rows.map((row) => row.slice(0, 2)))).toEqual({ count: 0, first: [] });
  });

  it('reads DOUBLE bit for bit where mysql2 parses the rows: metadata queries', async () => {
    const rows = await runQuery<unknown[]>(reader, 'SELECT id, v FROM doubles ORDER BY id', true);
    expect(rows).toHaveLength(DOUBLES.length + 1);
    expect(wrongDoubles(rows)).toEqual({ count: 0, first: [] });
  });

  it('leaves results with a column it does not read to mysql2', async () => {
    const sqlText = 'SELECT id, g FROM with_geometry ORDER BY id';
    const expected = await stream(sqlText, false);
    const actual = await stream(sqlText, true);
    expect(textRowParser(actual.fields as never)).toBeUndefined();
    expect(actual.parser).toBe('TextRow');
    expect(actual.rows).toEqual(expected.rows);
  });
});
