// SPDX-License-Identifier: MIT
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mysqlTableConnector } from '@osiris/connector-mysql';
import { supabaseTableConnector } from '@osiris/connector-supabase';
import type { Row, TabularStream } from '@osiris/runner';
import {
  collect,
  createMysqlDatabase,
  createPgDatabase,
  doubleBits,
  EDGE_DOUBLES,
  insertDoubles,
  type MysqlDatabase,
  makeStepContext,
  type PgDatabase,
  randomDoubles,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Differential test: doubles of every magnitude go from a MariaDB DOUBLE column into Postgres float8 through
// the connectors on every path they can take, and must arrive bit for bit.

let mysql: MysqlDatabase;
let pg: PgDatabase;

const DOUBLES = [...EDGE_DOUBLES, ...randomDoubles(20_000, 2026)];
/** Single-precision values of every magnitude (random 32-bit patterns), for a MySQL FLOAT column. */
const FLOATS = randomDoubles(6000, 7)
  .map((d) => Buffer.from(doubleBits(d), 'hex').readFloatBE(0))
  .filter((f) => Number.isFinite(f) && !Object.is(f, -0))
  .slice(0, 5000);
const FLOAT_EDGES = [1.401298464324817e-45, 1.1754942106924411e-38, 3.4028234663852886e38, -3.4028234663852886e38, 0.1];

const read = mysqlTableConnector.read as NonNullable<typeof mysqlTableConnector.read>;
const readPg = supabaseTableConnector.read as NonNullable<typeof supabaseTableConnector.read>;
const write = supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>;

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query('CREATE TABLE doubles (id INT PRIMARY KEY, v DOUBLE NULL)');
  await insertDoubles(mysql.connection, 'doubles', DOUBLES);
  await mysql.connection.query('INSERT INTO doubles VALUES (0, NULL)');
  await mysql.connection.query('CREATE TABLE floats (id INT PRIMARY KEY, v FLOAT NULL)');
  await insertDoubles(mysql.connection, 'floats', [...FLOAT_EDGES, ...FLOATS]);
  const target = '(id int4 PRIMARY KEY, v float8)';
  await pg.client.query(`CREATE TABLE from_text_batches ${target}; CREATE TABLE from_rows ${target};
    CREATE TABLE merged ${target};
    CREATE TABLE pg_source ${target}; CREATE TABLE from_pg_binary ${target}; CREATE TABLE from_pg_rows ${target};
    CREATE TABLE floats (id int4 PRIMARY KEY, v float4)`);
  // Postgres parses the shortest decimal of a double correctly rounded: the source holds exactly DOUBLES.
  await pg.client.query('INSERT INTO pg_source SELECT * FROM unnest($1::int4[], $2::float8[])', [
    DOUBLES.map((_, i) => i + 1),
    DOUBLES.map(String),
  ]);
  await pg.client.query('INSERT INTO pg_source VALUES (0, NULL)');
}, 120_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
});

/** Copies a table with `read` into `table` at `url`; returns the format the sink logged (`binary from text batches`). */
async function copy(
  from: { read: typeof read; url: string; table: string; filters?: unknown[] },
  to: { url: string; table: string; create?: boolean; merge?: boolean },
  input: (stream: TabularStream) => TabularStream = (stream) => stream,
): Promise<string> {
  const source = makeStepContext({ url: from.url }, { stepId: 'src', chunkSize: 1000 });
  const sink = makeStepContext({ url: to.url }, { stepId: 'dst', chunkSize: 1000 });
  const stream = await from.read(source.ctx, { table: from.table, filters: from.filters ?? [] });
  const mode = to.merge === true ? { write_mode: 'merge', merge_keys: ['id'] } : {};
  await write(sink.ctx, { table: to.table, create_table: to.create === true, ...mode }, input(stream));
  const format = sink.logs.find((l) => l.fields?.format !== undefined)?.fields;
  return `${format?.format} from ${format?.input}`;
}

/** Rows `[id, bits]` of a Postgres table whose bits differ from those of `expected[id - 1]`: how many, and the first few. */
async function wrongBits(table: string, expected: readonly number[], send = 'float8send') {
  const { rows } = await pg.client.query(`SELECT id, encode(${send}(v), 'hex') AS bits FROM ${table} ORDER BY id`);
  const bitsOf = send === 'float4send' ? floatBits : doubleBits;
  const wrong = (rows as { id: number; bits: string | null }[])
    .filter(({ id, bits }) => bits !== (id === 0 ? null : bitsOf(expected[id - 1] as number)))
    .map(({ id, bits }) => [id, expected[id - 1], bits]);
  return { rows: rows.length, wrong: wrong.length, first: wrong.slice(0, 3) };
}

function floatBits(value: number): string {
  const buf = Buffer.alloc(4);
  buf.writeFloatBE(value);
  return buf.toString('hex');
}

/** Rows `[id, value]` read back whose value is not bit for bit `expected[id - 1]`. */
function wrongValues(rows: readonly Row[], expected: readonly number[]) {
  const wrong = rows.filter(([id, v]) => !Object.is(v, id === 0 ? null : expected[(id as number) - 1]));
  return { rows: rows.length, wrong: wrong.length, first: wrong.slice(0, 3) };
}

const clean = (rows: number) => ({ rows, wrong: 0, first: [] });

describe('doubles arrive bit for bit', () => {
  it('MariaDB holds exactly the doubles of the test (read through the binary protocol)', async () => {
    const [rows] = await mysql.connection.execute('SELECT id, v FROM doubles ORDER BY id');
    expect(
      wrongValues(
        (rows as { id: number; v: number }[]).map((r) => [r.id, r.v]),
        DOUBLES,
      ),
    ).toEqual(clean(DOUBLES.length + 1));
  });

  it('MySQL → Postgres: text batches as COPY binary', async () => {
    const format = await copy({ read, url: mysql.url, table: 'doubles' }, { url: pg.url, table: 'from_text_batches' });
    expect(format).toBe('binary from text batches');
    expect(await wrongBits('from_text_batches', DOUBLES)).toEqual(clean(DOUBLES.length + 1));
  });

  it('MySQL → Postgres: text batches as COPY binary, merged', async () => {
    const format = await copy(
      { read, url: mysql.url, table: 'doubles' },
      { url: pg.url, table: 'merged', merge: true },
    );
    expect(format).toBe('binary from text batches');
    expect(await wrongBits('merged', DOUBLES)).toEqual(clean(DOUBLES.length + 1));
  });

  it('MySQL → Postgres: rows as COPY text', async () => {
    const format = await copy({ read, url: mysql.url, table: 'doubles' }, { url: pg.url, table: 'from_rows' }, (s) => ({
      columns: s.columns,
      batches: s.batches,
    }));
    expect(format).toBe('text from rows');
    expect(await wrongBits('from_rows', DOUBLES)).toEqual(clean(DOUBLES.length + 1));
  });

  it('MySQL → PGlite (no COPY binary): text batches as COPY text', { timeout: 60_000 }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'osiris-doubles-'));
    try {
      const url = `pglite://${join(folder, 'db')}`;
      // The edges and 5 000 random doubles: PGlite runs Postgres in WebAssembly, several times slower.
      const filters = [{ column: 'id', op: 'lte', value: 5000 }];
      const format = await copy(
        { read, url: mysql.url, table: 'doubles', filters },
        { url, table: 'doubles', create: true },
      );
      expect(format).toBe('text from text batches');
      const { ctx } = makeStepContext({ url }, { stepId: 'src' });
      const { rows } = await collect(await readPg(ctx, { table: 'doubles' }));
      expect(wrongValues(rows, DOUBLES)).toEqual(clean(5001));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('MySQL FLOAT → Postgres real: single precision, bit for bit', async () => {
    const format = await copy({ read, url: mysql.url, table: 'floats' }, { url: pg.url, table: 'floats' });
    expect(format).toBe('text from rows');
    expect(await wrongBits('floats', [...FLOAT_EDGES, ...FLOATS], 'float4send')).toEqual(
      clean(FLOAT_EDGES.length + FLOATS.length),
    );
  });

  it('Postgres source: supabase.table read gives the stored doubles', async () => {
    const { ctx } = makeStepContext({ url: pg.url }, { stepId: 'src' });
    const { rows } = await collect(await readPg(ctx, { table: 'pg_source' }));
    expect(wrongValues(rows, DOUBLES)).toEqual(clean(DOUBLES.length + 1));
  });

  it('Postgres → Postgres: COPY binary passed through', async () => {
    const format = await copy(
      { read: readPg, url: pg.url, table: 'pg_source' },
      { url: pg.url, table: 'from_pg_binary' },
    );
    expect(format).toBe('binary from COPY binary');
    expect(await wrongBits('from_pg_binary', DOUBLES)).toEqual(clean(DOUBLES.length + 1));
  });

  it('Postgres → Postgres: rows as COPY text', async () => {
    const format = await copy(
      { read: readPg, url: pg.url, table: 'pg_source' },
      { url: pg.url, table: 'from_pg_rows' },
      (s) => ({ columns: s.columns, batches: s.batches }),
    );
    expect(format).toBe('text from rows');
    expect(await wrongBits('from_pg_rows', DOUBLES)).toEqual(clean(DOUBLES.length + 1));
  });
});
