// SPDX-License-Identifier: MIT
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesystemCsvConnector as csv, FilesystemConnectorError, isFilesystemConnectorError } from '../src/index';
import { collect, makeCtx, useTempDir } from './helpers';

const dir = useTempDir();
// biome-ignore lint/style/noNonNullAssertion: the connector implements read
const read = csv.read!.bind(csv);

async function file(name: string, text: string): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, text);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<FilesystemConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isFilesystemConnectorError(error)) throw new Error(`expected a FilesystemConnectorError, got ${String(error)}`);
  return error;
}

describe('read', () => {
  it('infers the kind of every column and converts the values', async () => {
    await file(
      'kinds.csv',
      [
        'flag,n,big,amount,ratio,day,at,at_tz,clock,id,name',
        'true,1,9007199254740993,12.50,1e-3,2026-01-31,2026-01-31 10:00:00,2026-01-31T10:00:00Z,10:00:00,123e4567-e89b-12d3-a456-426614174000,Ann',
        'false,-2,1,0.1,2.5,2024-02-29,2026-01-31,2026-01-31T10:00:00.5+02:00,23:59:59,00000000-0000-0000-0000-000000000000,',
        ',,,,,,,,,,""',
      ].join('\n'),
    );
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, { path: 'kinds.csv' });
    expect(stream.columns.map((c) => [c.name, c.kind])).toEqual([
      ['flag', 'boolean'],
      ['n', 'integer'],
      ['big', 'bigint'],
      ['amount', 'decimal'],
      ['ratio', 'float'],
      ['day', 'date'],
      ['at', 'timestamp'],
      ['at_tz', 'timestamptz'],
      ['clock', 'time'],
      ['id', 'uuid'],
      ['name', 'text'],
    ]);
    // The native type is the SQL type that holds every value of the kind (a sink creating a table uses it).
    expect(stream.columns.map((c) => c.nativeType)).toEqual([
      'boolean',
      'bigint',
      'bigint',
      'numeric',
      'double precision',
      'date',
      'timestamp',
      'timestamptz',
      'time',
      'uuid',
      'text',
    ]);
    expect(stream.columns[0]).toMatchObject({ nullable: true });
    const { rows } = await collect(stream);
    expect(rows).toEqual([
      [
        true,
        1,
        '9007199254740993',
        '12.50',
        0.001,
        '2026-01-31',
        '2026-01-31 10:00:00',
        '2026-01-31T10:00:00+00:00',
        '10:00:00',
        '123e4567-e89b-12d3-a456-426614174000',
        'Ann',
      ],
      [
        false,
        -2,
        '1',
        '0.1',
        2.5,
        '2024-02-29',
        '2026-01-31 00:00:00',
        '2026-01-31T10:00:00.5+02:00',
        '23:59:59',
        '00000000-0000-0000-0000-000000000000',
        null,
      ],
      [null, null, null, null, null, null, null, null, null, null, ''],
    ]);
  });

  it('fails on a value that does not fit the kind inferred from the sample, naming line and column', async () => {
    const lines = ['zip,city', ...Array.from({ length: 5 }, (_, i) => `1000${i},A`), '0213A,"B\nC"', '10009,D'];
    await file('zips.csv', lines.join('\n'));
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, { path: 'zips.csv', sample_rows: 3 });
    expect(stream.columns.map((c) => c.kind)).toEqual(['integer', 'text']);
    const error = await failure(collect(stream));
    expect(error.reason).toBe('CONNECTOR_VALUE_INVALID');
    expect(error.line).toBe(7);
    expect(error.message).toContain('zips.csv line 7, column \'zip\': "0213A" does not fit integer');
    expect(error.message).toContain('inferred from the first 3 rows');
    expect(error.message).toContain('options.columns');
  });

  it('reads declared columns by name, in their order, with their types', async () => {
    await file('orders.csv', 'id;customer;amount;note\n1;7;12.50;a\n2;8;0.99;b\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, {
      path: 'orders.csv',
      delimiter: ';',
      columns: [
        { name: 'amount', type: 'decimal' },
        { name: 'id', type: 'bigint' },
        { name: 'customer', type: 'text' },
      ],
    });
    expect(stream.columns).toEqual([
      { name: 'amount', kind: 'decimal', nullable: true, nativeType: 'numeric' },
      { name: 'id', kind: 'bigint', nullable: true, nativeType: 'bigint' },
      { name: 'customer', kind: 'text', nullable: true, nativeType: 'text' },
    ]);
    expect((await collect(stream)).rows).toEqual([
      ['12.50', '1', '7'],
      ['0.99', '2', '8'],
    ]);
  });

  it('reads a file without a header, naming columns by declaration or by position', async () => {
    await file('plain.csv', '1,a\n2,b\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const declared = await read(ctx, {
      path: 'plain.csv',
      header: false,
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'label', type: 'text' },
      ],
    });
    expect((await collect(declared)).rows).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    const positional = await read(ctx, { path: 'plain.csv', header: false });
    expect(positional.columns.map((c) => [c.name, c.kind])).toEqual([
      ['column_1', 'integer'],
      ['column_2', 'text'],
    ]);
    expect((await collect(positional)).rows).toHaveLength(2);
  });

  it('names the missing column and the header when a declared column is not in the file', async () => {
    await file('a.csv', 'id,name\n1,a\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const error = await failure(read(ctx, { path: 'a.csv', columns: [{ name: 'amount', type: 'decimal' }] }));
    expect(error.reason).toBe('CONNECTOR_COLUMN_NOT_FOUND');
    expect(error.message).toContain("has no column 'amount'. Its header names: 'id', 'name'");
  });

  it('fails on a declared type that a value does not fit', async () => {
    await file('a.csv', 'id,day\n1,2026-01-01\n2,yesterday\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, {
      path: 'a.csv',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'day', type: 'date' },
      ],
    });
    const error = await failure(collect(stream));
    expect(error).toMatchObject({ reason: 'CONNECTOR_VALUE_INVALID', line: 3 });
    expect(error.message).toContain('"yesterday" is not a date YYYY-MM-DD');
  });

  it('yields batches of ctx.chunkSize rows', async () => {
    await file('ten.csv', ['n', ...Array.from({ length: 10 }, (_, i) => String(i))].join('\n'));
    const { ctx } = makeCtx({ baseDir: dir.path, chunkSize: 3 });
    const { batches } = await collect(await read(ctx, { path: 'ten.csv', sample_rows: 4 }));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(batches.flat()).toEqual(Array.from({ length: 10 }, (_, i) => [i]));
  });

  it('pulls the file as batches are asked for, not all at once', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i},row number ${i}`);
    await file('big.csv', ['id,label', ...rows].join('\n'));
    const { ctx } = makeCtx({ baseDir: dir.path, chunkSize: 100 });
    const stream = await read(ctx, { path: 'big.csv', sample_rows: 10 });
    const iterator = stream.batches[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toHaveLength(100);
    // Stopping early closes the file; nothing else is read.
    await iterator.return?.();
  });

  it('fails on a row with the wrong number of fields, naming the file, the line and the expected count', async () => {
    const path = await file('bad.csv', 'a,b,c\n1,2,3\n"multi\nline",5,6\n\n7,8\n9,10,11\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const error = await failure(read(ctx, { path: 'bad.csv' }));
    expect(error.reason).toBe('CONNECTOR_PARSE_FAILED');
    expect(error.file).toBe(path);
    expect(error.line).toBe(6);
    expect(error.message).toContain(`${path} line 6 has 2 field(s), expected 3`);
    expect(error.message).toContain('options.delimiter');
  });

  it.each([
    { name: 'utf16le', options: { encoding: 'utf16le' }, delimiter: ',' },
    { name: 'a two-character delimiter', options: { delimiter: '::' }, delimiter: '::' },
  ])('counts lines the same way with $name', async ({ options, delimiter }) => {
    const text = 'a,b,c\n1,2,3\n"multi\nline",5,6\n\n7,8\n'.replaceAll(',', delimiter);
    await writeFile(join(dir.path, 'bad.csv'), Buffer.from(text, options.encoding === 'utf16le' ? 'utf16le' : 'utf8'));
    const { ctx } = makeCtx({ baseDir: dir.path });
    const error = await failure(read(ctx, { path: 'bad.csv', ...options }));
    expect(error).toMatchObject({ reason: 'CONNECTOR_PARSE_FAILED', line: 6 });
    expect(error.message).toContain('line 6 has 2 field(s), expected 3');
  });

  it('reports an unclosed quote as invalid CSV with its line', async () => {
    await file('quote.csv', 'a,b\n1,"open\n2,3\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const error = await failure(read(ctx, { path: 'quote.csv' }).then((s) => collect(s)));
    expect(error.reason).toBe('CONNECTOR_PARSE_FAILED');
    expect(error.message).toMatch(/quote\.csv line \d+ is not valid CSV/);
    expect(error.cause).toMatchObject({ code: expect.stringMatching(/^CSV_/) });
  });

  it('skips blank lines in a file of several columns', async () => {
    await file('blank.csv', 'a,b\n\n1,2\n\r\n3,4\n\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    expect((await collect(await read(ctx, { path: 'blank.csv' }))).rows).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('explains a missing file, a folder, an empty file and a header without names', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    const missing = await failure(read(ctx, { path: 'nope.csv' }));
    expect(missing.reason).toBe('CONNECTOR_FILE_NOT_FOUND');
    expect(missing.message).toContain(`${join(dir.path, 'nope.csv')} does not exist`);
    expect(missing.cause).toMatchObject({ code: 'ENOENT' });

    const folder = await failure(read(ctx, { path: '.' }));
    expect(folder.message).toContain('is a folder, not a file');

    await file('empty.csv', '');
    expect((await failure(read(ctx, { path: 'empty.csv' }))).message).toContain('is empty, so it has no header line');

    await file('noname.csv', 'a,,c\n1,2,3\n');
    expect((await failure(read(ctx, { path: 'noname.csv' }))).message).toContain(
      'line 1: column 2 of the header has no name',
    );
  });

  it('resolves a relative path against the working directory without base_dir, and keeps absolute paths', async () => {
    const path = await file('abs.csv', 'a\n1\n');
    const { ctx } = makeCtx();
    expect((await collect(await read(ctx, { path }))).rows).toEqual([[1]]);
    const error = await failure(read(ctx, { path: 'surely-not-here.csv' }));
    expect(error.file).toBe(join(process.cwd(), 'surely-not-here.csv'));
  });

  it('rejects write-only options and bad formats before touching the file', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await expect(read(ctx, { path: 'x.csv', write_mode: 'append' })).rejects.toMatchObject({
      reason: 'CONNECTOR_CONFIG_INVALID',
      message: expect.stringContaining('write_mode only applies to write steps'),
    });
    await expect(read(ctx, { path: 'x.csv', quote: '""' })).rejects.toThrow(
      /options\.quote must be a single character/,
    );
    await expect(read(ctx, { path: 'x.csv', columns: [{ name: 'a', type: 'money' }] })).rejects.toThrow(
      /options\.columns\[0\]\.type must be one of integer, bigint/,
    );
  });

  it('stops with an abort error when the signal fires during a read', async () => {
    await file('abort.csv', ['n', ...Array.from({ length: 1000 }, (_, i) => String(i))].join('\n'));
    const controller = new AbortController();
    const { ctx } = makeCtx({ baseDir: dir.path, chunkSize: 10, signal: controller.signal });
    const stream = await read(ctx, { path: 'abort.csv', sample_rows: 5 });
    const seen: number[] = [];
    const error = await failure(
      (async () => {
        for await (const batch of stream.batches) {
          seen.push(batch.length);
          if (seen.length === 2) controller.abort(new Error('Ctrl-C'));
        }
      })(),
    );
    expect(error.reason).toBe('CONNECTOR_ABORTED');
    expect(error.cause).toMatchObject({ message: 'Ctrl-C' });
    expect(seen).toEqual([10, 10]);

    const before = new AbortController();
    before.abort();
    await expect(
      read(makeCtx({ baseDir: dir.path, signal: before.signal }).ctx, { path: 'abort.csv' }),
    ).rejects.toMatchObject({ reason: 'CONNECTOR_ABORTED' });
  });

  it('lets the batches be iterated only once', async () => {
    await file('once.csv', 'a\n1\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const stream = await read(ctx, { path: 'once.csv' });
    await collect(stream);
    expect(() => stream.batches[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('marks its errors so that another copy of the package recognises them', () => {
    const error = new FilesystemConnectorError('CONNECTOR_READ_FAILED', 's', 'x', { cause: new Error('inner') });
    expect(isFilesystemConnectorError(error)).toBe(true);
    expect(isFilesystemConnectorError({ ...error, name: 'FilesystemConnectorError' })).toBe(true);
    expect(isFilesystemConnectorError(new Error('x'))).toBe(false);
    expect(error.cause).toMatchObject({ message: 'inner' });
    expect(error.retryable).toBe(false);
  });
});
