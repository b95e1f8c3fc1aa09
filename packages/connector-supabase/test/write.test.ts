// SPDX-License-Identifier: MIT
import type { Row, TabularStream, WriteResult } from '@osiris/runner';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSupabaseConnectorError, supabaseTableConnector } from '../src/index';
import {
  BACKENDS,
  caught,
  col,
  collect,
  fingerprint,
  makeCtx,
  streamOf,
  type TestAdmin,
  type TestDatabase,
} from './helpers';

// The database of the backend whose suites are running (they run one backend after the other).
let url: string;
let admin: TestAdmin;
let database: TestDatabase | undefined;

const write = (
  config: Record<string, unknown>,
  input: TabularStream,
  options: Parameters<typeof makeCtx>[1] = {},
): Promise<WriteResult> =>
  (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(
    makeCtx({ url }, options).ctx,
    config,
    input,
  );

const readAll = async (config: Record<string, unknown>, chunkSize = 1000) =>
  collect(
    await (supabaseTableConnector.read as NonNullable<typeof supabaseTableConnector.read>)(
      makeCtx({ url }, { chunkSize, stepId: 'src' }).ctx,
      config,
    ),
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A write with its own step context, started now: its result and the notes it logged. */
const started = (
  config: Record<string, unknown>,
  input: TabularStream,
  options: Parameters<typeof makeCtx>[1] = {},
) => {
  const { ctx, logs } = makeCtx({ url }, options);
  const done = (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(ctx, config, input);
  done.catch(() => {});
  return { done, logs };
};

/** A point an input stops at: `reached` once it is there, until `release`. */
function gate(): { reached: Promise<void>; release: () => void; wait: () => Promise<void> } {
  let arrive: () => void = () => {};
  let release: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    reached,
    release,
    wait: () => {
      arrive();
      return opened;
    },
  };
}

/**
 * Server only: another session holds `LOCK TABLE … IN EXCLUSIVE MODE` until the returned
 * function lets go. Reads of the table and COPY into a staging table go on; writes into it wait.
 */
async function lockTable(table: string): Promise<() => Promise<void>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`BEGIN; LOCK TABLE ${table} IN EXCLUSIVE MODE`);
  return async () => {
    await client.query('COMMIT');
    await client.end();
  };
}

/** Server only: resolves once `n` of the connector's sessions wait for a lock (of any kind). */
async function lockWaiters(n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'osiris' AND wait_event_type = 'Lock'",
    );
    if ((rows[0]?.n as number) >= n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} sessions waiting for a lock, found ${rows[0]?.n}`);
    await sleep(20);
  }
}

const waitedFor = (logs: readonly { level: string; message: string }[]) =>
  logs.some((l) => l.level === 'info' && l.message.includes('waiting for it to commit'));

const TRICKY_TEXT = 'tab\there\nnew\r\nline \\ back \\N NULL \\\\x \\. end\\';
const JSON_CANONICAL = '{"a": [1, 2.5, "x\\ty\\n"], "b": null, "c": "😀 \\\\N"}';
const JSON_LOOSE = '{ "z":1,\n\t"a" : [ ] }';
const UUID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';

const trickyColumns = [
  col('id', 'integer', 'int(11)', { nullable: false }),
  col('dec', 'decimal', 'decimal(30,10)', { precision: 30, scale: 10 }),
  col('big', 'bigint', 'bigint(20)'),
  col('dt', 'timestamp', 'datetime(6)'),
  col('d', 'date', 'date'),
  col('tz', 'timestamptz', 'timestamptz'),
  col('t', 'time', 'time(6)'),
  col('txt', 'text', 'text'),
  col('vc', 'text', 'varchar(64)', { length: 64 }),
  col('flag', 'integer', 'tinyint(1)'),
  col('small', 'integer', 'smallint(6)'),
  col('dbl', 'float', 'double'),
  col('blb', 'bytes', 'blob'),
  col('js', 'json', 'json'),
  col('jsb', 'json', 'json'),
  col('u', 'uuid', 'uuid'),
  col('flag_int', 'integer', 'tinyint(1)'),
  col('bool_txt', 'boolean', 'boolean'),
];

const BYTES = Buffer.from([0x00, 0xff, 0x00, 0x0a, 0x5c, 0x0d, 0x09, 0x4e]);

const trickyRows: Row[] = [
  [
    1,
    '12345678901234567890.0123456789',
    '9007199254740993',
    '2024-02-29 23:59:59.123456',
    '1999-12-31',
    '2024-03-30 02:30:00.25+00',
    '12:34:56.789012',
    TRICKY_TEXT,
    '😀 漢字 ü',
    1,
    -32768,
    0.1,
    BYTES,
    JSON_LOOSE,
    JSON_CANONICAL,
    UUID,
    2,
    true,
  ],
  [2, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [
    3,
    '-0.0000000001',
    '-9223372036854775808',
    '1000-01-01 00:00:00',
    '9999-12-31',
    '1970-01-01 05:30:00+05:30',
    '00:00:00',
    '',
    'NULL',
    0,
    32767,
    -1.5e300,
    Buffer.alloc(0),
    '[]',
    '[]',
    UUID.toUpperCase(),
    0,
    false,
  ],
  [
    4,
    '0',
    '0',
    null,
    null,
    null,
    null,
    '\\N',
    '\\',
    1,
    0,
    Number.POSITIVE_INFINITY,
    Buffer.from('\\x'),
    '"\\\\N"',
    'null',
    null,
    -1,
    null,
  ],
];

describe.each(BACKENDS)('on $name', (backend) => {
  beforeAll(async () => {
    database = await backend.create();
    ({ url, admin } = database);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
    database = undefined;
  });

  describe('supabase.table write: exact values', () => {
    beforeAll(async () => {
      await admin.query(`CREATE TABLE tricky (
        id int4 PRIMARY KEY, dec numeric(30,10), big int8, dt timestamp(6), d date, tz timestamptz, t time,
        txt text, vc varchar(64), flag boolean, small int2, dbl float8, blb bytea, js json, jsb jsonb, u uuid,
        flag_int int2, bool_txt text)`);
    });

    it('round-trips tricky values through COPY and a read', async () => {
      const result = await write({ table: 'tricky' }, streamOf(trickyColumns, trickyRows, { batchSize: 3 }));
      expect(result).toEqual({ rowsWritten: 4 });
      const { rows } = await readAll({ table: 'tricky' });
      rows.sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(rows[0]).toEqual([
        1,
        '12345678901234567890.0123456789',
        '9007199254740993',
        '2024-02-29 23:59:59.123456',
        '1999-12-31',
        '2024-03-30 02:30:00.25+00',
        '12:34:56.789012',
        TRICKY_TEXT,
        '😀 漢字 ü',
        true,
        -32768,
        0.1,
        BYTES,
        JSON_LOOSE,
        JSON_CANONICAL,
        UUID,
        2,
        'true',
      ]);
      expect(rows[1]).toEqual([2, ...Array.from({ length: 17 }, () => null)]);
      expect(rows[2]).toEqual([
        3,
        '-0.0000000001',
        '-9223372036854775808',
        '1000-01-01 00:00:00',
        '9999-12-31',
        '1970-01-01 00:00:00+00',
        '00:00:00',
        '',
        'NULL',
        false,
        32767,
        -1.5e300,
        Buffer.alloc(0),
        '[]',
        '[]',
        UUID,
        0,
        'false',
      ]);
      expect(rows[3]).toEqual([
        4,
        '0.0000000000',
        '0',
        null,
        null,
        null,
        null,
        '\\N',
        '\\',
        true,
        0,
        Number.POSITIVE_INFINITY,
        Buffer.from('\\x'),
        '"\\\\N"',
        'null',
        null,
        -1,
        null,
      ]);
    });

    it('keeps every awkward text value apart from NULL, byte for byte', async () => {
      await admin.query('CREATE TABLE texts (id int4 PRIMARY KEY, v text)');
      const values: (string | null)[] = [
        '',
        null,
        '\\N',
        'NULL',
        'null',
        '\\',
        '\\\\',
        '\t',
        '\n',
        '\r',
        '\r\n',
        'a\tb\nc\rd\\e',
        '\\.',
        '.',
        'end\\',
        ' padded ',
        '😀',
        '漢字',
        'tab\\tnot',
        '"q"',
        "'s'",
        '\u0001\u007f',
        'x'.repeat(100_000),
      ];
      const rows = values.map((v, i) => [i, v]);
      await write(
        { table: 'texts' },
        streamOf([col('id', 'integer', 'int'), col('v', 'text', 'text')], rows, { batchSize: 5 }),
      );
      const read = (await readAll({ table: 'texts' })).rows.sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(read).toEqual(rows);
      const { rows: nulls } = await admin.query('SELECT id FROM texts WHERE v IS NULL');
      expect(nulls).toEqual([{ id: 1 }]);
      const { rows: lengths } = await admin.query(
        'SELECT octet_length(v) AS n FROM texts WHERE id IN (0, 3, 16) ORDER BY id',
      );
      expect(lengths.map((r) => r.n)).toEqual([0, 4, 4]);
    });

    it('appends in batches and appends again', async () => {
      await admin.query('CREATE TABLE appended (id int4, name text)');
      const rows = Array.from({ length: 2500 }, (_, i) => [i, `n${i}`]);
      const columns = [col('id', 'integer', 'int'), col('name', 'text', 'text')];
      expect(await write({ table: 'appended' }, streamOf(columns, rows))).toEqual({ rowsWritten: 2500 });
      expect(await write({ table: 'appended', write_mode: 'append' }, streamOf(columns, rows.slice(0, 10)))).toEqual({
        rowsWritten: 10,
      });
      const { rows: counts } = await admin.query(
        'SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM appended',
      );
      expect(counts[0]).toEqual({ n: 2510, d: 2500 });
    });

    it('writes an empty input as zero rows', async () => {
      expect(await write({ table: 'appended' }, streamOf([col('id', 'integer', 'int')], []))).toEqual({
        rowsWritten: 0,
      });
    });

    it('writes input columns in any order and leaves the others to their defaults', async () => {
      await admin.query("CREATE TABLE partial (id int4 PRIMARY KEY, a text, b text DEFAULT 'dflt', c int4)");
      await write(
        { table: 'partial' },
        streamOf([col('c', 'integer', 'int'), col('id', 'integer', 'int'), col('a', 'text', 'text')], [[7, 1, 'x']]),
      );
      const { rows } = await admin.query('SELECT id, a, b, c FROM partial');
      expect(rows).toEqual([{ id: 1, a: 'x', b: 'dflt', c: 7 }]);
    });
  });

  describe('supabase.table write: text batches', () => {
    // Every pair of input kind and target type that COPY binary writes, with the values most likely to go wrong.
    const columns = [
      col('id', 'integer', 'int(11)', { nullable: false }),
      col('small', 'integer', 'smallint(6)'),
      col('big', 'bigint', 'bigint(20)'),
      col('big_num', 'bigint', 'bigint(20) unsigned'),
      col('dec', 'decimal', 'decimal(30,10)', { precision: 30, scale: 10 }),
      col('num', 'decimal', 'decimal(65,30)'),
      col('rounded', 'decimal', 'decimal(10,4)'),
      col('dt', 'timestamp', 'datetime(6)'),
      col('dt0', 'timestamp', 'datetime(6)'),
      col('tz', 'timestamp', 'timestamp'),
      col('d', 'date', 'date'),
      col('d_tz', 'date', 'date'),
      col('txt', 'text', 'text'),
      col('vc', 'text', 'varchar(64)'),
      col('ch', 'text', 'char(5)'),
      col('js', 'json', 'json'),
      col('jsb', 'json', 'json'),
      col('u', 'uuid', 'uuid'),
      col('u_txt', 'uuid', 'uuid'),
      col('blb', 'bytes', 'blob'),
      col('pos', 'integer', 'int(11)'),
      col('dbl', 'float', 'double'),
    ];
    const table = `(id int4 PRIMARY KEY, small int2, big int8, big_num numeric(20,0), dec numeric(30,10), num numeric,
      rounded numeric(6,2), dt timestamp(6), dt0 timestamp(0), tz timestamptz, d date, d_tz timestamptz, txt text,
      vc varchar(64), ch char(5), js json, jsb jsonb, u uuid, u_txt text, blb bytea, pos positive, dbl float8)`;
    const notUtf8 = Buffer.from([0x61, 0xc3, 0x28, 0xff, 0x62]);
    const rows: Row[] = [
      [
        1,
        -32768,
        '-9223372036854775808',
        '18446744073709551615',
        '12345678901234567890.0123456789',
        '-0.000000000000000000000000000001',
        '1234.56789',
        '2024-02-29 23:59:59.999999',
        '2024-02-29 23:59:59.5',
        '1970-01-01 00:00:00',
        '2000-01-01',
        '1999-12-31',
        TRICKY_TEXT,
        '😀 漢字 ü',
        'ab',
        JSON_LOOSE,
        JSON_CANONICAL,
        UUID,
        UUID,
        BYTES,
        1,
        405.40353712197725,
      ],
      [2, ...Array.from({ length: 21 }, () => null)],
      [
        3,
        32767,
        '9223372036854775807',
        '0',
        '-0.0000000001',
        '0.000',
        '-0.00005',
        '0001-01-01 00:00:00',
        '9999-12-31 23:59:59',
        '2038-01-19 03:14:08.000001',
        '9999-12-31',
        '0001-01-01',
        '',
        'NULL',
        '',
        '[]',
        '[]',
        UUID.toUpperCase(),
        UUID.toUpperCase(),
        Buffer.alloc(0),
        2147483647,
        -5e-324,
      ],
      [
        4,
        0,
        '0',
        '9007199254740993',
        '0',
        '123',
        '99.995',
        '1716-03-04 05:06:07.000100',
        '1969-07-20 20:17:40',
        '2026-11-27 10:00:00.5',
        '1900-02-28',
        '2024-02-29',
        notUtf8.toString('utf8'),
        '\\',
        ' x ',
        '"\\\\N"',
        'null',
        `{${UUID}}`,
        `{${UUID}}`,
        Buffer.from('\\x'),
        7,
        1e23,
      ],
    ];
    // As MariaDB prints them: not UTF-8, and a double's shortest decimal in its own spelling.
    const textRows = rows.map((row) =>
      row.map((v, i) =>
        i === 12 && row[0] === 4
          ? notUtf8
          : i === 21 && row[0] === 4
            ? '1e23'
            : v === null
              ? null
              : v instanceof Uint8Array
                ? v
                : String(v),
      ),
    );

    beforeAll(async () => {
      await admin.query('CREATE DOMAIN positive AS int4 CHECK (VALUE > 0)');
    });

    const writeLogged = async (config: Record<string, unknown>, input: TabularStream) => {
      const { ctx, logs } = makeCtx({ url });
      const result = await (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(
        ctx,
        config,
        input,
      );
      const format = logs.find((l) => l.fields?.format !== undefined)?.fields;
      return { result, format: `${format?.format} from ${format?.input}` };
    };

    it.each(['append', 'merge'])('%s: loads exactly what the same rows load as values', async (mode) => {
      await admin.query(`CREATE TABLE by_rows_${mode} ${table}; CREATE TABLE by_text_${mode} ${table}`);
      const config = (name: string) => ({ table: name, write_mode: mode, merge_keys: ['id'] });
      const byRows = await writeLogged(config(`by_rows_${mode}`), streamOf(columns, rows, { batchSize: 3 }));
      expect(byRows.format).toBe('text from rows');
      const byText = await writeLogged(
        config(`by_text_${mode}`),
        streamOf(columns, rows, { batchSize: 3, text: textRows }),
      );
      // A server takes COPY binary; PGlite loads COPY text blobs.
      expect(byText.format).toBe(backend.embedded ? 'text from text batches' : 'binary from text batches');
      expect(byText.result).toEqual(byRows.result);
      expect(await fingerprint(admin, `by_text_${mode}`)).toEqual(await fingerprint(admin, `by_rows_${mode}`));
      const { rows: read } = await admin.query(
        `SELECT big_num::text, rounded::text, dt0::text, tz::text, d_tz::text, ch, u_txt, txt, encode(float8send(dbl), 'hex') AS dbl FROM by_text_${mode} WHERE id IN (1, 4) ORDER BY id`,
      );
      expect(read).toEqual([
        {
          big_num: '18446744073709551615',
          rounded: '1234.57',
          dt0: '2024-03-01 00:00:00',
          tz: '1970-01-01 00:00:00+00',
          d_tz: '1999-12-31 00:00:00+00',
          ch: 'ab   ',
          u_txt: UUID,
          txt: TRICKY_TEXT,
          dbl: '40795674e35759d4',
        },
        {
          big_num: '9007199254740993',
          rounded: '100.00',
          dt0: '1969-07-20 20:17:40',
          tz: '2026-11-27 10:00:00.5+00',
          d_tz: '2024-02-29 00:00:00+00',
          ch: ' x   ',
          u_txt: `{${UUID}}`,
          txt: 'a\ufffd(\ufffdb',
          dbl: '44b52d02c7e14af6',
        },
      ]);
    });

    it('merges text batches with duplicate keys (the last row wins) and a second run that changes half', async () => {
      await admin.query(`CREATE TABLE merged_text ${table}`);
      const first = rows.map((r) => [...r]);
      await writeLogged(
        { table: 'merged_text', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(columns, first, { text: true }),
      );
      const second = [
        [...(rows[0] as Row)].map((v, i) => (i === 1 ? 5 : v)),
        [...(rows[1] as Row)],
        [...(rows[0] as Row)].map((v, i) => (i === 1 ? 6 : v)),
        [9, ...Array.from({ length: 21 }, () => null)],
      ];
      const { result } = await writeLogged(
        { table: 'merged_text', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(columns, second, { text: true }),
      );
      expect(result).toEqual({ rowsWritten: 4, inserted: 1, updated: 1 });
      const { rows: read } = await admin.query('SELECT id, small FROM merged_text ORDER BY id');
      expect(read).toEqual([
        { id: 1, small: 6 },
        { id: 2, small: null },
        { id: 3, small: 32767 },
        { id: 4, small: 0 },
        { id: 9, small: null },
      ]);
    });

    it.each([
      ['a smallint out of range', 1, '70000', 'value "70000" is out of range for type smallint'],
      ['an impossible date', 10, '2021-02-29', '"2021-02-29"'],
      ['a domain check', 20, '-1', 'positive_check'],
    ])('%s halfway through changes nothing', async (_what, column, bad, message) => {
      await admin.query(`CREATE TABLE IF NOT EXISTS guarded_text ${table}`);
      await admin.query('TRUNCATE guarded_text');
      await write({ table: 'guarded_text' }, streamOf(columns, rows, { text: true }));
      const before = await fingerprint(admin, 'guarded_text');
      const many = Array.from({ length: 3000 }, (_, i) => {
        const row = [...(rows[0] as Row)];
        row[0] = 100 + i;
        if (i === 2500) row[column] = bad;
        return row;
      });
      const err = await caught(
        write({ table: 'guarded_text' }, streamOf(columns, many, { batchSize: 500, text: true })),
      );
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain(message);
      expect(err.message).toContain('rolled back');
      expect(await fingerprint(admin, 'guarded_text')).toEqual(before);
    });

    it('keeps COPY text for a column that has no binary form (an integer into a boolean)', async () => {
      await admin.query('CREATE TABLE flags_text (id int4, flag boolean)');
      const flagColumns = [col('id', 'integer', 'int'), col('flag', 'integer', 'tinyint(1)')];
      const { format } = await writeLogged(
        { table: 'flags_text' },
        streamOf(
          flagColumns,
          [
            [1, 0],
            [2, 1],
            [3, null],
          ],
          { text: true },
        ),
      );
      expect(format).toBe('text from rows');
      const { rows: read } = await admin.query('SELECT id, flag FROM flags_text ORDER BY id');
      expect(read).toEqual([
        { id: 1, flag: false },
        { id: 2, flag: true },
        { id: 3, flag: null },
      ]);
    });
  });

  describe('supabase.table write: merge', () => {
    const columns = [
      col('id', 'integer', 'int(11)', { nullable: false }),
      col('name', 'text', 'varchar(50)'),
      col('amount', 'decimal', 'decimal(12,2)', { precision: 12, scale: 2 }),
    ];

    beforeAll(async () => {
      await admin.query('CREATE TABLE m_target (id int4 PRIMARY KEY, name text, amount numeric(12,2), note text)');
    });

    it('merges into an empty table', async () => {
      const rows = Array.from({ length: 1000 }, (_, i) => [i + 1, `n${i + 1}`, `${i + 1}.5`]);
      const result = await write(
        { table: 'm_target', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(columns, rows, { batchSize: 300 }),
      );
      expect(result).toEqual({ rowsWritten: 1000, inserted: 1000, updated: 0 });
      expect((await fingerprint(admin, 'm_target')).count).toBe(1000);
    });

    it('a second merge updates the changed half, skips unchanged rows and inserts new ones', async () => {
      await admin.query("UPDATE m_target SET note = 'kept'");
      const rows = [
        ...Array.from({ length: 1000 }, (_, i) => {
          const id = i + 1;
          // Odd ids unchanged (the amount written differently but equal: 1.50 = 1.5).
          return id % 2 === 0 ? [id, `n${id}-v2`, `${id}.5`] : [id, `n${id}`, `${id}.50`];
        }),
        ...Array.from({ length: 200 }, (_, i) => [1001 + i, `new${i}`, '0']),
      ];
      const { rows: before } = await admin.query('SELECT xmin::text AS x FROM m_target WHERE id = 1');
      const result = await write(
        { table: 'm_target', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(columns, rows, { batchSize: 250 }),
      );
      expect(result).toEqual({ rowsWritten: 1200, inserted: 200, updated: 500 });
      const { rows: check } = await admin.query(
        "SELECT count(*)::int AS n, count(*) FILTER (WHERE name LIKE '%-v2')::int AS v2, count(*) FILTER (WHERE note = 'kept')::int AS kept FROM m_target",
      );
      expect(check[0]).toEqual({ n: 1200, v2: 500, kept: 1000 });
      const { rows: after } = await admin.query('SELECT xmin::text AS x FROM m_target WHERE id = 1');
      expect(after[0]?.x).toBe(before[0]?.x);
    });

    it('with duplicate keys in the input, the last row wins', async () => {
      await admin.query('CREATE TABLE m_dups (id int4 PRIMARY KEY, name text, amount numeric(12,2))');
      await admin.query("INSERT INTO m_dups VALUES (5, 'old5', 1)");
      const rows = [
        [5, 'first5', '1'],
        [6, 'first6', '1'],
        [5, 'second5', '2'],
        [7, 'only7', '3'],
        [6, 'second6', '2'],
        [5, 'last5', '3'],
      ];
      const result = await write(
        { table: 'm_dups', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(columns, rows, { batchSize: 2 }),
      );
      expect(result).toEqual({ rowsWritten: 6, inserted: 2, updated: 1 });
      const { rows: out } = await admin.query('SELECT id, name, amount FROM m_dups ORDER BY id');
      expect(out).toEqual([
        { id: 5, name: 'last5', amount: '3.00' },
        { id: 6, name: 'second6', amount: '2.00' },
        { id: 7, name: 'only7', amount: '3.00' },
      ]);
    });

    it('counts inserted and updated rows of a partitioned table', async () => {
      await admin.query(`CREATE TABLE m_parts (id int4 PRIMARY KEY, name text, amount numeric(12,2)) PARTITION BY RANGE (id);
        CREATE TABLE m_parts_low PARTITION OF m_parts FOR VALUES FROM (MINVALUE) TO (100);
        CREATE TABLE m_parts_high PARTITION OF m_parts FOR VALUES FROM (100) TO (MAXVALUE);
        INSERT INTO m_parts VALUES (1, 'a', 1), (150, 'b', 1), (151, 'same', 1)`);
      const rows = [
        [1, 'a2', '1'],
        [150, 'b2', '1'],
        [151, 'same', '1'],
        [2, 'new', '1'],
        [200, 'new', '1'],
        [201, 'new', '1'],
      ];
      const result = await write(
        { table: 'm_parts', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(columns, rows, { batchSize: 4 }),
      );
      expect(result).toEqual({ rowsWritten: 6, inserted: 3, updated: 2 });
    });

    // A database-wide setting: PGlite has one session per database, which other suites' tables share.
    if (!backend.embedded) {
      it('counts with RETURNING when the server keeps no statistics (track_counts off)', async () => {
        await admin.query('CREATE TABLE m_nostats (id int4 PRIMARY KEY, name text, amount numeric(12,2))');
        await admin.query("INSERT INTO m_nostats VALUES (1, 'a', 1), (2, 'b', 2)");
        const name = new URL(url).pathname.slice(1);
        await admin.query(`ALTER DATABASE ${name} SET track_counts = off`);
        try {
          const rows = [
            [1, 'a', '1'],
            [2, 'b2', '2'],
            [3, 'c', '3'],
            [2, 'b3', '2'],
          ];
          const result = await write(
            { table: 'm_nostats', write_mode: 'merge', merge_keys: ['id'] },
            streamOf(columns, rows),
          );
          expect(result).toEqual({ rowsWritten: 4, inserted: 1, updated: 1 });
          const { rows: out } = await admin.query('SELECT id, name FROM m_nostats ORDER BY id');
          expect(out).toEqual([
            { id: 1, name: 'a' },
            { id: 2, name: 'b3' },
            { id: 3, name: 'c' },
          ]);
        } finally {
          await admin.query(`ALTER DATABASE ${name} RESET track_counts`);
        }
      });
    }

    it('uses a unique index (not the primary key) on the merge keys, in any order', async () => {
      await admin.query('CREATE TABLE m_uniq (a int4 NOT NULL, b text NOT NULL, v text, UNIQUE (a, b))');
      await admin.query("INSERT INTO m_uniq VALUES (1, 'x', 'old'), (2, 'y', 'same')");
      const { ctx, logs } = makeCtx({ url });
      const result = await (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(
        ctx,
        { table: 'm_uniq', write_mode: 'merge', merge_keys: ['b', 'a'] },
        streamOf(
          [col('a', 'integer', 'int'), col('b', 'text', 'text'), col('v', 'text', 'text')],
          [
            [1, 'x', 'new'],
            [2, 'y', 'same'],
            [3, 'z', 'added'],
          ],
        ),
      );
      expect(result).toEqual({ rowsWritten: 3, inserted: 1, updated: 1 });
      expect(logs.some((l) => l.message.includes('no unique index'))).toBe(false);
      const { rows } = await admin.query('SELECT a, b, v FROM m_uniq ORDER BY a');
      expect(rows.map((r) => r.v)).toEqual(['new', 'same', 'added']);
    });

    it.each([
      ['no index at all', 'CREATE TABLE nf_a (id int4, name text, amount numeric)'],
      ['a unique index on other columns', 'CREATE TABLE nf_b (id int4, name text, amount numeric, UNIQUE (id, name))'],
    ])('falls back to UPDATE … FROM + INSERT … WHERE NOT EXISTS with %s', async (_why, ddl) => {
      const table = ddl.includes('nf_a') ? 'nf_a' : 'nf_b';
      await admin.query(ddl);
      await admin.query(`INSERT INTO ${table} SELECT g, 'n' || g, g FROM generate_series(1, 10) g`);
      const rows = [
        ...[5, 6, 7].map((id) => [id, `changed${id}`, String(id)]),
        ...[8, 9, 10].map((id) => [id, `n${id}`, `${id}.000`]),
        ...[11, 12, 13, 14, 15].map((id) => [id, `new${id}`, '0']),
        [12, 'new12-last', '1'],
      ];
      const { ctx, logs } = makeCtx({ url });
      const result = await (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(
        ctx,
        { table, write_mode: 'merge', merge_keys: ['id'] },
        streamOf(columns, rows, { batchSize: 4 }),
      );
      expect(result).toEqual({ rowsWritten: 12, inserted: 5, updated: 3 });
      expect(logs.some((l) => l.message.includes('no unique index'))).toBe(true);
      const { rows: out } = await admin.query(`SELECT id, name FROM ${table} ORDER BY id`);
      expect(out.map((r) => `${r.id}:${r.name}`)).toEqual([
        '1:n1',
        '2:n2',
        '3:n3',
        '4:n4',
        '5:changed5',
        '6:changed6',
        '7:changed7',
        '8:n8',
        '9:n9',
        '10:n10',
        '11:new11',
        '12:new12-last',
        '13:new13',
        '14:new14',
        '15:new15',
      ]);
    });

    it('merges json columns (no = operator) and skips unchanged ones', async () => {
      await admin.query('CREATE TABLE m_json (id int4 PRIMARY KEY, j json, jb jsonb)');
      const cols = [col('id', 'integer', 'int'), col('j', 'json', 'json'), col('jb', 'json', 'json')];
      await write(
        { table: 'm_json', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(cols, [
          [1, '{"a":1}', '{"a":1}'],
          [2, '[1]', '[1]'],
        ]),
      );
      const result = await write(
        { table: 'm_json', write_mode: 'merge', merge_keys: ['id'] },
        streamOf(cols, [
          [1, '{"a":1}', '{"a":1}'],
          [2, '[1, 2]', '[1]'],
        ]),
      );
      expect(result).toEqual({ rowsWritten: 2, inserted: 0, updated: 1 });
    });

    it('with only key columns, inserts the new keys and leaves the rest', async () => {
      await admin.query('CREATE TABLE m_keys (id int4 PRIMARY KEY, extra text)');
      await admin.query("INSERT INTO m_keys VALUES (1, 'keep')");
      const result = await write(
        { table: 'm_keys', write_mode: 'merge', merge_keys: ['id'] },
        streamOf([col('id', 'integer', 'int')], [[1], [2]]),
      );
      expect(result).toEqual({ rowsWritten: 2, inserted: 1, updated: 0 });
    });
  });

  describe('supabase.table write: missing tables and create_table', () => {
    const mysqlColumns = [
      col('id', 'integer', 'int(11)', { nullable: false }),
      col('flag', 'integer', 'tinyint(1)'),
      col('ubig', 'bigint', 'bigint(20) unsigned'),
      col('big', 'bigint', 'bigint(20)', { nullable: false }),
      col('dec', 'decimal', 'decimal(30,10)', { precision: 30, scale: 10 }),
      col('dt', 'timestamp', 'datetime(6)'),
      col('js', 'json', 'json'),
      col('blb', 'bytes', 'blob'),
      col('vc', 'text', 'varchar(64)', { length: 64 }),
      col('dbl', 'float', 'double'),
      col('f', 'float', 'float'),
      col('small', 'integer', 'smallint(6)'),
      col('usmall', 'integer', 'smallint(5) unsigned'),
      col('uint', 'integer', 'int(10) unsigned'),
      col('yr', 'integer', 'year(4)'),
      col('d', 'date', 'date'),
      col('t', 'time', 'time'),
      col('u', 'uuid', 'uuid'),
      col('tz', 'timestamptz', 'timestamptz'),
      col('b', 'boolean', 'boolean'),
    ];
    const row: Row = [
      1,
      1,
      '18446744073709551615',
      '-5',
      '1.5',
      '2024-01-01 00:00:00.5',
      '{"k": [1]}',
      Buffer.from([1, 2]),
      'v',
      2.5,
      1.25,
      -3,
      65535,
      4294967295,
      2024,
      '2024-01-01',
      '10:00:00',
      UUID,
      '2024-01-01 00:00:00+00',
      false,
    ];

    it('names a missing table and suggests create_table', async () => {
      const err = await caught(write({ table: 'not_there' }, streamOf(mysqlColumns, [row])));
      expect(err.reason).toBe('CONNECTOR_TABLE_NOT_FOUND');
      expect(err.message).toContain('"public"."not_there"');
      expect(err.message).toContain('create_table: true');
      const { rows } = await admin.query("SELECT to_regclass('public.not_there') AS r");
      expect(rows[0]?.r).toBeNull();
    });

    it('creates the table from the input with the type map', async () => {
      const result = await write({ table: 'created_a', create_table: true }, streamOf(mysqlColumns, [row]));
      expect(result).toEqual({ rowsWritten: 1 });
      const { rows } = await admin.query(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS nn
         FROM pg_attribute a WHERE a.attrelid = 'public.created_a'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
      );
      expect(rows.map((r) => [r.name, r.type, r.nn])).toEqual([
        ['id', 'integer', true],
        ['flag', 'smallint', false],
        ['ubig', 'numeric(20,0)', false],
        ['big', 'bigint', true],
        ['dec', 'numeric(30,10)', false],
        ['dt', 'timestamp without time zone', false],
        ['js', 'jsonb', false],
        ['blb', 'bytea', false],
        ['vc', 'text', false],
        ['dbl', 'double precision', false],
        ['f', 'real', false],
        ['small', 'smallint', false],
        ['usmall', 'integer', false],
        ['uint', 'bigint', false],
        ['yr', 'smallint', false],
        ['d', 'date', false],
        ['t', 'interval', false],
        ['u', 'uuid', false],
        ['tz', 'timestamp with time zone', false],
        ['b', 'boolean', false],
      ]);
      const { rows: data } = await admin.query('SELECT flag, ubig, uint, js, blb FROM created_a');
      expect(data[0]).toEqual({
        flag: 1,
        ubig: '18446744073709551615',
        uint: '4294967295',
        js: { k: [1] },
        blb: Buffer.from([1, 2]),
      });
      const { rows: pk } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'public.created_a'::regclass AND indisprimary",
      );
      expect(pk[0]?.n).toBe(0);
    });

    it('creates MySQL tinyint(1) as smallint: 5 and -3 arrive as 5 and -3', async () => {
      const cols = [col('id', 'integer', 'int(11)'), col('flag', 'integer', 'tinyint(1)')];
      const input = [
        [1, 0],
        [2, 1],
        [3, 5],
        [4, -3],
        [5, 127],
        [6, -128],
        [7, null],
      ];
      await write({ table: 'created_flags', create_table: true }, streamOf(cols, input, { text: true }));
      const { rows } = await admin.query(
        'SELECT id, flag, pg_typeof(flag)::text AS type FROM created_flags ORDER BY id',
      );
      expect(rows.map((r) => [r.id, r.flag])).toEqual(input);
      expect(rows[0]?.type).toBe('smallint');
    });

    it.each([
      false,
      true,
    ])('creates a MySQL TIME column as interval: durations beyond 24 h and negative load exactly (text batches: %s)', async (text) => {
      const cols = [col('id', 'integer', 'int(11)'), col('t', 'time', 'time(6)')];
      const times = [
        '-838:59:59.000000',
        '838:59:59.999999',
        '-00:00:00.500000',
        '-01:02:03',
        '25:00:00',
        '24:00:00',
        '00:00:00',
        '12:34:56.789012',
        null,
      ];
      const table = `created_times_${text}`;
      await write(
        { table, create_table: true },
        streamOf(
          cols,
          times.map((t, i) => [i + 1, t]),
          text ? { text: true } : {},
        ),
      );
      const { rows } = await admin.query(
        `SELECT pg_typeof(t)::text AS type, extract(epoch FROM t)::text AS seconds FROM ${table} ORDER BY id`,
      );
      expect(rows[0]?.type).toBe('interval');
      expect(rows.map((r) => r.seconds)).toEqual([
        '-3020399.000000',
        '3020399.999999',
        '-0.500000',
        '-3723.000000',
        '90000.000000',
        '86400.000000',
        '0.000000',
        '45296.789012',
        null,
      ]);
    });

    it('creates the table with a primary key on the merge keys for merge', async () => {
      const cols = [col('k1', 'text', 'varchar(10)'), col('k2', 'integer', 'int(11)'), col('v', 'text', 'text')];
      const result = await write(
        { schema: 'public', table: 'created_m', create_table: true, write_mode: 'merge', merge_keys: ['k2', 'k1'] },
        streamOf(cols, [
          ['a', 1, 'x'],
          ['a', 1, 'y'],
          ['b', 1, 'z'],
        ]),
      );
      expect(result).toEqual({ rowsWritten: 3, inserted: 2, updated: 0 });
      const { rows } = await admin.query(
        `SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = 'public.created_m'::regclass AND i.indisprimary`,
      );
      expect(rows[0]?.cols).toEqual(['k2', 'k1']);
      const { rows: data } = await admin.query('SELECT k1, k2, v FROM created_m ORDER BY k1');
      expect(data).toEqual([
        { k1: 'a', k2: 1, v: 'y' },
        { k1: 'b', k2: 1, v: 'z' },
      ]);
    });

    it('a failed load into a new table leaves no table behind', async () => {
      const err = await caught(
        write(
          { table: 'created_fail', create_table: true },
          streamOf([col('id', 'integer', 'int(11)', { nullable: false })], [[1], [null]]),
        ),
      );
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      const { rows } = await admin.query("SELECT to_regclass('public.created_fail') AS r");
      expect(rows[0]?.r).toBeNull();
    });

    it('names an input column the target lacks', async () => {
      await admin.query('CREATE TABLE narrow (id int4)');
      const err = await caught(
        write({ table: 'narrow' }, streamOf([col('id', 'integer', 'int'), col('nope', 'text', 'text')], [[1, 'x']])),
      );
      expect(err.reason).toBe('CONNECTOR_COLUMN_NOT_FOUND');
      expect(err.message).toContain("'nope'");
      expect(err.message).toContain('"public"."narrow"');
      expect((await fingerprint(admin, 'narrow')).count).toBe(0);
    });

    it('names a merge key the input lacks', async () => {
      const err = await caught(
        write(
          { table: 'narrow', write_mode: 'merge', merge_keys: ['key'] },
          streamOf([col('id', 'integer', 'int')], []),
        ),
      );
      expect(err.reason).toBe('CONNECTOR_COLUMN_NOT_FOUND');
      expect(err.message).toContain("'key'");
    });

    it('requires merge_keys for merge', async () => {
      const err = await caught(
        write({ table: 'narrow', write_mode: 'merge' }, streamOf([col('id', 'integer', 'int')], [])),
      );
      expect(err.reason).toBe('CONNECTOR_CONFIG_INVALID');
      expect(err.message).toContain('merge_keys');
    });
  });

  describe('supabase.table write: NULL merge keys', () => {
    // A NULL key matches no row: DISTINCT ON would fold such rows into one, ON CONFLICT would insert them again on every run.
    const nullable = [col('id', 'integer', 'int'), col('v', 'text', 'text')];
    const rows = [
      [1, 'a'],
      [null, 'b'],
      [2, 'c'],
      [null, 'd'],
      [3, 'e'],
    ];

    it.each([
      ['no unique index', 'nk_none', 'id int4, v text'],
      ['a unique index on the nullable key', 'nk_uniq', 'id int4 UNIQUE, v text'],
    ])('with %s, refuses rows with a NULL key, on every run, and changes nothing', async (_what, table, defs) => {
      await admin.query(`CREATE TABLE ${table} (${defs}); INSERT INTO ${table} VALUES (1, 'old')`);
      const before = await fingerprint(admin, table);
      for (const _run of [1, 2]) {
        const err = await caught(
          write({ table, write_mode: 'merge', merge_keys: ['id'] }, streamOf(nullable, rows, { batchSize: 2 })),
        );
        expect(err.message).toContain("merge key 'id' is NULL in 2 of 5 input rows (the first is row 2)");
        expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
        expect(err.message).toContain('{column: id, op: is_not_null}');
        expect(err.message).toContain(`"public"."${table}" was rolled back`);
        expect(await fingerprint(admin, table)).toEqual(before);
      }
    });

    it('names every merge key that holds NULLs', async () => {
      await admin.query('CREATE TABLE nk_two (a int4, b text, v text)');
      const cols = [col('a', 'integer', 'int'), col('b', 'text', 'text'), col('v', 'text', 'text')];
      const err = await caught(
        write(
          { table: 'nk_two', write_mode: 'merge', merge_keys: ['a', 'b'] },
          streamOf(cols, [
            [1, 'x', '1'],
            [2, null, '2'],
            [null, 'y', '3'],
            [null, null, '4'],
          ]),
        ),
      );
      expect(err.message).toContain(
        "merge keys are NULL in 3 of 4 input rows ('a' in 2, 'b' in 2; the first is row 2)",
      );
      expect((await fingerprint(admin, 'nk_two')).count).toBe(0);
    });

    it.each([
      ['rows', undefined],
      ['text batches', true as const],
    ])('refuses a NULL in a key the input declares NOT NULL (%s)', async (_what, text) => {
      await admin.query('CREATE TABLE IF NOT EXISTS nk_declared (id int4, v text)');
      const cols = [col('id', 'integer', 'int', { nullable: false }), col('v', 'text', 'text')];
      const input = streamOf(
        cols,
        Array.from({ length: 3000 }, (_, i) => [i === 2499 ? null : i + 1, 'v']),
        text === undefined ? { batchSize: 1000 } : { batchSize: 1000, text },
      );
      const err = await caught(write({ table: 'nk_declared', write_mode: 'merge', merge_keys: ['id'] }, input));
      expect(err.message).toContain("merge key 'id' is NULL in input row 2500");
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain('is_not_null');
      expect((await fingerprint(admin, 'nk_declared')).count).toBe(0);
    });
  });

  describe('supabase.table write: concurrent runs', () => {
    const cols = [col('id', 'integer', 'int', { nullable: false }), col('v', 'text', 'text')];

    if (backend.embedded) {
      // PGlite runs one transaction at a time: concurrent writes simply queue.
      it('two merges and two first runs with create_table started at once all succeed', async () => {
        await admin.query('CREATE TABLE cc_e (id int4 PRIMARY KEY, v text)');
        const merges = await Promise.all(
          ['x', 'y'].map((v) =>
            write(
              { table: 'cc_e', write_mode: 'merge', merge_keys: ['id'] },
              streamOf(
                cols,
                Array.from({ length: 500 }, (_, i) => [i + 1, v]),
              ),
            ),
          ),
        );
        expect(merges.map((r) => r.inserted).sort()).toEqual([0, 500]);
        const creates = await Promise.all(
          [1, 2].map((id) => write({ table: 'cc_e_new', create_table: true }, streamOf(cols, [[id, 'v']]))),
        );
        expect(creates).toEqual([{ rowsWritten: 1 }, { rowsWritten: 1 }]);
        expect((await fingerprint(admin, 'cc_e_new')).count).toBe(2);
      });
      return;
    }

    it.each([
      ['a primary key (ON CONFLICT)', 'cc_pk', 'id int4 PRIMARY KEY, v text'],
      ['no unique index (UPDATE … FROM, INSERT … WHERE NOT EXISTS)', 'cc_none', 'id int4, v text'],
    ])('two merges at once into a table with %s: one inserts, the other then updates, no key twice', async (_what, table, defs) => {
      await admin.query(`CREATE TABLE ${table} (${defs})`);
      // Overlapping keys in opposite orders; both loads reach their upsert before either may write.
      const xs = Array.from({ length: 20_000 }, (_, i) => [i + 1, 'x']);
      const ys = Array.from({ length: 20_000 }, (_, i) => [30_000 - i, 'y']);
      const config = { table, write_mode: 'merge', merge_keys: ['id'] };
      const release = await lockTable(table);
      const runs = [xs, ys].map((rows) => started(config, streamOf(cols, rows, { batchSize: 5000 })));
      try {
        await lockWaiters(2);
      } finally {
        await release();
      }
      const results = await Promise.all(runs.map((r) => r.done));
      const { rows } = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM ${table}`);
      expect(rows[0]?.n).toBe(30_000);
      expect(rows[0]?.ids).toBe(30_000);
      const second = runs.findIndex((r) => waitedFor(r.logs));
      expect(runs.filter((r) => waitedFor(r.logs))).toHaveLength(1);
      expect(results[1 - second]).toEqual({ rowsWritten: 20_000, inserted: 20_000, updated: 0 });
      expect(results[second]).toEqual({ rowsWritten: 20_000, inserted: 10_000, updated: 10_000 });
      const { rows: overlap } = await admin.query(
        `SELECT string_agg(DISTINCT v, '') AS v FROM ${table} WHERE id BETWEEN 10001 AND 20000`,
      );
      expect(overlap[0]?.v).toBe(second === 0 ? 'x' : 'y');
    });

    it('an abort while waiting for another merge into the table ends the write at once', async () => {
      await admin.query('CREATE TABLE cc_abort (id int4 PRIMARY KEY, v text)');
      const config = { table: 'cc_abort', write_mode: 'merge', merge_keys: ['id'] };
      const release = await lockTable('cc_abort');
      const first = started(config, streamOf(cols, [[1, 'x']]));
      const controller = new AbortController();
      let second: ReturnType<typeof started> | undefined;
      try {
        await lockWaiters(1);
        second = started(config, streamOf(cols, [[1, 'y']]), { signal: controller.signal });
        await lockWaiters(2);
        expect(waitedFor(second.logs)).toBe(true);
        const abortedAt = Date.now();
        controller.abort(new Error('interrupted'));
        const err = await caught(second.done);
        expect(err.reason).toBe('CONNECTOR_ABORTED');
        expect(Date.now() - abortedAt).toBeLessThan(2000);
      } finally {
        await release();
      }
      expect(await first.done).toEqual({ rowsWritten: 1, inserted: 1, updated: 0 });
      const { rows } = await admin.query('SELECT id, v FROM cc_abort');
      expect(rows).toEqual([{ id: 1, v: 'x' }]);
      // The server notices the closed connection once the lock is free: nothing stays behind.
      const deadline = Date.now() + 5000;
      while ((await (database as TestDatabase).openSessions()) > 0 && Date.now() < deadline) await sleep(50);
      expect(await (database as TestDatabase).openSessions()).toBe(0);
    });

    it.each([
      'append',
      'merge',
    ])('%s: two first runs with create_table at once both load; one creates the table', async (mode) => {
      const table = `cc_create_${mode}`;
      const config = { table, create_table: true, write_mode: mode, merge_keys: ['id'] };
      const held = gate();
      const first = started(
        config,
        streamOf(
          cols,
          [
            [1, 'x'],
            [2, 'x'],
          ],
          { beforeBatch: (b) => (b === 0 ? held.wait() : undefined) },
        ),
      );
      // The first run has created the table (not committed yet) and is loading it.
      await held.reached;
      const second = started(
        config,
        streamOf(cols, [
          [2, 'y'],
          [3, 'y'],
        ]),
      );
      await lockWaiters(1);
      held.release();
      const results = await Promise.all([first.done, second.done]);
      const created = (logs: readonly { message: string }[]) => logs.some((l) => l.message.startsWith('created table'));
      expect([created(first.logs), created(second.logs)]).toEqual([true, false]);
      const { rows } = await admin.query(`SELECT id, v FROM ${table} ORDER BY id, v`);
      if (mode === 'append') {
        expect(results).toEqual([{ rowsWritten: 2 }, { rowsWritten: 2 }]);
        expect(rows.map((r) => `${r.id}${r.v}`)).toEqual(['1x', '2x', '2y', '3y']);
      } else {
        expect(results).toEqual([
          { rowsWritten: 2, inserted: 2, updated: 0 },
          { rowsWritten: 2, inserted: 1, updated: 1 },
        ]);
        expect(rows.map((r) => `${r.id}${r.v}`)).toEqual(['1x', '2y', '3y']);
      }
    });
  });

  describe('supabase.table write: all or nothing', () => {
    const columns = [col('id', 'integer', 'int', { nullable: false }), col('amount', 'decimal', 'decimal(10,2)')];
    const rows = Array.from({ length: 5000 }, (_, i) => [1001 + i, i === 3499 ? '-1' : `${i}.25`]);
    const flagColumns = [col('id', 'integer', 'int', { nullable: false }), col('flag', 'integer', 'tinyint(1)')];
    let before: { count: number; md5: string };

    beforeAll(async () => {
      await admin.query('CREATE TABLE guarded (id int4 PRIMARY KEY, amount numeric(10,2) CHECK (amount >= 0))');
      await admin.query('INSERT INTO guarded SELECT g, g FROM generate_series(1, 100) g');
      before = await fingerprint(admin, 'guarded');
    });

    it.each(['append', 'merge'])('%s: a row rejected by a constraint halfway changes nothing', async (mode) => {
      const err = await caught(
        write({ table: 'guarded', write_mode: mode, merge_keys: ['id'] }, streamOf(columns, rows, { batchSize: 500 })),
      );
      expect(isSupabaseConnectorError(err)).toBe(true);
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain('guarded_amount_check');
      expect(err.message).toContain('rolled back');
      expect(await fingerprint(admin, 'guarded')).toEqual(before);
    });

    it('append: a duplicate primary key changes nothing', async () => {
      const err = await caught(
        write(
          { table: 'guarded' },
          streamOf(columns, [
            [5000, '1'],
            [50, '1'],
          ]),
        ),
      );
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain('23505');
      expect(await fingerprint(admin, 'guarded')).toEqual(before);
    });

    it.each(['append', 'merge'])('%s: an input that throws after some batches changes nothing', async (mode) => {
      const okRows = rows.map((r) => [r[0], '1.00']);
      const input = streamOf(columns, okRows, { batchSize: 1000, failBeforeBatch: 3 });
      const err = await caught(write({ table: 'guarded', write_mode: mode, merge_keys: ['id'] }, input));
      expect(err.reason).toBe('CONNECTOR_INPUT_FAILED');
      expect(err.message).toContain('source connection dropped (simulated)');
      expect(err.message).toContain('after 3000 rows');
      expect(input.pulled()).toBe(3);
      expect(await fingerprint(admin, 'guarded')).toEqual(before);
    });

    it.each([
      ['append', false],
      ['merge', false],
      ['append', true],
    ])('%s (text batches: %s): an integer other than 0 and 1 into a boolean column fails, naming it, and changes nothing', async (mode, text) => {
      await admin.query('CREATE TABLE IF NOT EXISTS flags (id int4 PRIMARY KEY, flag boolean)');
      await admin.query('TRUNCATE flags');
      await write({ table: 'flags' }, streamOf(flagColumns, [[1, 1]]));
      const flagsBefore = await fingerprint(admin, 'flags');
      const many = Array.from({ length: 3000 }, (_, i) => [100 + i, i === 2500 ? 5 : i % 2]);
      const err = await caught(
        write(
          { table: 'flags', write_mode: mode, merge_keys: ['id'] },
          streamOf(flagColumns, many, { batchSize: 500, ...(text ? { text: true as const } : {}) }),
        ),
      );
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain(
        "input row 2501, column 'flag': cannot write the number 5 as a boolean: only 0 (false) and 1 (true) can be",
      );
      expect(err.message).toContain('rolled back');
      expect(await fingerprint(admin, 'flags')).toEqual(flagsBefore);
    });

    it.each([
      ['append', false, '25:00:00'],
      ['merge', false, '-00:00:01'],
      ['append', true, '838:59:59.000000'],
    ])('%s (text batches: %s): a MySQL TIME of %s into a time column fails, saying to use an interval, and changes nothing', async (mode, text, bad) => {
      const timeColumns = [col('id', 'integer', 'int', { nullable: false }), col('t', 'time', 'time(6)')];
      await admin.query('CREATE TABLE IF NOT EXISTS times (id int4 PRIMARY KEY, t time)');
      await admin.query('TRUNCATE times');
      await write({ table: 'times' }, streamOf(timeColumns, [[1, '23:59:59']]));
      const timesBefore = await fingerprint(admin, 'times');
      const many = Array.from({ length: 3000 }, (_, i) => [100 + i, i === 2500 ? bad : '10:00:00']);
      const err = await caught(
        write(
          { table: 'times', write_mode: mode, merge_keys: ['id'] },
          streamOf(timeColumns, many, { batchSize: 500, ...(text ? { text: true as const } : {}) }),
        ),
      );
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain(
        `input row 2501, column 't': cannot write the time ${bad} into a time column, which holds only times of day (00:00:00 to 24:00:00); for a duration, such as a MySQL TIME, use an interval column`,
      );
      expect(err.message).toContain('rolled back');
      expect(await fingerprint(admin, 'times')).toEqual(timesBefore);
    });

    it('a row of the wrong shape changes nothing', async () => {
      const err = await caught(write({ table: 'guarded' }, streamOf(columns, [[9001, '1'], [9002]])));
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain('input row 2 has 1 values');
      expect(await fingerprint(admin, 'guarded')).toEqual(before);
    });

    it.each(['append', 'merge'])('%s: an abort mid-stream rolls back', async (mode) => {
      const controller = new AbortController();
      const okRows = rows.map((r) => [r[0], '1.00']);
      const input = streamOf(columns, okRows, {
        batchSize: 500,
        beforeBatch: (b) => {
          if (b === 4) controller.abort(new Error('interrupted'));
        },
      });
      const err = await caught(
        write({ table: 'guarded', write_mode: mode, merge_keys: ['id'] }, input, { signal: controller.signal }),
      );
      expect(err.reason).toBe('CONNECTOR_ABORTED');
      expect(await fingerprint(admin, 'guarded')).toEqual(before);
      expect(input.returned()).toBe(true);
    });

    it('an abort while the source is silent ends the write at once', async () => {
      const controller = new AbortController();
      const input = streamOf(
        columns,
        [
          [9001, '1'],
          [9002, '2'],
        ],
        {
          batchSize: 1,
          beforeBatch: (b) => (b === 1 ? new Promise<void>(() => {}) : undefined),
        },
      );
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const err = await caught(write({ table: 'guarded' }, input, { signal: controller.signal }));
      expect(err.reason).toBe('CONNECTOR_ABORTED');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await fingerprint(admin, 'guarded')).toEqual(before);
    });

    // PGlite runs a statement to its end: an abort can only roll back after it (README, "Limits").
    if (!backend.embedded) {
      it('an abort during the merge statement closes the session at once and changes nothing', async () => {
        await admin.query(`CREATE TABLE slow_t (id int4 PRIMARY KEY, v text);
          CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$;
          CREATE TRIGGER slow BEFORE INSERT ON slow_t FOR EACH ROW EXECUTE FUNCTION slow_insert();`);
        const controller = new AbortController();
        const batches = (async function* () {
          yield [[1, 'a']];
          // The source is done: the writer now runs the upsert, which the trigger makes slow.
          setTimeout(() => controller.abort(new Error('interrupted')), 300);
        })();
        const started = Date.now();
        const err = await caught(
          write(
            { table: 'slow_t', write_mode: 'merge', merge_keys: ['id'] },
            { columns: [col('id', 'integer', 'int'), col('v', 'text', 'text')], batches },
            { signal: controller.signal },
          ),
        );
        expect(err.reason).toBe('CONNECTOR_ABORTED');
        expect(err.code).toBe('INTERRUPTED');
        expect(Date.now() - started).toBeLessThan(2500);
        expect((await fingerprint(admin, 'slow_t')).count).toBe(0);
      });
    }

    it('a failure at COMMIT is reported as not retryable', async () => {
      await admin.query(
        'CREATE TABLE deferred_t (id int4, CONSTRAINT deferred_u UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)',
      );
      const err = (await caught(
        write({ table: 'deferred_t' }, streamOf([col('id', 'integer', 'int')], [[1], [2], [1]])),
      )) as Error & { reason?: string; retryable?: boolean };
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('COMMIT');
      expect(err.message).toContain('deferred_u');
      expect((await fingerprint(admin, 'deferred_t')).count).toBe(0);
    });

    it('leaves no session behind', async () => {
      const deadline = Date.now() + 5000;
      let open = await (database as TestDatabase).openSessions();
      while (open !== 0 && Date.now() < deadline) {
        await sleep(50);
        open = await (database as TestDatabase).openSessions();
      }
      expect(open).toBe(0);
    });
  });

  // More on replace (grants, policies, triggers, a concurrent reader) in replace.test.ts, on a server.
  describe('supabase.table write: replace', () => {
    it('swaps in the new rows; a view on the table reads them', async () => {
      await admin.query(`CREATE TABLE swapped (id int4 PRIMARY KEY, name text); INSERT INTO swapped VALUES (1, 'old');
CREATE VIEW swapped_v AS SELECT name FROM swapped`);
      const columns = [col('id', 'integer', 'int4'), col('name', 'text', 'text')];
      expect(await write({ table: 'swapped', write_mode: 'replace' }, streamOf(columns, [[2, 'new']]))).toEqual({
        rowsWritten: 1,
      });
      expect((await admin.query('SELECT name FROM swapped_v')).rows).toEqual([{ name: 'new' }]);
      expect((await admin.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'swapped'`)).rows).toEqual([
        { indexname: 'swapped_pkey' },
      ]);
    });
  });
});
