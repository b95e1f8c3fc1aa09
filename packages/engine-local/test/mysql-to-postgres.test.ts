// SPDX-License-Identifier: MIT
import { mysqlTableConnector } from '@osiris/connector-mysql';
import { supabaseTableConnector } from '@osiris/connector-supabase';
import type { TabularStream } from '@osiris/runner';
import {
  createMysqlDatabase,
  createPgDatabase,
  type MysqlDatabase,
  makeStepContext,
  type PgDatabase,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// MySQL's text protocol into Postgres: text batches go as COPY binary, rows as COPY text. Both must load the same table.

let mysql: MysqlDatabase;
let pg: PgDatabase;

const TARGET = `(id int4 PRIMARY KEY, small int2, big int8, ubig numeric(20,0), dec numeric(65,30), money numeric(12,2),
  dt timestamp(6), dt0 timestamp, ts timestamptz, d date, txt text, vc varchar(64), ch char(5), js jsonb, u uuid,
  u_txt text, blb bytea)`;

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query(`SET SESSION sql_mode = '';
    CREATE TABLE tricky (id INT PRIMARY KEY, small SMALLINT, big BIGINT, ubig BIGINT UNSIGNED, \`dec\` DECIMAL(65,30),
      money DECIMAL(12,2), dt DATETIME(6), dt0 DATETIME, ts TIMESTAMP NULL, d DATE, txt TEXT, vc VARCHAR(64),
      ch CHAR(5), js JSON, u UUID, u_txt UUID, blb BLOB) CHARACTER SET utf8mb4;
    INSERT INTO tricky VALUES
      (1, -32768, -9223372036854775808, 18446744073709551615, '-12345678901234567890123456789012345.123456789012345678901234567890',
        -9999999999.99, '1000-01-01 00:00:00.000001', '9999-12-31 23:59:59', '1970-01-01 00:00:01', '1000-01-01',
        'tab\there\nnew\r\nline \\\\ back \\\\N NULL', '😀 漢字 ü', 'ab', '{"a": [1, 2.5, "x\\\\ty"]}',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', X'00FF000A5C0D094E'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 32767, 9223372036854775807, 0, '0.000000000000000000000000000001', 0, '9999-12-31 23:59:59.999999',
        '0000-00-00 00:00:00', '2038-01-19 03:14:07', '0000-00-00', '', 'NULL', '', '[]',
        '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', X''),
      (4, 0, 9007199254740993, 9007199254740993, '0', '0.50', '2024-02-29 12:00:00.5', '2024-02-29 12:00:00', NULL,
        '2024-02-29', '\\\\N', '\\\\', ' x ', 'null', NULL, NULL, NULL);
    INSERT INTO tricky (id, small, \`dec\`, money, dt, d, txt)
      SELECT seq, seq % 30000, seq / 7, seq / 100, TIMESTAMP('2026-01-01') + INTERVAL seq SECOND,
        DATE('2026-01-01') + INTERVAL seq DAY, CONCAT('row ', seq, CHAR(9), 'x')
      FROM seq_10_to_5000;
    CREATE TABLE durations (id INT PRIMARY KEY, t TIME(6) NULL, flag TINYINT(1) NULL);
    INSERT INTO durations VALUES (1, '-838:59:59', 5), (2, '838:59:59.999999', -3), (3, '-00:00:00.5', 1),
      (4, '25:00:00', 0), (5, '12:34:56.789012', 127), (6, NULL, NULL);`);
  await pg.client.query(`CREATE TABLE by_text ${TARGET}; CREATE TABLE by_rows ${TARGET}`);
}, 60_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
});

/** Reads a MariaDB table (`tricky`) and writes it into `table`, as the engine does; returns the sink's logs. */
async function copy(
  table: string,
  input: (stream: TabularStream) => TabularStream,
  options: { from?: string; create_table?: boolean } = {},
) {
  const source = makeStepContext({ url: mysql.url }, { stepId: 'src', chunkSize: 1000 });
  const sink = makeStepContext({ url: pg.url }, { stepId: 'dst', chunkSize: 1000 });
  const read = mysqlTableConnector.read as NonNullable<typeof mysqlTableConnector.read>;
  const write = supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>;
  const stream = await read(source.ctx, { table: options.from ?? 'tricky' });
  const result = await write(sink.ctx, { table, create_table: options.create_table === true }, input(stream));
  return { result, logs: [...source.logs, ...sink.logs] };
}

async function contents(table: string): Promise<string> {
  const { rows } = await pg.client.query(`SELECT string_agg(t::text, E'\\n' ORDER BY id) AS all FROM ${table} t`);
  return rows[0].all as string;
}

describe('MySQL into Postgres', () => {
  it('loads text batches as COPY binary into exactly the table that rows loaded as COPY text give', async () => {
    const byText = await copy('by_text', (stream) => stream);
    const byRows = await copy('by_rows', ({ columns, batches }) => ({ columns, batches }));
    expect(byText.result).toEqual({ rowsWritten: 4995 });
    expect(byRows.result).toEqual({ rowsWritten: 4995 });
    const formats = (logs: typeof byText.logs) => logs.map((l) => l.fields?.format).filter(Boolean);
    expect(formats(byText.logs)).toEqual(['binary']);
    expect(formats(byRows.logs)).toEqual(['text']);
    // Zero dates are read as NULL on both paths, with a warning.
    expect(byText.logs.filter((l) => l.level === 'warn').map((l) => l.fields?.column)).toEqual(['dt0', 'd']);

    expect(await contents('by_text')).toBe(await contents('by_rows'));
    const { rows } = await pg.client.query(
      `SELECT id, big::text, ubig::text, dec::text, money::text, dt::text, dt0::text, ts::text, d::text, txt, ch, js::text,
        u::text, u_txt, encode(blb, 'hex') AS blb FROM by_text WHERE id IN (1, 3, 4) ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: 1,
        big: '-9223372036854775808',
        ubig: '18446744073709551615',
        dec: '-12345678901234567890123456789012345.123456789012345678901234567890',
        money: '-9999999999.99',
        dt: '1000-01-01 00:00:00.000001',
        dt0: '9999-12-31 23:59:59',
        ts: '1970-01-01 00:00:01+00',
        d: '1000-01-01',
        txt: 'tab\there\nnew\r\nline \\ back \\N NULL',
        ch: 'ab   ',
        js: '{"a": [1, 2.5, "x\\ty"]}',
        u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        u_txt: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        blb: '00ff000a5c0d094e',
      },
      {
        id: 3,
        big: '9223372036854775807',
        ubig: '0',
        dec: '0.000000000000000000000000000001',
        money: '0.00',
        dt: '9999-12-31 23:59:59.999999',
        dt0: null,
        ts: '2038-01-19 03:14:07+00',
        d: null,
        txt: '',
        ch: '     ',
        js: '[]',
        u: '00000000-0000-0000-0000-000000000000',
        u_txt: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
        blb: '',
      },
      {
        id: 4,
        big: '9007199254740993',
        ubig: '9007199254740993',
        dec: '0.000000000000000000000000000000',
        money: '0.50',
        dt: '2024-02-29 12:00:00.5',
        dt0: '2024-02-29 12:00:00',
        ts: null,
        d: '2024-02-29',
        txt: '\\N',
        ch: ' x   ',
        js: 'null',
        u: null,
        u_txt: null,
        blb: null,
      },
    ]);
  });

  it.each([
    ['text batches', (stream: TabularStream) => stream],
    ['rows', ({ columns, batches }: TabularStream) => ({ columns, batches })],
  ])('creates MySQL TIME as interval and TINYINT(1) as smallint: every value arrives (%s)', async (what, input) => {
    const table = what === 'rows' ? 'durations_rows' : 'durations_text';
    await copy(table, input, { from: 'durations', create_table: true });
    const { rows } = await pg.client.query(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
         WHERE attrelid = '${table}'::regclass AND attnum > 1 ORDER BY attnum`,
    );
    expect(rows.map((r) => r.type)).toEqual(['interval', 'smallint']);
    const { rows: values } = await pg.client.query(`SELECT id, t::text, flag FROM ${table} ORDER BY id`);
    expect(values).toEqual([
      { id: 1, t: '-838:59:59', flag: 5 },
      { id: 2, t: '838:59:59.999999', flag: -3 },
      { id: 3, t: '-00:00:00.5', flag: 1 },
      { id: 4, t: '25:00:00', flag: 0 },
      { id: 5, t: '12:34:56.789012', flag: 127 },
      { id: 6, t: null, flag: null },
    ]);
  });
});
