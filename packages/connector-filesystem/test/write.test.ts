// SPDX-License-Identifier: MIT
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Row, TabularStream } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { filesystemCsvConnector as csv } from '../src/index';
import { collect, columns, filesIn, makeCtx, streamOf, useTempDir } from './helpers';

const dir = useTempDir();
// biome-ignore lint/style/noNonNullAssertion: the connector implements write
const write = csv.write!.bind(csv);
// biome-ignore lint/style/noNonNullAssertion: the connector implements read
const read = csv.read!.bind(csv);

const COLS = columns({ id: 'integer', name: 'text' });
const OLD = 'id,name\n1,old\n';

/** A stream that yields `good` batches of two rows and then fails like a broken source. */
function failingStream(good: number): TabularStream {
  return {
    columns: COLS,
    batches: (async function* () {
      for (let i = 0; i < good; i++) {
        yield [
          [i * 2, 'new'],
          [i * 2 + 1, 'new'],
        ];
      }
      throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
    })(),
  };
}

describe('write', () => {
  it('writes a header and the rows, replacing the file, and leaves no temporary file', async () => {
    const path = join(dir.path, 'out.csv');
    await writeFile(path, OLD);
    const { ctx } = makeCtx({ baseDir: dir.path });
    const result = await write(
      ctx,
      { path: 'out.csv' },
      streamOf(COLS, [
        [1, 'a'],
        [2, 'b, c'],
      ]),
    );
    expect(result).toEqual({ rowsWritten: 2 });
    expect(await readFile(path, 'utf8')).toBe('id,name\n1,a\n2,"b, c"\n');
    expect(await filesIn(dir.path)).toEqual(['out.csv']);
  });

  it('writes without a header when header is false', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await write(ctx, { path: 'out.csv', header: false }, streamOf(COLS, [[1, 'a']]));
    expect(await readFile(join(dir.path, 'out.csv'), 'utf8')).toBe('1,a\n');
  });

  it('leaves the old file byte-identical when the input fails midway', async () => {
    const path = join(dir.path, 'out.csv');
    await writeFile(path, OLD);
    const before = await readFile(path);
    const { ctx } = makeCtx({ baseDir: dir.path });
    const error = await write(ctx, { path: 'out.csv' }, failingStream(3)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'FilesystemConnectorError',
      reason: 'CONNECTOR_INPUT_FAILED',
      message: expect.stringContaining('failed after 6 row(s): connection lost'),
      cause: { code: 'ECONNRESET' },
    });
    expect((error as Error).message).toContain('was left as it was');
    expect((await readFile(path)).equals(before)).toBe(true);
    expect(await filesIn(dir.path)).toEqual(['out.csv']);
  });

  it('creates no file when the input fails and there was none', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await expect(write(ctx, { path: 'new.csv' }, failingStream(1))).rejects.toMatchObject({
      reason: 'CONNECTOR_INPUT_FAILED',
    });
    expect(await filesIn(dir.path)).toEqual([]);
  });

  it('leaves the old file untouched when aborted, even while the input waits', async () => {
    const path = join(dir.path, 'out.csv');
    await writeFile(path, OLD);
    const controller = new AbortController();
    const { ctx } = makeCtx({ baseDir: dir.path, signal: controller.signal });
    const stalled: TabularStream = {
      columns: COLS,
      batches: (async function* () {
        yield [[1, 'new']];
        controller.abort(new Error('Ctrl-C'));
        await new Promise(() => undefined); // a source that never answers
      })(),
    };
    const error = await write(ctx, { path: 'out.csv' }, stalled).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'CONNECTOR_ABORTED', cause: { message: 'Ctrl-C' } });
    expect(await readFile(path, 'utf8')).toBe(OLD);
    expect(await filesIn(dir.path)).toEqual(['out.csv']);
  });

  it('appends rows without a second header, and adds a missing final line break', async () => {
    const path = join(dir.path, 'log.csv');
    await writeFile(path, 'id,name\n1,first');
    const { ctx } = makeCtx({ baseDir: dir.path });
    await write(ctx, { path: 'log.csv', write_mode: 'append' }, streamOf(COLS, [[2, 'second']]));
    await write(ctx, { path: 'log.csv', write_mode: 'append' }, streamOf(COLS, [[3, null]]));
    expect(await readFile(path, 'utf8')).toBe('id,name\n1,first\n2,second\n3,\n');
    expect((await collect(await read(ctx, { path: 'log.csv' }))).rows).toEqual([
      [1, 'first'],
      [2, 'second'],
      [3, null],
    ]);
  });

  it('appends to a missing file by creating it with a header', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await write(ctx, { path: 'fresh.csv', write_mode: 'append' }, streamOf(COLS, [[1, 'a']]));
    expect(await readFile(join(dir.path, 'fresh.csv'), 'utf8')).toBe('id,name\n1,a\n');
  });

  it('leaves the file as it was when an append fails midway', async () => {
    const path = join(dir.path, 'log.csv');
    await writeFile(path, OLD);
    const { ctx } = makeCtx({ baseDir: dir.path });
    await expect(write(ctx, { path: 'log.csv', write_mode: 'append' }, failingStream(2))).rejects.toMatchObject({
      reason: 'CONNECTOR_INPUT_FAILED',
    });
    expect(await readFile(path, 'utf8')).toBe(OLD);
    expect(await filesIn(dir.path)).toEqual(['log.csv']);
  });

  it('refuses to append rows whose columns differ from the header', async () => {
    const path = join(dir.path, 'log.csv');
    await writeFile(path, 'id,label\n1,x\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    const error = await write(ctx, { path: 'log.csv', write_mode: 'append' }, streamOf(COLS, [[2, 'y']])).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ reason: 'CONNECTOR_CONFIG_INVALID' });
    expect((error as Error).message).toContain("its header names 'id', 'label', the rows to append have 'id', 'name'");
    expect(await readFile(path, 'utf8')).toBe('id,label\n1,x\n');
  });

  it('keeps the permissions of the file it replaces', async () => {
    const path = join(dir.path, 'out.csv');
    await writeFile(path, OLD);
    await chmod(path, 0o640);
    const { ctx } = makeCtx({ baseDir: dir.path });
    await write(ctx, { path: 'out.csv' }, streamOf(COLS, [[1, 'a']]));
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it('explains a missing folder and a folder given as the file', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await expect(write(ctx, { path: 'no/such/dir/out.csv' }, streamOf(COLS, []))).rejects.toMatchObject({
      reason: 'CONNECTOR_FILE_NOT_FOUND',
      message: expect.stringContaining('does not exist. Create it first'),
    });
    await expect(write(ctx, { path: '.' }, streamOf(COLS, []))).rejects.toThrow(/is a folder, not a file/);
  });

  it('rejects read-only options', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    await expect(
      write(ctx, { path: 'o.csv', columns: [{ name: 'id', type: 'integer' }] }, streamOf(COLS, [])),
    ).rejects.toThrow(/only apply to read steps/);
  });

  it('copies a file through read and write unchanged, in batches', async () => {
    const source = join(dir.path, 'source.csv');
    const lines = ['id,amount,at,note'];
    for (let i = 0; i < 2500; i++)
      lines.push(`${i},${i}.25,2026-01-01 00:00:${String(i % 60).padStart(2, '0')},"n ""${i}"", ok"`);
    await writeFile(source, `${lines.join('\n')}\n`);
    const { ctx } = makeCtx({ baseDir: dir.path, chunkSize: 1000 });
    const result = await write(ctx, { path: 'copy.csv' }, await read(ctx, { path: 'source.csv' }));
    expect(result.rowsWritten).toBe(2500);
    expect(await readFile(join(dir.path, 'copy.csv'), 'utf8')).toBe(await readFile(source, 'utf8'));
  });

  it('writes values of every representation as text', async () => {
    const { ctx } = makeCtx({ baseDir: dir.path });
    const rows: Row[] = [
      [1.5, '12345678901234567890', true, Buffer.from('hi'), new Date(Date.UTC(2026, 0, 2)), { a: 1 }],
    ];
    await write(
      ctx,
      { path: 'v.csv', header: false },
      streamOf(columns({ a: 'float', b: 'bigint', c: 'boolean', d: 'bytes', e: 'timestamptz', f: 'json' }), rows),
    );
    expect(await readFile(join(dir.path, 'v.csv'), 'utf8')).toBe(
      '1.5,12345678901234567890,true,\\x6869,2026-01-02T00:00:00.000Z,"{""a"":1}"\n',
    );
  });
});
