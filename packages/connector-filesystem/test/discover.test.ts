// SPDX-License-Identifier: MIT
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesystemCsvConnector as csv } from '../src/index';
import { makeCtx, useTempDir } from './helpers';

const dir = useTempDir();
// biome-ignore lint/style/noNonNullAssertion: the connector implements discover
const discover = csv.discover!.bind(csv);

describe('discover', () => {
  it('lists the CSV and TSV files of base_dir with inferred columns and row counts', async () => {
    await writeFile(join(dir.path, 'orders.csv'), 'id,amount,placed\n1,12.50,2026-01-01\n2,3.10,2026-01-02\n');
    await writeFile(join(dir.path, 'people.tsv'), 'name\tage\nAnn\t31\n');
    await writeFile(join(dir.path, 'euro.CSV'), 'city;price\nParis;"1,5"\n');
    await writeFile(join(dir.path, 'notes.txt'), 'not a table');
    await mkdir(join(dir.path, 'archive'));
    await writeFile(join(dir.path, 'archive', 'old.csv'), 'x\n1\n');

    const { ctx } = makeCtx({ baseDir: dir.path });
    const tables = await discover(ctx, {});
    expect(tables.map((t) => [t.schema, t.name, t.approxRows])).toEqual([
      ['.', 'euro.CSV', 1],
      ['.', 'orders.csv', 2],
      ['.', 'people.tsv', 1],
    ]);
    expect(tables[1]?.columns).toEqual([
      { name: 'id', kind: 'integer', nativeType: 'bigint', nullable: true, primaryKey: false },
      { name: 'amount', kind: 'decimal', nativeType: 'numeric', nullable: true, primaryKey: false },
      { name: 'placed', kind: 'date', nativeType: 'date', nullable: true, primaryKey: false },
    ]);
    expect(tables[0]?.columns.map((c) => [c.name, c.kind])).toEqual([
      ['city', 'text'],
      ['price', 'text'],
    ]);
    expect(tables[2]?.columns.map((c) => [c.name, c.kind])).toEqual([
      ['name', 'text'],
      ['age', 'integer'],
    ]);
  });

  it('looks into a subfolder given as schema, and describes one file given as table', async () => {
    await mkdir(join(dir.path, 'archive'));
    await writeFile(join(dir.path, 'archive', 'old.csv'), 'x\n1\n2\n3\n');
    const { ctx } = makeCtx({ baseDir: dir.path });
    expect((await discover(ctx, { schema: 'archive' })).map((t) => [t.schema, t.name])).toEqual([
      ['archive', 'archive/old.csv'],
    ]);
    const [one] = await discover(ctx, { table: 'archive/old.csv' });
    expect(one).toMatchObject({ name: 'archive/old.csv', approxRows: 3, columns: [{ name: 'x', kind: 'integer' }] });
  });

  it('estimates the rows of a file larger than the sample', async () => {
    const lines = ['id,label'];
    // Records of even length, so that the first rows are a fair sample.
    for (let i = 0; i < 20_000; i++) lines.push(`${String(i).padStart(6, '0')},label`);
    await writeFile(join(dir.path, 'big.csv'), `${lines.join('\n')}\n`);
    const { ctx } = makeCtx({ baseDir: dir.path });
    const [big] = await discover(ctx, {});
    expect(big?.approxRows).toBeGreaterThan(18_000);
    expect(big?.approxRows).toBeLessThan(22_000);
  });

  it('skips a malformed file with a warning when listing, and fails on it when named', async () => {
    await writeFile(join(dir.path, 'good.csv'), 'a\n1\n');
    await writeFile(join(dir.path, 'bad.csv'), 'a,b\n1,2,3\n');
    const { ctx, logs } = makeCtx({ baseDir: dir.path });
    expect((await discover(ctx, {})).map((t) => t.name)).toEqual(['good.csv']);
    expect(logs).toEqual([{ level: 'warn', message: expect.stringMatching(/skipped bad\.csv: .*line 2 has 3 field/) }]);
    await expect(discover(ctx, { table: 'bad.csv' })).rejects.toMatchObject({ reason: 'CONNECTOR_PARSE_FAILED' });
  });

  it('explains a base_dir that does not exist (a configuration error), and a schema folder that does not', async () => {
    const { ctx } = makeCtx({ baseDir: join(dir.path, 'missing') });
    await expect(discover(ctx, {})).rejects.toMatchObject({
      reason: 'CONNECTOR_CONFIG_INVALID',
      code: 'CONFIG',
      message: expect.stringContaining(`base_dir ${join(dir.path, 'missing')} does not exist`),
    });
    await expect(discover(makeCtx({ baseDir: dir.path }).ctx, { schema: 'nope' })).rejects.toMatchObject({
      reason: 'CONNECTOR_FILE_NOT_FOUND',
      message: expect.stringContaining('cannot list the CSV files in'),
    });
  });

  it('stops when aborted', async () => {
    await writeFile(join(dir.path, 'a.csv'), 'a\n1\n');
    const controller = new AbortController();
    controller.abort();
    const { ctx } = makeCtx({ baseDir: dir.path, signal: controller.signal });
    await expect(discover(ctx, {})).rejects.toMatchObject({ reason: 'CONNECTOR_ABORTED' });
  });
});
