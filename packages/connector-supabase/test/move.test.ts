// SPDX-License-Identifier: MIT
import { loadRegistry } from '@osiris/registry';
import {
  DEFAULT_RUN_SETTINGS,
  type EngineResult,
  executeSteps,
  type RunEventDraft,
  type TabularStream,
} from '@osiris/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supabaseTableConnector } from '../src/index';
import {
  caught,
  collect,
  createEmbeddedDatabase,
  createTestDatabase,
  fingerprint,
  type LogEntry,
  makeCtx,
  type TestAdmin,
  type TestDatabase,
} from './helpers';

// Postgres → Postgres through `copyBinary` (ADR 0013), between two databases of one server, against the same
// moves through rows. The source database's URL carries a password that trust auth ignores, to check it never shows.
const PASSWORD = 's3cret-pw';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;
let src: Db;
let dst: Db;
let srcUrl: string;
const srcAdmin = (): TestAdmin => ({ query: (sql) => src.admin.query(sql) });
const dstAdmin = (): TestAdmin => ({ query: (sql) => dst.admin.query(sql) });

const TYPES = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
  CREATE DOMAIN small_posint AS posint CHECK (VALUE < 1000000);
  CREATE TYPE pair AS (x int4, y text);
`;

const ITEMS = `(
  id int8 PRIMARY KEY, small int2, i int4, price numeric(12,2), ratio numeric, f4 float4, f8 float8, flag bool,
  note text, name varchar(40), code char(6), raw bytea, doc json, docb jsonb, uid uuid, ts timestamp(3),
  tstz timestamptz, d date, t time, tags text[], nums int4[], mood mood, qty small_posint, iv interval, r int4range)`;

const TRICKY_NOTE = "it's a \\ back\\\\slash";
const INJECTION = "x'); DROP TABLE items; --";

const SOURCE = `${TYPES}
  CREATE TABLE items ${ITEMS};
  INSERT INTO items SELECT g, (g % 30000)::int2, g * 7, round(g * 1.37, 2), g / 7.0, g / 3.0, g * 1e-3 + 0.1, g % 2 = 0,
    'note ' || g, 'name' || g, 'c' || (g % 100), decode(md5(g::text), 'hex'), json_build_object('g', g),
    jsonb_build_object('g', g, 'h', ARRAY[g]), md5(g::text)::uuid,
    timestamp '2024-01-01' + g * interval '1 minute 1.001 second', timestamptz '2024-01-01 00:00+00' + g * interval '1 hour',
    date '2000-01-01' + g, time '00:00' + g * interval '1 second', ARRAY['t' || g, NULL, E'x\\ty'], ARRAY[g, -g],
    (ARRAY['sad', 'ok', 'happy'])[g % 3 + 1]::mood, g, g * interval '1 minute', int4range(g, g + 10)
  FROM generate_series(1, 5000) g;
  INSERT INTO items (id, small, i, price, ratio, f4, f8, flag, note, name, code, raw, doc, docb, uid, ts, tstz, d, t, tags, nums, mood, qty, iv, r)
  VALUES
    (100001, -32768, -2147483648, -9999999999.99, 'NaN', 'NaN', '-Infinity', true, E'it''s a \\\\ back\\\\\\\\slash', E'o''brien\\\\',
      E'\\\\N', '\\x00ff5c0a0d09', '{"a": [1, 2.5, "x\\ty\\n"], "b": null}', '{"z": 1, "a": [], "u": "😀 \\\\N"}',
      'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '0001-01-01 00:00:00', '1970-01-01 05:30:00+05:30', '9999-12-31', '24:00:00',
      ARRAY[E'\\\\N', 'NULL', '', E'tab\\there', '"q"', E'back\\\\slash'], '{}', 'sad', 1, '-1 year 2 mons -3 days 04:05:06.789', 'empty'),
    (100002, 32767, 2147483647, 9999999999.99, 'Infinity', 'Infinity', 1e-300, true, E'\\\\N', 'NULL', '',
      '\\x', '"\\\\N"', 'null', '00000000-0000-0000-0000-000000000000', '2024-02-29 23:59:59.999', '2024-06-01 12:00:00.000001+14',
      '0001-01-01', '00:00:00.000001', '{}', ARRAY[NULL]::int4[], 'happy', 999999, '0 seconds', '[-5,)'),
    (100003, 0, 0, 0, '-0.000000000000000000001', -0.0, -0.0, true, '', E'tab\\there\\nnew\\r\\nline', 'ü漢😀',
      '\\x5c4e', '[]', '[]', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1999-12-31 23:59:59.5', '2000-01-01 00:00:00+00',
      '2000-01-01', '12:34:56.789012', ARRAY['ü漢😀'], ARRAY[1, NULL, 3], 'ok', 2, '1 day', '(,)'),
    (100004, 1, 1, 1, 1, 1, 1, true, '${INJECTION.replace(/'/g, "''")}', E'E''\\\\''''', 'x', NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  INSERT INTO items (id) VALUES (100005);
  CREATE TABLE events (k int4, v text, n int4);
  INSERT INTO events SELECT g % 700, 'v' || g, g FROM generate_series(1, 3000) g;
  CREATE TABLE big (id int4 PRIMARY KEY, payload text NOT NULL);
  INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 50000) g;
  CREATE TABLE odd (id int4, moods mood[], p pair);
  INSERT INTO odd VALUES (1, '{sad,happy}', ROW(1, 'a'));
`;

const TARGET = `${TYPES}
  CREATE TABLE items ${ITEMS};
  CREATE TABLE events (k int4 PRIMARY KEY, v text, n int4);
  CREATE TABLE big (id int4 PRIMARY KEY, payload text NOT NULL);
`;

const ITEM_COUNT = 5005;

const read = (config: Record<string, unknown>, ctx: ReturnType<typeof makeCtx>['ctx']): Promise<TabularStream> =>
  (supabaseTableConnector.read as NonNullable<typeof supabaseTableConnector.read>)(ctx, config);

const write = (config: Record<string, unknown>, ctx: ReturnType<typeof makeCtx>['ctx'], input: TabularStream) =>
  (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(ctx, config, input);

interface MoveOptions {
  /** Hand the sink only the rows, as a source without `copyBinary` would. */
  readonly rows?: boolean;
  readonly signal?: AbortSignal;
  readonly dstUrl?: string;
  /** Wraps the COPY binary chunks on their way to the sink. */
  readonly chunks?: (chunks: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;
}

/** Reads with one connector call and writes with another, as the runner pipes them; the format of the load and every note. */
async function move(source: Record<string, unknown>, sink: Record<string, unknown>, options: MoveOptions = {}) {
  const signal = options.signal ?? new AbortController().signal;
  const reader = makeCtx({ url: srcUrl }, { stepId: 'src', chunkSize: 500, signal });
  const writer = makeCtx({ url: options.dstUrl ?? dst.url }, { signal });
  const stream = await read(source, reader.ctx);
  const { copyBinary } = stream;
  const input: TabularStream =
    options.rows === true || copyBinary === undefined
      ? { columns: stream.columns, batches: stream.batches }
      : {
          ...stream,
          copyBinary: { ...copyBinary, chunks: options.chunks?.(copyBinary.chunks) ?? copyBinary.chunks },
        };
  const result = await write(sink, writer.ctx, input);
  return { result, format: formatOf(writer.logs), logs: [...reader.logs, ...writer.logs] };
}

function formatOf(logs: readonly LogEntry[]): string {
  const fields = logs.find((l) => l.fields?.format !== undefined)?.fields;
  return `${fields?.format} from ${fields?.input}`;
}

async function waitForNoSession(db: Db): Promise<number> {
  const count = async () => {
    const { rows } = await db.admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'osiris'",
    );
    return rows[0]?.n as number;
  };
  const deadline = Date.now() + 5000;
  let n = await count();
  while (n !== 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    n = await count();
  }
  return n;
}

beforeAll(async () => {
  src = await createTestDatabase();
  dst = await createTestDatabase();
  srcUrl = src.url.replace('postgresql://postgres@', `postgresql://postgres:${PASSWORD}@`);
  await src.admin.query(SOURCE);
  await dst.admin.query(TARGET);
}, 60_000);

afterAll(async () => {
  await src?.drop();
  await dst?.drop();
});

describe('supabase.table → supabase.table as COPY binary', () => {
  it('offers the rows as COPY binary with the base type of each column, a domain over a domain as its base', async () => {
    const { ctx } = makeCtx({ url: srcUrl }, { stepId: 'src' });
    const stream = await read({ table: 'items', columns: ['id', 'qty', 'mood', 'tags', 'code', 'price'] }, ctx);
    expect(stream.copyBinary?.typnames).toEqual(['int8', 'int4', 'mood', '_text', 'bpchar', 'numeric']);
    await stream.batches[Symbol.asyncIterator]().return?.();
  });

  it('offers no COPY binary for arrays of a user-defined type or composites: their binary form holds OIDs', async () => {
    for (const columns of [
      ['id', 'moods'],
      ['id', 'p'],
    ]) {
      const { ctx } = makeCtx({ url: srcUrl }, { stepId: 'src' });
      const stream = await read({ table: 'odd', columns }, ctx);
      expect(stream.copyBinary).toBeUndefined();
      expect((await collect(stream)).rows).toHaveLength(1);
    }
  });

  it.each(['append', 'merge'])('%s: loads exactly the table the rows load', async (mode) => {
    await dst.admin.query(`CREATE TABLE rows_${mode} ${ITEMS}; CREATE TABLE copy_${mode} ${ITEMS}`);
    if (mode === 'merge') {
      // Half the keys are there already, half of those with other values.
      for (const table of [`rows_${mode}`, `copy_${mode}`]) {
        await dst.admin.query(`INSERT INTO ${table} (id, note, qty) SELECT g, CASE WHEN g % 2 = 0 THEN 'old' ELSE 'note ' || g END, g
          FROM generate_series(1, 2500) g`);
      }
      await dst.admin.query(
        `UPDATE rows_${mode} AS t SET small = 0; UPDATE copy_${mode} SET small = 0; INSERT INTO rows_${mode} (id) VALUES (-1); INSERT INTO copy_${mode} (id) VALUES (-1)`,
      );
    }
    const config = (table: string) => ({ table, write_mode: mode, merge_keys: ['id'] });
    const byRows = await move({ table: 'items' }, config(`rows_${mode}`), { rows: true });
    expect(byRows.format).toBe('text from rows');
    const byCopy = await move({ table: 'items' }, config(`copy_${mode}`));
    expect(byCopy.format).toBe('binary from COPY binary');
    expect(byCopy.logs.map((l) => l.message)).toContain('reading "public"."items" as COPY binary');
    expect(byCopy.result).toEqual(byRows.result);
    expect(byCopy.result).toEqual(
      mode === 'append' ? { rowsWritten: ITEM_COUNT } : { rowsWritten: ITEM_COUNT, inserted: 2505, updated: 2500 },
    );
    const copied = await fingerprint(dstAdmin(), `copy_${mode}`);
    expect(copied).toEqual(await fingerprint(dstAdmin(), `rows_${mode}`));
    if (mode === 'append') expect(copied).toEqual(await fingerprint(srcAdmin(), 'items'));
    const { rows } = await dst.admin.query(
      `SELECT note, name, code, ratio::text, f8::text, tags::text, iv::text, tstz::text FROM copy_${mode} WHERE id IN (100001, 100002) ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        note: TRICKY_NOTE,
        name: "o'brien\\",
        code: '\\N    ',
        ratio: 'NaN',
        f8: '-Infinity',
        tags: '{"\\\\N","NULL","","tab\there","\\"q\\"","back\\\\slash"}',
        iv: '-10 mons -3 days +04:05:06.789',
        tstz: '1970-01-01 00:00:00+00',
      },
      {
        note: '\\N',
        name: 'NULL',
        code: '      ',
        ratio: 'Infinity',
        f8: '1e-300',
        tags: '{}',
        iv: '00:00:00',
        tstz: '2024-05-31 22:00:00.000001+00',
      },
    ]);
  });

  it('merge: with duplicate keys the last row of a key wins, as through rows', async () => {
    await dst.admin.query(
      'CREATE TABLE ev_rows (k int4 PRIMARY KEY, v text, n int4); CREATE TABLE ev_copy (LIKE ev_rows INCLUDING ALL)',
    );
    await dst.admin.query(
      "INSERT INTO ev_rows VALUES (1, 'old', 0), (5000, 'keep', 0); INSERT INTO ev_copy SELECT * FROM ev_rows",
    );
    const config = (table: string) => ({ table, write_mode: 'merge', merge_keys: ['k'] });
    const byRows = await move({ table: 'events' }, config('ev_rows'), { rows: true });
    const byCopy = await move({ table: 'events' }, config('ev_copy'));
    expect(byCopy.format).toBe('binary from COPY binary');
    expect(byCopy.result).toEqual({ rowsWritten: 3000, inserted: 699, updated: 1 });
    expect(byCopy.result).toEqual(byRows.result);
    expect(await fingerprint(dstAdmin(), 'ev_copy')).toEqual(await fingerprint(dstAdmin(), 'ev_rows'));
    const { rows } = await dst.admin.query('SELECT k, v, n FROM ev_copy WHERE k IN (0, 1, 699, 5000) ORDER BY k');
    expect(rows).toEqual([
      { k: 0, v: 'v2800', n: 2800 },
      { k: 1, v: 'v2801', n: 2801 },
      { k: 699, v: 'v2799', n: 2799 },
      { k: 5000, v: 'keep', n: 0 },
    ]);
  });

  it.each([
    [
      'strings with quotes and backslashes',
      [{ column: 'note', op: 'in', value: [TRICKY_NOTE, '\\N', '', INJECTION] }],
      [100001, 100002, 100003, 100004],
    ],
    ['a LIKE pattern with an escaped backslash', [{ column: 'name', op: 'like', value: '%\\\\%' }], [100001, 100004]],
    [
      'numbers, booleans and a not-equal string',
      [
        { column: 'id', op: 'gt', value: 100000 },
        { column: 'flag', op: 'eq', value: true },
        { column: 'name', op: 'ne', value: "E'\\''" },
      ],
      [100001, 100002, 100003],
    ],
    ['a number compared with text, as a parameter would be', [{ column: 'code', op: 'eq', value: 1 }], []],
  ])('filters with %s select the rows the cursor selects', async (_what, filters, ids) => {
    const name = `filtered_${Math.random().toString(36).slice(2, 8)}`;
    await dst.admin.query(`CREATE TABLE ${name}_rows ${ITEMS}; CREATE TABLE ${name}_copy ${ITEMS}`);
    await move({ table: 'items', filters }, { table: `${name}_rows` }, { rows: true });
    const { format } = await move({ table: 'items', filters }, { table: `${name}_copy` });
    expect(format).toBe('binary from COPY binary');
    const { rows } = await dst.admin.query(`SELECT id FROM ${name}_copy ORDER BY id`);
    expect(rows.map((r) => Number(r.id))).toEqual(ids);
    expect(await fingerprint(dstAdmin(), `${name}_copy`)).toEqual(await fingerprint(dstAdmin(), `${name}_rows`));
  });

  it('reads backslashes in filter values alike with standard_conforming_strings off', async () => {
    const database = (await src.admin.query('SELECT current_database() AS d')).rows[0].d as string;
    await src.admin.query(`ALTER DATABASE ${database} SET standard_conforming_strings = off`);
    try {
      await dst.admin.query(`CREATE TABLE scs_off ${ITEMS}`);
      const filters = [{ column: 'note', op: 'in', value: [TRICKY_NOTE, INJECTION] }];
      const { format, result } = await move({ table: 'items', filters }, { table: 'scs_off' });
      expect(format).toBe('binary from COPY binary');
      expect(result).toEqual({ rowsWritten: 2 });
    } finally {
      await src.admin.query(`ALTER DATABASE ${database} RESET standard_conforming_strings`);
    }
    expect(Number((await src.admin.query('SELECT count(*) AS n FROM items')).rows[0].n)).toBe(ITEM_COUNT);
  });

  it('moves a subset of columns in any order into a table with more columns', async () => {
    await dst.admin.query(
      "CREATE TABLE narrow (extra text DEFAULT 'dflt', docb jsonb, id int8 PRIMARY KEY, mood mood, nums int4[])",
    );
    const { format, result } = await move(
      { table: 'items', columns: ['nums', 'id', 'docb', 'mood'], filters: [{ column: 'id', op: 'lte', value: 3 }] },
      { table: 'narrow' },
    );
    expect(format).toBe('binary from COPY binary');
    expect(result).toEqual({ rowsWritten: 3 });
    const { rows } = await dst.admin.query(
      'SELECT extra, docb::text, id, mood::text, nums::text FROM narrow ORDER BY id',
    );
    expect(rows).toEqual([
      { extra: 'dflt', docb: '{"g": 1, "h": [1]}', id: '1', mood: 'ok', nums: '{1,-1}' },
      { extra: 'dflt', docb: '{"g": 2, "h": [2]}', id: '2', mood: 'happy', nums: '{2,-2}' },
      { extra: 'dflt', docb: '{"g": 3, "h": [3]}', id: '3', mood: 'sad', nums: '{3,-3}' },
    ]);
  });

  it.each([
    ['an int4 into an int8', 'i int8', "column 'i' is int4 there and int8 here"],
    ['text into varchar', 'note varchar(100)', "column 'note' is text there and varchar here"],
    ['a domain over int4 into int4', 'qty int4', undefined],
  ])('%s: falls back to rows when a type differs, else keeps COPY binary', async (_what, column, why) => {
    const name = `typed_${Math.random().toString(36).slice(2, 8)}`;
    const columnName = column.split(' ')[0] as string;
    await dst.admin.query(`CREATE TABLE ${name} (id int8 PRIMARY KEY, ${column})`);
    const { format, result, logs } = await move({ table: 'items', columns: ['id', columnName] }, { table: name });
    expect(format).toBe(why === undefined ? 'binary from COPY binary' : 'text from rows');
    if (why !== undefined) {
      expect(logs.map((l) => l.message)).toContain(`the source offers COPY binary, but ${why}: not passing it on`);
    }
    expect(result).toEqual({ rowsWritten: ITEM_COUNT });
    const { rows } = await dst.admin.query(
      `SELECT count(*) AS n, count(DISTINCT ${columnName}::text) AS d FROM ${name}`,
    );
    expect(rows[0]).toMatchObject({ n: String(ITEM_COUNT) });
    const source = await src.admin.query(`SELECT count(DISTINCT ${columnName}::text) AS d FROM items`);
    expect(rows[0].d).toBe(source.rows[0].d);
  });

  it("applies the target's domain checks and typmods to COPY binary", async () => {
    await dst.admin.query(`CREATE DOMAIN tiny AS int4 CHECK (VALUE < 100);
      CREATE TABLE strict_t (id int8, qty tiny, price numeric(12,1), code char(6));`);
    const err = await caught(move({ table: 'items', columns: ['id', 'qty', 'price', 'code'] }, { table: 'strict_t' }));
    expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
    expect(err.message).toContain('tiny_check');
    expect(err.message).toContain('rolled back');
    await dst.admin.query('ALTER DOMAIN tiny DROP CONSTRAINT tiny_check');
    await move({ table: 'items', columns: ['id', 'qty', 'price', 'code'] }, { table: 'strict_t' });
    const { rows } = await dst.admin.query('SELECT price::text FROM strict_t WHERE id = 3');
    expect(rows).toEqual([{ price: '4.1' }]);
  });

  describe('all or nothing', () => {
    const guardedTable = `(id int4 PRIMARY KEY, payload text NOT NULL CHECK (payload <> ''), CONSTRAINT half CHECK (id <> 25000))`;
    let before: { count: number; md5: string };

    beforeAll(async () => {
      await dst.admin.query(`CREATE TABLE guarded ${guardedTable}; INSERT INTO guarded VALUES (-1, 'a'), (-2, 'b')`);
      before = await fingerprint(dstAdmin(), 'guarded');
    });

    it.each(['append', 'merge'])('%s: a row the target refuses halfway changes nothing', async (mode) => {
      const err = await caught(move({ table: 'big' }, { table: 'guarded', write_mode: mode, merge_keys: ['id'] }));
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain('"half"');
      expect(err.message).toContain('rolled back');
      expect(await fingerprint(dstAdmin(), 'guarded')).toEqual(before);
      expect(await waitForNoSession(src)).toBe(0);
    });

    it.each(['append', 'merge'])('%s: an abort mid-stream rolls back and closes both sessions', async (mode) => {
      const controller = new AbortController();
      let chunks = 0;
      const err = await caught(
        move(
          { table: 'big' },
          { table: 'guarded', write_mode: mode, merge_keys: ['id'] },
          {
            signal: controller.signal,
            chunks: (inner) =>
              (async function* () {
                for await (const chunk of inner) {
                  if (++chunks === 4) controller.abort(new Error('interrupted'));
                  yield chunk;
                }
              })(),
          },
        ),
      );
      expect(err.reason).toBe('CONNECTOR_ABORTED');
      expect(chunks).toBeGreaterThanOrEqual(4);
      expect(await fingerprint(dstAdmin(), 'guarded')).toEqual(before);
      expect(await waitForNoSession(src)).toBe(0);
      expect(await waitForNoSession(dst)).toBe(0);
    });

    it('a source that fails mid-stream is reported in its own words, without the password', async () => {
      let chunks = 0;
      const err = await caught(
        move(
          { table: 'big' },
          { table: 'guarded' },
          {
            chunks: (inner) =>
              (async function* () {
                for await (const chunk of inner) {
                  if (++chunks === 3) {
                    await src.admin.query(
                      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'osiris'",
                    );
                  }
                  yield chunk;
                }
              })(),
          },
        ),
      );
      expect(err.reason).toBe('CONNECTOR_INPUT_FAILED');
      expect(err.message).toContain(`reading "public"."big" failed`);
      expect(err.message).toContain('57P01');
      expect(err.message).not.toContain(PASSWORD);
      expect(await fingerprint(dstAdmin(), 'guarded')).toEqual(before);
    });

    it('a stream without its trailer changes nothing', async () => {
      const err = await caught(
        move(
          { table: 'big', filters: [{ column: 'id', op: 'lte', value: 10 }] },
          { table: 'guarded' },
          {
            chunks: (inner) =>
              (async function* () {
                const all: Buffer[] = [];
                for await (const chunk of inner) all.push(Buffer.from(chunk));
                const bytes = Buffer.concat(all);
                yield bytes.subarray(0, bytes.length - 2);
              })(),
          },
        ),
      );
      expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
      expect(err.message).toContain('ended after 10 rows without its trailer');
      expect(await fingerprint(dstAdmin(), 'guarded')).toEqual(before);
    });
  });

  it('counts exactly the rows read and written when the runner pipes the two steps', async () => {
    await dst.admin.query(`CREATE TABLE counted ${ITEMS}`);
    const manifest = {
      apiVersion: 'osiris.v1',
      kind: 'RunManifest',
      pipeline: 'pg_to_pg',
      fingerprints: { oml: `sha256-${'0'.repeat(64)}`, registry: `sha256-${'0'.repeat(64)}` },
      steps: [
        {
          id: 'src',
          component: 'supabase.table',
          component_version: '0.1.0',
          mode: 'read',
          cfg: 'cfg/src.json',
          produces: 'tabular',
        },
        {
          id: 'dst',
          component: 'supabase.table',
          component_version: '0.1.0',
          mode: 'write',
          cfg: 'cfg/dst.json',
          consumes: 'tabular',
          needs: ['src'],
        },
      ],
      execution: { engine: 'local', params: {} },
    } as const;
    const configs = {
      src: { id: 'src', component: 'supabase.table', mode: 'read', connection: '@src', options: { table: 'items' } },
      dst: {
        id: 'dst',
        component: 'supabase.table',
        mode: 'write',
        connection: '@dst',
        options: { table: 'counted', write_mode: 'merge', merge_keys: ['id'] },
      },
    } as const;
    const events: RunEventDraft[] = [];
    const result: EngineResult = await executeSteps(manifest, configs, {
      connectors: [supabaseTableConnector],
      connections: new Map([
        ['@src', { url: srcUrl }],
        ['@dst', { url: dst.url }],
      ]),
      events: (event) => events.push(event),
      signal: new AbortController().signal,
      settings: { ...DEFAULT_RUN_SETTINGS, chunkSize: 100, progressIntervalMs: 0 },
      registry: loadRegistry(),
    });
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => [s.id, s.rowsRead, s.rowsWritten, s.inserted, s.updated])).toEqual([
      ['src', ITEM_COUNT, 0, undefined, undefined],
      ['dst', ITEM_COUNT, ITEM_COUNT, ITEM_COUNT, 0],
    ]);
    expect(
      events.some((e) => e.type === 'note' && e.payload.message?.includes('as COPY binary from COPY binary')),
    ).toBe(true);
    const progress = events
      .filter((e) => e.type === 'progress' && e.payload.rowsRead !== undefined)
      .map((e) => e.payload.rowsRead as number);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(ITEM_COUNT);
    expect(await fingerprint(dstAdmin(), 'counted')).toEqual(await fingerprint(srcAdmin(), 'items'));
  });

  describe('with PGlite', () => {
    let embedded: TestDatabase;

    beforeAll(async () => {
      embedded = await createEmbeddedDatabase(undefined);
      await embedded.admin.query(`${TYPES} CREATE TABLE items ${ITEMS}`);
    }, 60_000);

    afterAll(async () => {
      await embedded?.drop();
    });

    it('a PGlite read offers no COPY binary, and a PGlite sink takes the rows of a server', async () => {
      const { ctx } = makeCtx({ url: embedded.url }, { stepId: 'src' });
      const stream = await read({ table: 'items' }, ctx);
      expect(stream.copyBinary).toBeUndefined();
      await collect(stream);
      const { format, result } = await move({ table: 'items' }, { table: 'items' }, { dstUrl: embedded.url });
      expect(format).toBe('text from rows');
      expect(result).toEqual({ rowsWritten: ITEM_COUNT });
      expect(await fingerprint(embedded.admin, 'items')).toEqual(await fingerprint(srcAdmin(), 'items'));
    });
  });
});
