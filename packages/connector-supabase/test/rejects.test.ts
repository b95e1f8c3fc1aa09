// SPDX-License-Identifier: MIT
// max_rejects (ADR 0020): rows the database refuses on their own are set aside, the others load.
import type { Row, TabularStream, WriteResult } from '@osiris/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSupabaseConnectorError, supabaseTableConnector } from '../src/index';
import { copyLineOf, isRowError } from '../src/rejects';
import { BACKENDS, caught, col, makeCtx, streamOf, type TestDatabase } from './helpers';

const columns = [
  col('id', 'integer', 'int', { nullable: false }),
  col('qty', 'integer', 'int'),
  col('note', 'text', 'text'),
];

/** `count` rows; those whose id is in `bad` have a negative qty (refused by the CHECK). */
function rowsOf(count: number, bad: readonly number[]): Row[] {
  const set = new Set(bad);
  return Array.from({ length: count }, (_, i) => [i + 1, set.has(i + 1) ? -1 : (i % 100) + 1, `n${i + 1}`]);
}

describe('isRowError and copyLineOf', () => {
  it('takes data and integrity errors as a row’s, and reads the COPY line', () => {
    expect(isRowError({ code: '23514' })).toBe(true);
    expect(isRowError({ code: '22P02' })).toBe(true);
    expect(isRowError({ code: '57014' })).toBe(false);
    expect(isRowError(new Error('x'))).toBe(false);
    expect(copyLineOf({ where: 'COPY t, line 17: "17\t-1"' })).toBe(17);
    expect(copyLineOf({ where: 'COPY "a, b", line 3, column qty: "x"' })).toBe(3);
    expect(copyLineOf({ where: 'SQL function' })).toBeUndefined();
  });
});

for (const backend of BACKENDS) {
  describe(`max_rejects on ${backend.name}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await backend.create();
    }, 60_000);
    afterAll(async () => {
      await db?.drop();
    });

    const write = (config: Record<string, unknown>, input: TabularStream): Promise<WriteResult> =>
      (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(
        makeCtx({ url: db.url }).ctx,
        config,
        input,
      );
    const count = async (table: string) =>
      Number((await db.admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n);
    const create = async (table: string) => {
      await db.admin.query(
        `DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, qty int CHECK (qty > 0), note text)`,
      );
      await db.admin.query(`INSERT INTO ${table} VALUES (0, 1, 'before')`);
    };
    const size = backend.embedded ? 2_000 : 10_000;
    const bad = [7, size / 2, size - 1];

    for (const mode of ['append', 'merge'] as const) {
      // PGlite takes row batches only once: the text forms are the server's (COPY binary).
      for (const text of backend.embedded ? [false] : [false, true]) {
        const form = text ? 'text batches' : 'row batches';
        it(`${mode} from ${form}: loads every other row and sets the 3 refused ones aside`, async () => {
          const table = `r_${mode}_${text ? 't' : 'r'}`;
          await create(table);
          const options = { table, write_mode: mode, ...(mode === 'merge' ? { merge_keys: ['id'] } : {}) };
          const result = await write(
            { ...options, max_rejects: 10 },
            streamOf(columns, rowsOf(size, bad), { batchSize: 1000, ...(text ? { text: true } : {}) }),
          );
          expect(await count(table)).toBe(size - 3 + 1);
          expect(result.rejected?.map((r) => r.row)).toEqual(bad);
          expect(result.rejected?.[0]).toMatchObject({
            row: 7,
            values: { id: 7, qty: -1, note: 'n7' },
            sqlstate: '23514',
            message: expect.stringContaining(`violates check constraint "${table}_qty_check"`),
          });
          if (mode === 'append') expect(result.rowsWritten).toBe(size - 3);
          else expect(result.inserted).toBe(size - 3);
          const { rows } = await db.admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE qty < 0`);
          expect(rows[0]?.n).toBe(0);
        }, 60_000);

        it(`${mode} from ${form}: more refused rows than max_rejects roll everything back`, async () => {
          const table = `f_${mode}_${text ? 't' : 'r'}`;
          await create(table);
          const options = { table, write_mode: mode, ...(mode === 'merge' ? { merge_keys: ['id'] } : {}) };
          const error = await caught(
            write(
              { ...options, max_rejects: 2 },
              streamOf(columns, rowsOf(size, bad), { batchSize: 1000, ...(text ? { text: true } : {}) }),
            ),
          );
          expect(isSupabaseConnectorError(error)).toBe(true);
          expect((error as Error).message).toMatch(
            /refused more than 2 rows \(max_rejects: 2\); the first was input row 7: .*check constraint.*\(SQLSTATE 23514\).*the table is unchanged/,
          );
          expect(await count(table)).toBe(1);
        }, 60_000);
      }
    }

    it('max_rejects 0 fails at the first refused row, as before', async () => {
      await create('z');
      const error = await caught(write({ table: 'z' }, streamOf(columns, rowsOf(100, [50]))));
      expect((error as Error).message).toMatch(/check constraint/);
      expect(await count('z')).toBe(1);
    });

    it('sets aside a duplicate key, a value its column cannot take and a NULL merge key', async () => {
      await create('k');
      const textColumns = [col('id', 'text', 'text'), col('qty', 'text', 'text'), col('note', 'text', 'text')];
      const rows: Row[] = [
        ['1', '1', 'a'],
        ['2', 'two', 'b'],
        ['1', '3', 'dup'],
        ['4', '4', 'd'],
      ];
      const append = await write({ table: 'k', max_rejects: 5 }, streamOf(textColumns, rows));
      expect(append.rejected?.map((r) => [r.row, r.sqlstate])).toEqual([
        [2, '22P02'],
        [3, '23505'],
      ]);
      expect(await count('k')).toBe(3);
      await create('m');
      const merged = await write(
        { table: 'm', write_mode: 'merge', merge_keys: ['id'], max_rejects: 5 },
        streamOf(textColumns, [
          ['5', '1', 'x'],
          [null, '1', 'no key'],
          ['6', '-2', 'neg'],
        ]),
      );
      expect(merged.rejected?.map((r) => [r.row, r.sqlstate])).toEqual([
        [2, '23502'],
        [3, '23514'],
      ]);
      expect(merged.inserted).toBe(1);
    });
  });
}

describe('max_rejects on a large load (PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await (BACKENDS[0] as (typeof BACKENDS)[number]).create();
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('100,000 rows over two segments, from text batches as COPY binary', async () => {
    await db.admin.query('CREATE TABLE big (id int PRIMARY KEY, qty int CHECK (qty > 0), note text)');
    const bad = [1, 54_321, 100_000];
    const result = await (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(
      makeCtx({ url: db.url }).ctx,
      { table: 'big', max_rejects: 10 },
      streamOf(columns, rowsOf(100_000, bad), { batchSize: 5000, text: true }),
    );
    expect(result.rowsWritten).toBe(99_997);
    expect(result.rejected?.map((r) => r.row)).toEqual(bad);
    const { rows } = await db.admin.query('SELECT count(*)::int AS n, sum(id)::int8 AS s FROM big');
    expect(rows[0]?.n).toBe(99_997);
    expect(Number(rows[0]?.s)).toBe((100_000 * 100_001) / 2 - 1 - 54_321 - 100_000);
  }, 60_000);
});
