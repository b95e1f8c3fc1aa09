// SPDX-License-Identifier: MIT
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { supabaseTableConnector as pg } from '@osiris/connector-supabase';
import { caught, collect as collectRows, createPgDatabase, makeStepContext, type PgDatabase } from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesystemCsvConnector as csv } from '../src/index';
import { useTempDir } from './helpers';

// Numbers through a CSV file and back into Postgres, on the real server: whatever types inference
// picks, every value must arrive as it left (SPEC §10).
const dir = useTempDir();
let db: PgDatabase;

beforeAll(async () => {
  db = await createPgDatabase();
});
afterAll(async () => {
  await db?.drop();
});

// biome-ignore-start lint/style/noNonNullAssertion: both connectors implement read and write
const readCsv = csv.read!.bind(csv);
const writeCsv = csv.write!.bind(csv);
const readPg = pg.read!.bind(pg);
const writePg = pg.write!.bind(pg);
// biome-ignore-end lint/style/noNonNullAssertion: both connectors implement read and write

const files = () => makeStepContext({ base_dir: dir.path }).ctx;
const database = () => makeStepContext({ url: db.url }).ctx;

/** The column types of a table and its rows as Postgres prints them, in id order. */
async function snapshot(table: string) {
  const types = await db.client.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  const columns = types.rows.map((r) => r.column_name);
  const rows = await db.client.query({
    text: `SELECT ${columns.map((c) => `"${c}"::text`).join(', ')} FROM "${table}" ORDER BY id`,
    rowMode: 'array',
  });
  return { types: types.rows.map((r) => [r.column_name, r.data_type]), rows: rows.rows };
}

/** Loads a CSV file into a new Postgres table whose column types come from inference. */
async function loadCsv(file: string, table: string) {
  const stream = await readCsv(files(), { path: file });
  await writePg(database(), { table, create_table: true }, stream);
  return stream.columns;
}

describe('numbers through a CSV file', () => {
  it('a CSV Osiris wrote from float8, numeric and bigint extremes reads back identically', async () => {
    await db.client.query(`
      CREATE TABLE extremes (id int4 PRIMARY KEY, f8 float8, num numeric, big int8, wide int8, small int4);
      INSERT INTO extremes VALUES
        (1, 1.7976931348623157e308, '12345678901234567890.123456789012345678901234567890', -9223372036854775808, 3000000000, 1),
        (2, -1.7976931348623157e308, '-0.000000000000000000000000000001', 9223372036854775807, -9007199254740991, -2147483648),
        (3, 5e-324, '99999999999999999999999999999999999999', 0, 9007199254740991, 2147483647),
        (4, 2.2250738585072014e-308, 'NaN', 9007199254740993, 0, 0),
        (5, 1.2345678901234567e10, '0.10', -1, 1, NULL),
        (6, '-0', '1e-30', NULL, NULL, 7),
        (7, 'NaN', '-12.500', 1, -1, 8),
        (8, 'Infinity', '0', 2, 2, 9),
        (9, '-Infinity', '1', 3, 3, 10),
        (10, 0.1, NULL, 4, 4, 11),
        (11, 1e21, '5', 5, 5, 12),
        (12, 123456789012345680000, '6', 6, 6, 13),
        (13, NULL, '7', 7, 7, 14),
        (14, 1.79e308, '8', 8, 8, 15),
        (15, 0.30000000000000004, '9', 9, 9, 16);
    `);
    await writeCsv(files(), { path: 'extremes.csv' }, await readPg(database(), { table: 'extremes' }));
    const columns = await loadCsv('extremes.csv', 'extremes_back');

    expect(columns.map((c) => [c.name, c.kind])).toEqual([
      ['id', 'integer'],
      ['f8', 'float'],
      ['num', 'decimal'],
      ['big', 'bigint'],
      ['wide', 'integer'],
      ['small', 'integer'],
    ]);
    const before = await snapshot('extremes');
    const after = await snapshot('extremes_back');
    expect(after.rows).toEqual(before.rows);
    expect(after.types).toEqual([
      ['id', 'bigint'],
      ['f8', 'double precision'],
      ['num', 'numeric'],
      ['big', 'bigint'],
      ['wide', 'bigint'],
      ['small', 'bigint'],
    ]);
  });

  it.each<[string, string[], string]>([
    ['exponent notation', ['1.2345678901234568e10', '1.79e308', '-2.5E-3', '5e-324'], 'double precision'],
    // A double reads it as 12345678901.234568: one digit would change.
    ['an exponent with a digit more than a double keeps', ['1.2345678901234567e10'], 'numeric'],
    ['exponents a double cannot hold', ['1e400', '1.5e3'], 'numeric'],
    ['more digits than a double holds', ['1.5e3', '1.23456789012345678901e5'], 'numeric'],
    ['-0 among integers', ['1', '-0', '2'], 'double precision'],
    ['-0.0 among decimals', ['1.5', '-0.0'], 'double precision'],
    ['NaN and Infinity spellings', ['NaN', 'Infinity', '-Infinity', '1.5'], 'double precision'],
    ['NaN beside a decimal a double cannot hold', ['NaN', '0.1000000000000000000001'], 'numeric'],
    ['integers beyond 64 bits', ['1', '99999999999999999999999'], 'numeric'],
    ['integers beyond 32 bits', ['1', '3000000000'], 'bigint'],
    ['leading zeros', ['007', '1'], 'text'],
    ['a leading zero before an exponent', ['01e5'], 'text'],
    ['a plus sign', ['+1e5'], 'text'],
    ['year zero', ['0000-01-01'], 'text'],
  ])('%s: every value arrives as written', async (_name, values, type) => {
    await writeFile(join(dir.path, 'v.csv'), `id,v\n${values.map((v, i) => `${i},${v}`).join('\n')}\n`);
    const table = `t_${Math.random().toString(36).slice(2, 10)}`;
    await loadCsv('v.csv', table);
    const { types, rows } = await snapshot(table);
    expect(types[1]?.[1]).toBe(type);
    // Postgres prints each value back; it must be the same number (or text) as the file held.
    const printed = rows.map((r) => r[1] as string);
    const file = (await readFile(join(dir.path, 'v.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(printed.map(canonical)).toEqual(file.map((line) => canonical(line.slice(line.indexOf(',') + 1))));
  });
});

describe('values past the inference sample', () => {
  it.each<[string, string[], string]>([
    ['leading zeros in an integer column', ['1', '2', '007'], 'integer'],
    ['a plus sign in an integer column', ['1', '2', '+5'], 'integer'],
    ['-0 in an integer column', ['1', '2', '-0'], 'integer'],
    ['more digits than a double keeps in a float column', ['1.5e3', '2', '0.10000000000000000001'], 'float'],
    ['an exponent beyond a double in a float column', ['1.5e3', '2', '1e400'], 'float'],
    ['-0.0 in a decimal column', ['1.5', '2', '-0.0'], 'decimal'],
    ['yes in a boolean column', ['true', 'false', 'yes'], 'boolean'],
  ])('fail when they do not fit the inferred type exactly: %s', async (_name, values, kind) => {
    await writeFile(join(dir.path, 'late.csv'), `v\n${values.join('\n')}\n`);
    const stream = await readCsv(files(), { path: 'late.csv', sample_rows: 2 });
    expect(stream.columns[0]?.kind).toBe(kind);
    const error = await caught(collectRows(stream));
    expect(error).toMatchObject({ reason: 'CONNECTOR_VALUE_INVALID', line: 4 });
    expect(error.message).toContain(`${JSON.stringify(values[2])} does not fit`);
    expect(error.message).toContain('raise options.sample_rows');
  });

  it('are read when they fit, as declared types read them', async () => {
    await writeFile(join(dir.path, 'late.csv'), 'i,f\n1,1e3\n2,0.5\n3,0.1\n');
    const stream = await readCsv(files(), { path: 'late.csv', sample_rows: 2 });
    expect((await collectRows(stream)).rows).toEqual([
      [1, 1000],
      [2, 0.5],
      [3, 0.1],
    ]);
  });
});

/** A number's value as a canonical string (sign, digits, exponent), so that 1.5e3 equals 1500; text stays as is. */
function canonical(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '') || /^0\d/.test(m[2] ?? '')) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return `${sign === '-' ? '-' : ''}0`;
  const shift = whole.length - (`${whole}${fraction}`.length - digits.length) + Number(exponent);
  return `${sign === '-' ? '-' : ''}0.${digits.replace(/0+$/, '')}e${shift}`;
}
