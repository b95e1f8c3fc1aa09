// SPDX-License-Identifier: MIT
import type { DiscoveredTable, TabularStream } from '@osiris/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSupabaseConnectorError, supabaseTableConnector } from '../src/index';
import { BACKENDS, caught, collect, createTestDatabase, makeCtx, PG_HOST, PG_PORT, type TestDatabase } from './helpers';

// The database of the backend whose suites are running (they run one backend after the other).
let url: string;
let database: TestDatabase | undefined;

const read = (config: Record<string, unknown>, options: Parameters<typeof makeCtx>[1] = {}): Promise<TabularStream> =>
  (supabaseTableConnector.read as NonNullable<typeof supabaseTableConnector.read>)(
    makeCtx({ url }, { stepId: 'src', ...options }).ctx,
    config,
  );

const discover = (connection: Record<string, string>, options: { schema?: string; table?: string }) =>
  (supabaseTableConnector.discover as NonNullable<typeof supabaseTableConnector.discover>)(
    makeCtx(connection).ctx,
    options,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const osirisSessions = (): Promise<number> => (database as TestDatabase).openSessions();

async function waitForNoSession(): Promise<number> {
  const deadline = Date.now() + 5000;
  let n = await osirisSessions();
  while (n !== 0 && Date.now() < deadline) {
    await sleep(50);
    n = await osirisSessions();
  }
  return n;
}

const SETUP = `
    CREATE TYPE mood AS ENUM ('happy', 'sad');
    CREATE DOMAIN positive AS int4 CHECK (VALUE > 0);
    CREATE TABLE kinds (
      i2 int2, i4 int4 PRIMARY KEY, i8 int8, num numeric(12,2), f4 float4, f8 float8, b bool, tx text,
      vc varchar(20), ch char(3), d date, ts timestamp(3), tstz timestamptz, tm time, js json, jsb jsonb,
      by bytea, u uuid, arr text[], m mood, pos positive, iv interval);
    INSERT INTO kinds VALUES (
      -32768, 1, -9223372036854775808, 1234567890.12, 1.5, 0.1, true, E'a\\tb\\\\c', 'ü漢😀', 'ab', '2024-02-29',
      '2024-02-29 23:59:59.123', '2024-06-01 12:00:00+02', '23:59:59.999999', '{"b": 1,  "a": 2}', '{"b": 1, "a": 2}',
      '\\x00ff5c', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{x,"y z"}', 'sad', 7, '1 day 02:00:00');
    INSERT INTO kinds (i4) VALUES (2);
    CREATE TABLE "we""ird tbl" ("na""me" text, n int4 NOT NULL, ok bool);
    INSERT INTO "we""ird tbl" VALUES ('a', 1, true), ('b', 2, false), ('x'' OR 1=1 --', 3, true), (NULL, 4, NULL), ('a\\b', 5, false);
    CREATE TABLE seq25 (id int4 PRIMARY KEY, v text);
    INSERT INTO seq25 SELECT g, 'v' || g FROM generate_series(1, 25) g;
    CREATE TABLE empty_t (id int4 PRIMARY KEY);
    CREATE TABLE big (id int4 PRIMARY KEY, payload text NOT NULL);
    INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g;
    CREATE VIEW v_seq AS SELECT id FROM seq25;
    CREATE SCHEMA auth;
    CREATE TABLE auth.users (id uuid PRIMARY KEY);
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders (id int8 NOT NULL, line int4 NOT NULL, amount numeric(10,2), PRIMARY KEY (id, line));
    INSERT INTO sales.orders SELECT g, 1, g FROM generate_series(1, 500) g;
    ANALYZE sales.orders;
  `;

describe.each(BACKENDS)('on $name', (backend) => {
  beforeAll(async () => {
    database = await backend.create();
    url = database.url;
    await database.admin.query(SETUP);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
    database = undefined;
  });

  describe('supabase.table read', () => {
    it('maps Postgres types onto kinds and values onto their representations', async () => {
      const stream = await read({ table: 'kinds' });
      expect(stream.columns.map((c) => [c.name, c.kind, c.nativeType])).toEqual([
        ['i2', 'integer', 'smallint'],
        ['i4', 'integer', 'integer'],
        ['i8', 'bigint', 'bigint'],
        ['num', 'decimal', 'numeric(12,2)'],
        ['f4', 'float', 'real'],
        ['f8', 'float', 'double precision'],
        ['b', 'boolean', 'boolean'],
        ['tx', 'text', 'text'],
        ['vc', 'text', 'character varying(20)'],
        ['ch', 'text', 'character(3)'],
        ['d', 'date', 'date'],
        ['ts', 'timestamp', 'timestamp(3) without time zone'],
        ['tstz', 'timestamptz', 'timestamp with time zone'],
        ['tm', 'time', 'time without time zone'],
        ['js', 'json', 'json'],
        ['jsb', 'json', 'jsonb'],
        ['by', 'bytes', 'bytea'],
        ['u', 'uuid', 'uuid'],
        ['arr', 'text', 'text[]'],
        ['m', 'text', 'mood'],
        ['pos', 'integer', 'positive'],
        ['iv', 'text', 'interval'],
      ]);
      expect(stream.columns[3]).toMatchObject({ precision: 12, scale: 2 });
      expect(stream.columns[8]).toMatchObject({ length: 20 });
      expect(stream.columns[1]?.nullable).toBe(false);
      const { rows } = await collect(stream);
      rows.sort((a, b) => Number(a[1]) - Number(b[1]));
      expect(rows[0]).toEqual([
        -32768,
        1,
        '-9223372036854775808',
        '1234567890.12',
        1.5,
        0.1,
        true,
        'a\tb\\c',
        'ü漢😀',
        'ab ',
        '2024-02-29',
        '2024-02-29 23:59:59.123',
        '2024-06-01 10:00:00+00',
        '23:59:59.999999',
        '{"b": 1,  "a": 2}',
        '{"a": 2, "b": 1}',
        Buffer.from([0x00, 0xff, 0x5c]),
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '{x,"y z"}',
        'sad',
        7,
        '1 day 02:00:00',
      ]);
      expect(rows[1]).toEqual([null, 2, ...Array.from({ length: 20 }, () => null)]);
    });

    it('reads a subset of columns in the requested order', async () => {
      const stream = await read({
        schema: 'public',
        table: 'kinds',
        columns: ['u', 'i4', 'i8'],
        filters: [{ column: 'i4', op: 'eq', value: 1 }],
      });
      expect(stream.columns.map((c) => c.name)).toEqual(['u', 'i4', 'i8']);
      expect((await collect(stream)).rows).toEqual([
        ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1, '-9223372036854775808'],
      ]);
    });

    const injection = "x' OR 1=1 --";
    it.each([
      ['eq', { column: 'na"me', op: 'eq', value: injection }, [3]],
      ['eq with a backslash', { column: 'na"me', op: 'eq', value: 'a\\b' }, [5]],
      ['ne', { column: 'na"me', op: 'ne', value: 'a' }, [2, 3, 5]],
      ['lt', { column: 'n', op: 'lt', value: 3 }, [1, 2]],
      ['lte', { column: 'n', op: 'lte', value: 3 }, [1, 2, 3]],
      ['gt', { column: 'n', op: 'gt', value: 3 }, [4, 5]],
      ['gte', { column: 'n', op: 'gte', value: '3' }, [3, 4, 5]],
      ['in', { column: 'na"me', op: 'in', value: ['a', injection] }, [1, 3]],
      ['not_in', { column: 'na"me', op: 'not_in', value: ['a', injection] }, [2, 5]],
      ['like', { column: 'na"me', op: 'like', value: "x'%" }, [3]],
      ['like with an injection', { column: 'na"me', op: 'like', value: "%' OR '1'='1" }, []],
      ['is_null', { column: 'na"me', op: 'is_null' }, [4]],
      ['is_not_null', { column: 'na"me', op: 'is_not_null' }, [1, 2, 3, 5]],
      ['eq boolean', { column: 'ok', op: 'eq', value: true }, [1, 3]],
    ])('filter %s binds its value', async (_name, filter, expected) => {
      const stream = await read({ table: 'we"ird tbl', columns: ['n'], filters: [filter] });
      const { rows } = await collect(stream);
      expect(rows.map((r) => r[0]).sort()).toEqual(expected);
    });

    it('treats a column name that looks like SQL as a name', async () => {
      const err = await caught(
        read({ table: 'we"ird tbl', filters: [{ column: 'n" OR 1=1 --', op: 'eq', value: 1 }] }),
      );
      expect(err.reason).toBe('CONNECTOR_COLUMN_NOT_FOUND');
      expect(err.message).toContain(`'n" OR 1=1 --'`);
    });

    it.each([
      [10, [10, 10, 5]],
      [25, [25]],
      [7, [7, 7, 7, 4]],
      [100, [25]],
    ])('chunkSize %i gives batches %j', async (chunkSize, sizes) => {
      const result = await collect(await read({ table: 'seq25' }, { chunkSize }));
      expect(result.sizes).toEqual(sizes);
      expect(result.rows.map((r) => r[0]).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
    });

    it('an empty table gives its columns and no batch', async () => {
      const stream = await read({ table: 'empty_t' });
      expect(stream.columns.map((c) => c.name)).toEqual(['id']);
      expect(await collect(stream)).toEqual({ rows: [], sizes: [] });
      expect(await waitForNoSession()).toBe(0);
    });

    it('streams a large table in bounded batches and closes the session', async () => {
      const result = await collect(await read({ table: 'big' }, { chunkSize: 4096 }));
      expect(result.rows.length).toBe(100_000);
      expect(Math.max(...result.sizes)).toBe(4096);
      expect(result.sizes.length).toBe(25);
      expect(await waitForNoSession()).toBe(0);
    });

    it('closes the session when the consumer breaks early', async () => {
      const stream = await read({ table: 'big' }, { chunkSize: 1000 });
      let seen = 0;
      for await (const batch of stream.batches) {
        seen += batch.length;
        if (seen >= 3000) break;
      }
      expect(seen).toBe(3000);
      expect(await waitForNoSession()).toBe(0);
    });

    it('closes the session when the batches are returned without being read', async () => {
      const stream = await read({ table: 'big' });
      expect(await osirisSessions()).toBe(1);
      await stream.batches[Symbol.asyncIterator]().return?.();
      expect(await waitForNoSession()).toBe(0);
    });

    it('aborts mid-stream on ctx.signal', async () => {
      const controller = new AbortController();
      const stream = await read({ table: 'big' }, { chunkSize: 1000, signal: controller.signal });
      const it = stream.batches[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      controller.abort(new Error('stop'));
      const err = await caught(it.next());
      expect(isSupabaseConnectorError(err)).toBe(true);
      expect(err.reason).toBe('CONNECTOR_ABORTED');
      expect(await waitForNoSession()).toBe(0);
    });

    it('names a missing table', async () => {
      const err = await caught(read({ schema: 'sales', table: 'nope' }));
      expect(err.reason).toBe('CONNECTOR_TABLE_NOT_FOUND');
      expect(err.message).toContain('"sales"."nope"');
      expect(err.message).toContain("step 'src'");
    });

    it('names a missing column and lists the real ones', async () => {
      const err = await caught(read({ table: 'seq25', columns: ['id', 'missing'] }));
      expect(err.reason).toBe('CONNECTOR_COLUMN_NOT_FOUND');
      expect(err.message).toContain("'missing'");
      expect(err.message).toContain('id, v');
    });

    it('rejects a URL that is not a Postgres URL without echoing it', async () => {
      const err = await caught(discover({ url: 'mysql://u:topsecret@h/db' }, {}));
      expect(err.reason).toBe('CONNECTOR_CONFIG_INVALID');
      expect(err.message).not.toContain('topsecret');
    });
  });

  describe('supabase.table discover', () => {
    let tables: DiscoveredTable[];
    beforeAll(async () => {
      tables = await discover({ url }, {});
    });

    it('lists user tables and views, not system or Supabase-managed schemas', () => {
      const names = tables.map((t) => `${t.schema}.${t.name}`);
      expect(names).toEqual([
        'public.big',
        'public.empty_t',
        'public.kinds',
        'public.seq25',
        'public.v_seq',
        'public.we"ird tbl',
        'sales.orders',
      ]);
    });

    it('gives kinds, native types, nullability, primary keys and approximate rows', () => {
      const orders = tables.find((t) => t.name === 'orders');
      expect(orders).toEqual({
        schema: 'sales',
        name: 'orders',
        approxRows: 500,
        columns: [
          { name: 'id', kind: 'bigint', nativeType: 'bigint', nullable: false, primaryKey: true },
          { name: 'line', kind: 'integer', nativeType: 'integer', nullable: false, primaryKey: true },
          { name: 'amount', kind: 'decimal', nativeType: 'numeric(10,2)', nullable: true, primaryKey: false },
        ],
      });
      expect(tables.find((t) => t.name === 'v_seq')?.approxRows).toBeNull();
      expect(tables.find((t) => t.name === 'kinds')?.columns.find((c) => c.name === 'pos')).toEqual({
        name: 'pos',
        kind: 'integer',
        nativeType: 'positive',
        nullable: true,
        primaryKey: false,
      });
    });

    it('narrows to a schema (also a hidden one) and a table', async () => {
      expect((await discover({ url }, { schema: 'auth' })).map((t) => t.name)).toEqual(['users']);
      expect((await discover({ url }, { schema: 'public', table: 'seq25' })).map((t) => t.name)).toEqual(['seq25']);
      expect(await discover({ url }, { schema: 'public', table: 'none' })).toEqual([]);
    });
  });
});

describe('supabase.table on a server: connection failures', () => {
  let dbName: string;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await createTestDatabase();
    url = created.url;
    dbName = created.name;
    drop = created.drop;
  }, 30_000);

  afterAll(async () => {
    await drop?.();
  });

  it('a login the server refuses fails without showing the password', async () => {
    const ctx = makeCtx({
      url: `postgresql://no_such_role:S3cr3t%2FPw@${PG_HOST}:${PG_PORT}/${dbName}?sslmode=disable`,
    }).ctx;
    const err = await caught(
      (supabaseTableConnector.read as NonNullable<typeof supabaseTableConnector.read>)(ctx, { table: 'seq25' }),
    );
    expect(err.reason).toBe('CONNECTOR_CONNECTION_FAILED');
    expect(err.message).toContain('no_such_role');
    expect(err.message).toContain(`${PG_HOST}:${PG_PORT}`);
    const everything = `${err.message} ${String(err.stack)} ${JSON.stringify(err)}`;
    expect(everything).not.toContain('S3cr3t');
  });

  it('a refused connection says so without showing the password', async () => {
    const err = await caught(discover({ url: 'postgresql://postgres:hunter2pw@127.0.0.1:1/db' }, {}));
    expect(err.reason).toBe('CONNECTOR_CONNECTION_FAILED');
    expect(err.message).toContain('refused');
    expect(err.message).not.toContain('hunter2pw');
  });

  it('explains unusable TLS settings as a configuration error', async () => {
    const err = await caught(discover({ url: `${url}?sslmode=verify-ca&password=pw` }, {}));
    expect(err.reason).toBe('CONNECTOR_CONFIG_INVALID');
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('sslrootcert');
  });
});
