// SPDX-License-Identifier: MIT
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Row } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { filesystemCsvConnector as csv } from '../src/index';
import { collect, columns, makeCtx, streamOf, useTempDir } from './helpers';

const dir = useTempDir();

// biome-ignore lint/style/noNonNullAssertion: the connector implements both
const read = csv.read!.bind(csv);
// biome-ignore lint/style/noNonNullAssertion: the connector implements both
const write = csv.write!.bind(csv);

const TRICKY: (string | null)[] = [
  'plain',
  'a,b,c',
  'say "hi"',
  '"',
  '""',
  'line one\nline two',
  'windows\r\nbreak',
  'lone\rcarriage',
  'tab\there',
  'back\\slash',
  '\\N',
  'NULL',
  '',
  null,
  ' padded ',
  '😀 emoji',
  '中文字符 日本語',
  "it's",
  '\\x41',
];

describe('round trip of tricky text', () => {
  it.each([
    { name: 'defaults', options: {} },
    { name: 'null_value \\N', options: { null_value: '\\N' } },
    { name: 'null_value NULL, semicolons', options: { null_value: 'NULL', delimiter: ';' } },
    { name: "quote ' and a tab delimiter", options: { quote: "'", delimiter: '\t' } },
    { name: 'utf16le', options: { encoding: 'utf16le' } },
    { name: 'a two-character delimiter', options: { delimiter: '||' } },
  ])('keeps every value exact with $name', async ({ options }) => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    const cols = columns({ id: 'integer', value: 'text' });
    const rows: Row[] = TRICKY.map((value, i) => [i, value]);
    const result = await write(ctx, { path: 'tricky.csv', ...options }, streamOf(cols, rows, 3));
    expect(result.rowsWritten).toBe(TRICKY.length);

    const stream = await read(ctx, {
      path: 'tricky.csv',
      ...options,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'value', type: 'text' },
      ],
    });
    const { rows: back } = await collect(stream);
    expect(back).toEqual(rows);
  });

  it('writes NULL as an empty unquoted field and the empty string as ""', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    const cols = columns({ a: 'text', b: 'text', c: 'integer' });
    await write(
      ctx,
      { path: 'n.csv' },
      streamOf(cols, [
        [null, '', null],
        ['x', 'y,z', 1],
      ]),
    );
    expect(await readFile(join(dir.path, 'n.csv'), 'utf8')).toBe('a,b,c\n,"",\nx,"y,z",1\n');
  });

  it('with null_value \\N writes NULL as \\N and quotes a text that reads \\N', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await write(
      ctx,
      { path: 'n.csv', null_value: '\\N' },
      streamOf(columns({ a: 'text', b: 'text' }), [
        [null, '\\N'],
        ['', 'x'],
      ]),
    );
    expect(await readFile(join(dir.path, 'n.csv'), 'utf8')).toBe('a,b\n\\N,"\\N"\n,x\n');
  });

  it('keeps NULL and the empty string apart in a one-column file', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    const rows: Row[] = [['a'], [null], [''], ['b'], [null]];
    await write(ctx, { path: 'one.csv' }, streamOf(columns({ v: 'text' }), rows));
    const { rows: back } = await collect(await read(ctx, { path: 'one.csv' }));
    expect(back).toEqual(rows);
  });

  it('reads a hand-written file: quoted empty is text, unquoted empty is NULL, \\N and NULL are text', async () => {
    await writeFile(join(dir.path, 'hand.csv'), 'a,b,c\n"",,\\N\nNULL,"x""y","multi\nline"\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, { path: 'hand.csv' });
    expect(stream.columns.map((c) => c.kind)).toEqual(['text', 'text', 'text']);
    expect((await collect(stream)).rows).toEqual([
      ['', null, '\\N'],
      ['NULL', 'x"y', 'multi\nline'],
    ]);
  });

  it('reads and writes latin1', async () => {
    await writeFile(join(dir.path, 'latin1.csv'), Buffer.from('name,city\nJosé,Zürich\nRenée,Besançon\n', 'latin1'));
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, { path: 'latin1.csv', encoding: 'latin1' });
    const { rows } = await collect(stream);
    expect(rows).toEqual([
      ['José', 'Zürich'],
      ['Renée', 'Besançon'],
    ]);
    await write(ctx, { path: 'copy.csv', encoding: 'latin1' }, streamOf(stream.columns, rows));
    const bytes = await readFile(join(dir.path, 'copy.csv'));
    expect(bytes.equals(Buffer.from('name,city\nJosé,Zürich\nRenée,Besançon\n', 'latin1'))).toBe(true);
  });

  it('refuses to write text that latin1 cannot encode, leaving no file', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    const error = await write(
      ctx,
      { path: 'l.csv', encoding: 'latin1' },
      streamOf(columns({ v: 'text' }), [['ok'], ['😀']]),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'CONNECTOR_VALUE_INVALID',
      message: expect.stringMatching(/row 2.*latin1.*utf8/),
    });
    await expect(readFile(join(dir.path, 'l.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes utf16le with a byte-order mark and reads it back', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await write(ctx, { path: 'u16.csv', encoding: 'utf16le' }, streamOf(columns({ v: 'text' }), [['中文'], ['😀']]));
    const bytes = await readFile(join(dir.path, 'u16.csv'));
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.subarray(2).toString('utf16le')).toBe('v\n中文\n😀\n');
    expect((await collect(await read(ctx, { path: 'u16.csv', encoding: 'utf16le' }))).rows).toEqual([['中文'], ['😀']]);
  });

  it('skips a UTF-8 byte-order mark and reads CRLF files', async () => {
    await writeFile(join(dir.path, 'bom.csv'), '\ufeffid,name\r\n1,"a\r\nb"\r\n2,c\r\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, { path: 'bom.csv' });
    expect(stream.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect((await collect(stream)).rows).toEqual([
      [1, 'a\r\nb'],
      [2, 'c'],
    ]);
  });

  it('round-trips a value of every kind', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    const kinds = {
      i: 'integer',
      big: 'bigint',
      dec: 'decimal',
      f: 'float',
      b: 'boolean',
      t: 'text',
      d: 'date',
      ts: 'timestamp',
      tz: 'timestamptz',
      tm: 'time',
      j: 'json',
      by: 'bytes',
      u: 'uuid',
    } as const;
    const rows: Row[] = [
      [
        -42,
        '9223372036854775807',
        '12345678901234567890.000100',
        1.5e-7,
        true,
        'x',
        '2026-02-28',
        '2026-02-28 23:59:59.123456',
        '2026-02-28T23:59:59.5+05:30',
        '08:15:00',
        '{"a":[1,"two",null]}',
        Buffer.from([0, 1, 254, 255]),
        '123e4567-e89b-12d3-a456-426614174000',
      ],
      [
        0,
        '-1',
        '0',
        Number.NEGATIVE_INFINITY,
        false,
        '',
        '1999-12-31',
        '1999-12-31 00:00:00',
        '1999-12-31T00:00:00+00:00',
        '23:59:59.999999',
        '"s"',
        Buffer.alloc(0),
        '00000000-0000-0000-0000-000000000000',
      ],
      Object.keys(kinds).map(() => null),
    ];
    await write(ctx, { path: 'kinds.csv' }, streamOf(columns(kinds), rows));
    const declared = Object.entries(kinds).map(([name, type]) => ({ name, type }));
    const { rows: back } = await collect(await read(ctx, { path: 'kinds.csv', columns: declared }));
    // An empty bytes value is written as \x, and the empty text as "".
    expect(back).toEqual(rows);
    expect(await readFile(join(dir.path, 'kinds.csv'), 'utf8')).toContain(',\\x0001feff,');
  });
});
