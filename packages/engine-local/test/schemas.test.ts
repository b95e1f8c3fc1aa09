// SPDX-License-Identifier: MIT
import { mysqlTableConnector } from '@osiris/connector-mysql';
import { supabaseTableConnector } from '@osiris/connector-supabase';
import type { Connector, TabularStream } from '@osiris/runner';
import {
  caught,
  collect,
  createMysqlDatabase,
  createPgDatabase,
  type MysqlDatabase,
  makeStepContext,
  type PgDatabase,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Faithful create_table, schema changes and query sources (ADR 0022), on the real databases.

let mysql: MysqlDatabase;
let pg: PgDatabase;
/** A second Postgres database: the source of the Postgres → Postgres copies. */
let pgSource: PgDatabase;

const read = (c: Connector) => c.read as NonNullable<Connector['read']>;
const write = supabaseTableConnector.write as NonNullable<Connector['write']>;

beforeAll(async () => {
  [mysql, pg, pgSource] = await Promise.all([createMysqlDatabase(), createPgDatabase(), createPgDatabase()]);
  await mysql.connection.query(`SET SESSION sql_mode = '';
    CREATE TABLE items (
      shop INT NOT NULL, sku VARCHAR(20) NOT NULL, title VARCHAR(100) NOT NULL DEFAULT 'untitled' COMMENT 'shown to buyers',
      qty INT NOT NULL DEFAULT 5, flag TINYINT(1) NOT NULL DEFAULT 0, price DECIMAL(12,2) NULL,
      added DATE NOT NULL, seen DATETIME NOT NULL, ean CHAR(13) NULL, note TEXT NULL,
      stamp TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
      PRIMARY KEY (shop, sku), UNIQUE KEY by_ean (ean), KEY by_title (title, qty), KEY by_note (note(10)))
      COMMENT 'stock';
    INSERT INTO items (shop, sku, title, qty, flag, price, added, seen, ean, note) VALUES
      (1, 'a', 'Apple', 3, 1, 1.50, '2024-01-02', '0000-00-00 00:00:00', '4006381333931', 'n1'),
      (1, 'b', 'Bread', 0, 0, NULL, '2024-01-03', '2024-01-03 10:00:00', NULL, NULL),
      (2, 'a', 'Apple', 7, 1, 99.99, '2024-02-01', '2024-02-01 08:30:00', '4006381333948', 'n3');
    CREATE FUNCTION bump() RETURNS INT MODIFIES SQL DATA BEGIN UPDATE items SET qty = qty + 1; RETURN 1; END;`);
  await pgSource.client.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE events (id int8 PRIMARY KEY, tags text[] NOT NULL DEFAULT '{}', scores int4[], feeling mood,
      feelings mood[], amount numeric(12,3) NOT NULL DEFAULT 0, at timestamptz NOT NULL, code varchar(20) UNIQUE);
    COMMENT ON COLUMN events.amount IS 'in euros';
    INSERT INTO events VALUES
      (1, '{a,"b c"}', '{1,2,3}', 'happy', '{sad,ok}', 12.345, '2024-05-01 10:00:00+02', 'X1'),
      (2, '{}', NULL, NULL, NULL, 0, '2024-05-02 00:00:00+00', NULL);`);
  await pg.client.query("CREATE SCHEMA with_enum; CREATE TYPE with_enum.mood AS ENUM ('sad', 'ok', 'happy')");
}, 60_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop(), pgSource?.drop()]);
}, 30_000);

/** Reads with `source` options and writes with `sink` options, as the engine pipes them. */
async function copy(
  from: 'mysql' | 'pg',
  source: Record<string, unknown>,
  sink: Record<string, unknown>,
  adapt: (s: TabularStream) => TabularStream = (s) => s,
) {
  const src = makeStepContext({ url: from === 'mysql' ? mysql.url : pgSource.url }, { stepId: 'src', chunkSize: 2 });
  const dst = makeStepContext({ url: pg.url }, { stepId: 'dst', chunkSize: 2 });
  const connector = from === 'mysql' ? mysqlTableConnector : supabaseTableConnector;
  const stream = await read(connector)(src.ctx, source);
  const result = await write(dst.ctx, sink, adapt(stream));
  return { result, logs: [...src.logs, ...dst.logs] };
}

async function columnsOf(table: string, schema = 'public') {
  const { rows } = await pg.client.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default, col_description(a.attrelid, a.attnum) AS comment
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`"${schema}"."${table}"`],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r]));
}

async function indexesOf(table: string, schema = 'public'): Promise<string[]> {
  const { rows } = await pg.client.query(
    `SELECT regexp_replace(pg_get_indexdef(i.indexrelid), ' [^ ]+ ON ', ' ON ') AS def, i.indisprimary AS pk
     FROM pg_index i WHERE i.indrelid = $1::regclass ORDER BY 1`,
    [`"${schema}"."${table}"`],
  );
  return rows.map((r) => `${r.pk ? 'PK ' : ''}${r.def}`);
}

describe('create_table from MySQL', () => {
  it('carries the primary key, NOT NULL, unique and other indexes, constant defaults and comments', async () => {
    const { result, logs } = await copy(
      'mysql',
      { table: 'items' },
      { table: 'items', create_table: true, indexes: true },
    );
    expect(result.rowsWritten).toBe(3);
    const cols = await columnsOf('items');
    expect(cols.shop).toMatchObject({ type: 'integer', not_null: true });
    expect(cols.title).toMatchObject({ type: 'text', not_null: true, comment: 'shown to buyers' });
    expect(cols.title.default).toBe("'untitled'::text");
    expect(cols.qty).toMatchObject({ type: 'integer', not_null: true, default: '5' });
    // TINYINT(1) stays an integer unless asked for.
    expect(cols.flag).toMatchObject({ type: 'smallint', not_null: true, default: "'0'::smallint" });
    expect(cols.price).toMatchObject({ type: 'numeric(12,2)', not_null: false });
    // A date column without zero dates keeps NOT NULL; one whose zero date became NULL does not, with a warning.
    expect(cols.added).toMatchObject({ type: 'date', not_null: true });
    expect(cols.seen).toMatchObject({ type: 'timestamp without time zone', not_null: false });
    const warning = logs.find((l) => l.level === 'warn' && l.fields?.column === 'seen' && /NOT NULL/.test(l.message));
    expect(warning?.message).toMatch(/created without NOT NULL.*1 of its values were zero dates/);
    // An expression default (CURRENT_TIMESTAMP) is not a constant: left out.
    expect(cols.stamp.default).toBeNull();
    expect(await indexesOf('items')).toEqual([
      'CREATE INDEX ON public.items USING btree (title, qty)',
      'CREATE UNIQUE INDEX ON public.items USING btree (ean)',
      'PK CREATE UNIQUE INDEX ON public.items USING btree (shop, sku)',
    ]);
  });

  it('without indexes: true only the unique ones; types: chooses a column type (TINYINT(1) as boolean)', async () => {
    await copy(
      'mysql',
      { table: 'items' },
      { table: 'items_typed', create_table: true, types: { flag: 'boolean', ean: 'varchar(13)' } },
    );
    const cols = await columnsOf('items_typed');
    expect(cols.flag).toMatchObject({ type: 'boolean', default: 'false' });
    expect(cols.ean.type).toBe('character varying(13)');
    expect(await indexesOf('items_typed')).toEqual([
      'CREATE UNIQUE INDEX ON public.items_typed USING btree (ean)',
      'PK CREATE UNIQUE INDEX ON public.items_typed USING btree (shop, sku)',
    ]);
    const { rows } = await pg.client.query('SELECT flag FROM items_typed ORDER BY shop, sku');
    expect(rows.map((r) => r.flag)).toEqual([true, false, true]);
  });

  it('a types: entry for a column the input lacks is a clear error', async () => {
    const err = await caught(
      copy('mysql', { table: 'items' }, { table: 'x', create_table: true, types: { nope: 'text' } }),
    );
    expect(String(err)).toMatch(/options\.types names 'nope', which the input does not have/);
  });
});

describe('create_table from Postgres', () => {
  it('keeps the source types: arrays, numeric(p,s), timestamptz, varchar(n); an enum as text', async () => {
    await copy('pg', { table: 'events' }, { table: 'events', create_table: true });
    const cols = await columnsOf('events');
    expect(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, (v as { type: string }).type]))).toEqual({
      id: 'bigint',
      tags: 'text[]',
      scores: 'integer[]',
      feeling: 'text',
      feelings: 'text[]',
      amount: 'numeric(12,3)',
      at: 'timestamp with time zone',
      code: 'character varying(20)',
    });
    expect(cols.tags).toMatchObject({ not_null: true, default: "'{}'::text[]" });
    expect(cols.amount).toMatchObject({ default: "'0'::numeric", comment: 'in euros' });
    const { rows } = await pg.client.query(
      'SELECT tags, scores, feeling, feelings, amount::text, at FROM events ORDER BY id',
    );
    expect(rows[0]).toEqual({
      tags: ['a', 'b c'],
      scores: [1, 2, 3],
      feeling: 'happy',
      feelings: ['sad', 'ok'],
      amount: '12.345',
      at: new Date('2024-05-01T08:00:00Z'),
    });
    expect(await indexesOf('events')).toEqual([
      'CREATE UNIQUE INDEX ON public.events USING btree (code)',
      'PK CREATE UNIQUE INDEX ON public.events USING btree (id)',
    ]);
  });

  it('uses the enum of the same name when the target schema has one', async () => {
    await copy('pg', { table: 'events' }, { schema: 'with_enum', table: 'events', create_table: true });
    const cols = await columnsOf('events', 'with_enum');
    expect(cols.feeling.type).toBe('with_enum.mood');
    expect(cols.feelings.type).toBe('with_enum.mood[]');
    const { rows } = await pg.client.query("SELECT count(*)::int AS n FROM with_enum.events WHERE feeling = 'happy'");
    expect(rows[0].n).toBe(1);
  });
});

describe('schema_changes', () => {
  it('add_columns: a new source column arrives on the next run (append and merge), int widens to bigint', async () => {
    await mysql.connection.query(
      "CREATE TABLE grow (id INT PRIMARY KEY, n INT NOT NULL, name VARCHAR(10)); INSERT INTO grow VALUES (1, 10, 'a')",
    );
    await copy('mysql', { table: 'grow' }, { table: 'grow_append', create_table: true });
    await copy(
      'mysql',
      { table: 'grow' },
      { table: 'grow_merge', create_table: true, write_mode: 'merge', merge_keys: ['id'] },
    );
    await mysql.connection.query(
      "ALTER TABLE grow ADD COLUMN extra VARCHAR(30) COMMENT 'new', MODIFY n BIGINT NOT NULL; INSERT INTO grow VALUES (2, 9007199254740993, 'b', 'x'); UPDATE grow SET extra = 'y' WHERE id = 1",
    );
    const appended = await copy(
      'mysql',
      { table: 'grow', filters: [{ column: 'id', op: 'gt', value: 1 }] },
      { table: 'grow_append', create_table: true },
    );
    expect(appended.result.rowsWritten).toBe(1);
    expect(appended.logs.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/added column 'extra' to "public"."grow_append"/),
        expect.stringMatching(/widened column 'n' integer → bigint/),
      ]),
    );
    const merged = await copy(
      'mysql',
      { table: 'grow' },
      { table: 'grow_merge', create_table: true, write_mode: 'merge', merge_keys: ['id'] },
    );
    expect(merged.result).toMatchObject({ rowsWritten: 2, inserted: 1, updated: 1 });
    for (const table of ['grow_append', 'grow_merge']) {
      const cols = await columnsOf(table);
      expect(cols.n.type).toBe('bigint');
      expect(cols.extra).toMatchObject({ type: 'text', not_null: false, comment: 'new' });
    }
    const { rows } = await pg.client.query('SELECT id, n::text, extra FROM grow_merge ORDER BY id');
    expect(rows).toEqual([
      { id: 1, n: '10', extra: 'y' },
      { id: 2, n: '9007199254740993', extra: 'x' },
    ]);
    const appendedRows = await pg.client.query('SELECT count(*)::int AS n FROM grow_append');
    expect(appendedRows.rows[0].n).toBe(2);
  });

  it('widens varchar(n) to varchar(m > n) and numeric precision up', async () => {
    await pg.client.query('CREATE TABLE narrow (id int PRIMARY KEY, code varchar(5), amount numeric(6,2))');
    await mysql.connection.query(
      "CREATE TABLE wide (id INT PRIMARY KEY, code VARCHAR(12), amount DECIMAL(14,4)); INSERT INTO wide VALUES (1, 'abcdefghijkl', 1234567890.1234)",
    );
    await copy('mysql', { table: 'wide' }, { table: 'narrow', schema_changes: 'add_columns' });
    const cols = await columnsOf('narrow');
    expect(cols.code.type).toBe('character varying(12)');
    expect(cols.amount.type).toBe('numeric(14,4)');
    const { rows } = await pg.client.query('SELECT code, amount::text FROM narrow');
    expect(rows).toEqual([{ code: 'abcdefghijkl', amount: '1234567890.1234' }]);
  });

  it('a lossy change is an error naming the column and the fix; the target is unchanged', async () => {
    await mysql.connection.query(
      'CREATE TABLE lossy (id INT PRIMARY KEY, qty INT); INSERT INTO lossy VALUES (1, 1); ALTER TABLE lossy ADD COLUMN more INT',
    );
    await copy('mysql', { table: 'lossy' }, { table: 'lossy', create_table: true });
    await mysql.connection.query("ALTER TABLE lossy MODIFY qty VARCHAR(20); INSERT INTO lossy VALUES (2, 'two', 2)");
    const err = await caught(copy('mysql', { table: 'lossy' }, { table: 'lossy', create_table: true }));
    expect(String(err)).toMatch(/column 'qty' of "public"\."lossy" is integer, but the source now gives text/);
    expect(String(err)).toMatch(/ALTER TABLE "public"\."lossy" ALTER COLUMN "qty" TYPE … USING …/);
    expect(String(err)).toMatch(/is unchanged/);
    const cols = await columnsOf('lossy');
    expect(cols.qty.type).toBe('integer');
    const { rows } = await pg.client.query('SELECT count(*)::int AS n FROM lossy');
    expect(rows[0].n).toBe(1);
    // A column the source no longer has is lossy too.
    await mysql.connection.query('ALTER TABLE lossy DROP COLUMN qty');
    const dropped = await caught(copy('mysql', { table: 'lossy' }, { table: 'lossy', create_table: true }));
    expect(String(dropped)).toMatch(/has column 'qty', which the input no longer has/);
  });

  it('fail keeps the message of a target without the column', async () => {
    await mysql.connection.query('CREATE TABLE strict (id INT PRIMARY KEY); INSERT INTO strict VALUES (1)');
    await copy('mysql', { table: 'strict' }, { table: 'strict', create_table: true });
    await mysql.connection.query('ALTER TABLE strict ADD COLUMN later INT');
    const err = await caught(
      copy('mysql', { table: 'strict' }, { table: 'strict', create_table: true, schema_changes: 'fail' }),
    );
    expect(String(err)).toMatch(/has no column 'later' that the input has/);
  });
});

describe('query sources', () => {
  it('MySQL: binds ${params.x} as values, takes types from the result, streams like a table', async () => {
    const src = makeStepContext({ url: mysql.url }, { stepId: 'src', chunkSize: 1 });
    const stream = await read(mysqlTableConnector)(src.ctx, {
      query:
        'SELECT sku, title, qty * 2 AS twice, price, added FROM items WHERE title <> ${params.not} AND shop = ${params.shop} ORDER BY sku',
      query_params: { not: "x' OR '1'='1", shop: 1 },
    });
    expect(stream.columns.map((c) => [c.name, c.kind, c.nativeType])).toEqual([
      ['sku', 'text', 'varchar'],
      ['title', 'text', 'varchar'],
      ['twice', 'bigint', 'bigint'],
      ['price', 'decimal', 'decimal(12,2)'],
      ['added', 'date', 'date'],
    ]);
    expect(stream.columns[3]).toMatchObject({ precision: 12, scale: 2 });
    const { rows } = await collect(stream);
    expect(rows).toEqual([
      ['a', 'Apple', '6', '1.50', '2024-01-02'],
      ['b', 'Bread', '0', null, '2024-01-03'],
    ]);
  });

  it('MySQL: a query that writes is refused and changes nothing', async () => {
    const src = makeStepContext({ url: mysql.url }, { stepId: 'src' });
    const before = await mysql.connection.query('SELECT SUM(qty) AS s FROM items');
    const deleting = await caught(read(mysqlTableConnector)(src.ctx, { query: 'DELETE FROM items' }));
    expect(String(deleting)).toMatch(/must be one statement that reads/);
    const bumping = await caught(
      (async () => collect(await read(mysqlTableConnector)(src.ctx, { query: 'SELECT bump() AS b' })))(),
    );
    expect(String(bumping)).toMatch(/READ ONLY transaction/i);
    const after = await mysql.connection.query('SELECT SUM(qty) AS s FROM items');
    expect(after[0]).toEqual(before[0]);
  });

  it('Postgres: binds params, types from the result (numeric(p,s), arrays), a writing CTE changes nothing', async () => {
    const src = makeStepContext({ url: pgSource.url }, { stepId: 'src', chunkSize: 1 });
    const stream = await read(supabaseTableConnector)(src.ctx, {
      query:
        'SELECT id, amount, tags, amount * 2 AS twice FROM events WHERE code IS DISTINCT FROM ${params.code} ORDER BY id',
      query_params: { code: "X1' OR true --" },
    });
    expect(stream.columns.map((c) => [c.name, c.kind, c.nativeType])).toEqual([
      ['id', 'bigint', 'bigint'],
      ['amount', 'decimal', 'numeric(12,3)'],
      ['tags', 'text', 'text[]'],
      ['twice', 'decimal', 'numeric'],
    ]);
    expect((await collect(stream)).rows).toEqual([
      ['1', '12.345', '{a,"b c"}', '24.690'],
      ['2', '0.000', '{}', '0.000'],
    ]);
    const err = await caught(
      read(supabaseTableConnector)(src.ctx, {
        query: 'WITH gone AS (DELETE FROM events RETURNING id) SELECT id FROM gone',
      }),
    );
    expect(String(err)).toMatch(/the query failed/);
    const { rows } = await pgSource.client.query('SELECT count(*)::int AS n FROM events');
    expect(rows[0].n).toBe(2);
  });

  it('a query result written with create_table gets the result types', async () => {
    await copy(
      'pg',
      { query: 'SELECT id, amount, at FROM events WHERE id = ${params.id}', query_params: { id: 1 } },
      { table: 'from_query', create_table: true },
    );
    const cols = await columnsOf('from_query');
    expect([cols.id.type, cols.amount.type, cols.at.type]).toEqual([
      'bigint',
      'numeric(12,3)',
      'timestamp with time zone',
    ]);
  });
});
