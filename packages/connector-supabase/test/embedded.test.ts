// SPDX-License-Identifier: MIT
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row, TabularStream, WriteResult } from '@osiris/runner';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddedUsers, FOLDER_LOCK_FILE } from '../src/embedded-database';
import { supabaseTableConnector } from '../src/index';
import {
  caught,
  col,
  collect,
  createEmbeddedDatabase,
  makeCtx,
  streamOf,
  type TestDatabase,
  tempFolder,
} from './helpers';

// PGlite only: what a server does not need (one connection per database, a folder on disk).

const write = (
  url: string,
  config: Record<string, unknown>,
  input: TabularStream,
  options: Parameters<typeof makeCtx>[1] = {},
): Promise<WriteResult> =>
  (supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>)(
    makeCtx({ url }, options).ctx,
    config,
    input,
  );

const read = (url: string, config: Record<string, unknown>, chunkSize = 1000): Promise<TabularStream> =>
  (supabaseTableConnector.read as NonNullable<typeof supabaseTableConnector.read>)(
    makeCtx({ url }, { chunkSize, stepId: 'src' }).ctx,
    config,
  );

const discover = (url: string, options: { schema?: string; table?: string } = {}) =>
  (supabaseTableConnector.discover as NonNullable<typeof supabaseTableConnector.discover>)(
    makeCtx({ url }).ctx,
    options,
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A point an input stops at: `reached` once it is there, until `release`. */
function gate(): { reached: Promise<void>; release: () => void; wait: () => Promise<void> } {
  let arrive: () => void = () => {};
  let release: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    reached,
    release,
    wait: () => {
      arrive();
      return opened;
    },
  };
}

const columns = [
  col('id', 'integer', 'int', { nullable: false }),
  col('name', 'text', 'text'),
  col('amount', 'decimal', 'decimal(12,2)', { precision: 12, scale: 2 }),
];
const people = (from: number, count: number, suffix = ''): Row[] =>
  Array.from({ length: count }, (_, i) => [from + i, `n${from + i}${suffix}`, `${from + i}.25`]);

let folder: ReturnType<typeof tempFolder>;
let dataDir: string;
let url: string;

/** Opening a new folder runs initdb (seconds): suites after the first share one folder, kept open by a handle. */
function sharedFolder(): void {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    folder = tempFolder();
    dataDir = join(folder.path, 'db');
    url = `pglite://${dataDir}`;
    database = await createEmbeddedDatabase(dataDir);
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
    folder.remove();
  });
}

describe('pglite:// in a folder', { timeout: 60_000 }, () => {
  beforeEach(() => {
    folder = tempFolder();
    // A folder that does not exist yet, two levels down: created on first use.
    dataDir = join(folder.path, 'nested', 'db');
    url = `pglite://${dataDir}`;
  });

  afterEach(() => {
    folder.remove();
  });

  it('creates the folder and keeps the data across separate runs', async () => {
    const first = await write(
      url,
      { table: 'people', write_mode: 'merge', merge_keys: ['id'], create_table: true },
      streamOf(columns, people(1, 1000)),
    );
    expect(first).toEqual({ rowsWritten: 1000, inserted: 1000, updated: 0 });
    // The run is over: the database is closed, its folder holds a database and no lock.
    expect(embeddedUsers(dataDir)).toBe(0);
    expect(readdirSync(dataDir)).toContain('PG_VERSION');
    expect(existsSync(join(dataDir, FOLDER_LOCK_FILE))).toBe(false);

    const second = await write(
      url,
      { table: 'people', write_mode: 'merge', merge_keys: ['id'] },
      streamOf(columns, [...people(501, 500, '-v2'), ...people(1001, 250)]),
    );
    expect(second).toEqual({ rowsWritten: 750, inserted: 250, updated: 500 });
    expect(embeddedUsers(dataDir)).toBe(0);

    const { rows } = await collect(
      await read(url, { table: 'people', filters: [{ column: 'id', op: 'in', value: [1, 600, 1250] }] }),
    );
    expect(rows.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [1, 'n1', '1.25'],
      [600, 'n600-v2', '600.25'],
      [1250, 'n1250', '1250.25'],
    ]);
    expect((await discover(url)).map((t) => [t.name, t.columns.length])).toEqual([['people', 3]]);
  });

  it('in one process, reads a table and merges into the same table while reading', async () => {
    await write(
      url,
      { table: 'people', create_table: true, write_mode: 'merge', merge_keys: ['id'] },
      streamOf(columns, people(1, 5000)),
    );
    // As the runner does: read, then hand the stream to the writer. Small fetches, so that the
    // reader's FETCHes run between the writer's statements, inside its transaction.
    const source = await read(url, { table: 'people' }, 100);
    async function* changed(): AsyncGenerator<Row[]> {
      for await (const batch of source.batches) yield batch.map((r) => [r[0], `${String(r[1])}-again`, r[2]]);
    }
    const copied = write(
      url,
      { table: 'copy_of_people', create_table: true },
      await read(url, { table: 'people' }, 250),
    );
    const merged = write(
      url,
      { table: 'people', write_mode: 'merge', merge_keys: ['id'] },
      { columns: source.columns, batches: changed() },
    );
    expect(await merged).toEqual({ rowsWritten: 5000, inserted: 0, updated: 5000 });
    expect(await copied).toEqual({ rowsWritten: 5000 });

    const all = await collect(
      await read(url, { table: 'people', filters: [{ column: 'name', op: 'like', value: '%-again' }] }),
    );
    expect(all.rows.length).toBe(5000);
    // The copy read the table as it was when its read began.
    const copy = await collect(
      await read(url, { table: 'copy_of_people', filters: [{ column: 'name', op: 'like', value: '%-again' }] }),
    );
    expect(copy.rows.length).toBe(0);
    for (let i = 0; i < 100 && embeddedUsers(dataDir) > 0; i++) await sleep(20);
    expect(embeddedUsers(dataDir)).toBe(0);
  });

  it('refuses a folder that another process has open', async () => {
    mkdirSync(dataDir, { recursive: true });
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dataDir, FOLDER_LOCK_FILE), `${other.pid}\n`);
      const err = await caught(discover(url));
      expect(err.reason).toBe('CONNECTOR_CONNECTION_FAILED');
      expect(err.message).toContain(`in use by process ${other.pid}`);
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a process that has ended', async () => {
    mkdirSync(dataDir, { recursive: true });
    const ended = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => ended.once('exit', resolve));
    writeFileSync(join(dataDir, FOLDER_LOCK_FILE), `${ended.pid}\n`);
    expect(await discover(url)).toEqual([]);
    expect(existsSync(join(dataDir, FOLDER_LOCK_FILE))).toBe(false);
  });

  it('refuses a folder that holds something else, and leaves it alone', async () => {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    const err = await caught(discover(url));
    expect(err.reason).toBe('CONNECTOR_CONFIG_INVALID');
    expect(err.message).toContain('not empty and holds no database');
    expect(readdirSync(dataDir)).toEqual(['notes.txt']);
  });
});

describe('pglite:// in memory', { timeout: 60_000 }, () => {
  it('in memory, the steps see one database while one of them has it open', async () => {
    const database = await createEmbeddedDatabase(undefined);
    try {
      await write('pglite://memory', { table: 't', create_table: true }, streamOf(columns, people(1, 10)));
      expect((await collect(await read('pglite://memory', { table: 't' }))).rows.length).toBe(10);
    } finally {
      await database.drop();
    }
    // The reader lets go as soon as its cursor is closed, just after its last batch.
    for (let i = 0; i < 100 && embeddedUsers(undefined) > 0; i++) await sleep(20);
    expect(embeddedUsers(undefined)).toBe(0);
    // Nobody has it open any more: the next step starts from an empty database.
    expect(await discover('pglite://memory')).toEqual([]);
  });
});

describe('pglite:// shared by the steps of one process', { timeout: 60_000 }, () => {
  sharedFolder();

  it('runs one transaction at a time: a second writer and discovery wait for the first to commit', async () => {
    const { reached, release, wait } = gate();
    const slow = write(
      url,
      { table: 'first', create_table: true },
      streamOf(columns, people(1, 2000), { batchSize: 500, beforeBatch: (b) => (b === 2 ? wait() : undefined) }),
    );
    // The first writer is inside its transaction, loading.
    await reached;
    let secondDone = false;
    const second = write(url, { table: 'second', create_table: true }, streamOf(columns, people(1, 10))).then((r) => {
      secondDone = true;
      return r;
    });
    const tables = discover(url);
    await sleep(300);
    expect(secondDone).toBe(false);
    release();
    expect(await slow).toEqual({ rowsWritten: 2000 });
    expect(await second).toEqual({ rowsWritten: 10 });
    // Discovery began after the first writer: it saw the first table (committed), never a half-written one.
    expect((await tables).map((t) => t.name)).toContain('first');
  });

  it('an abort while waiting for another step’s transaction gives up at once', async () => {
    const { reached, release, wait } = gate();
    const slow = write(
      url,
      { table: 'held', create_table: true },
      streamOf(columns, people(1, 20), { batchSize: 10, beforeBatch: (b) => (b === 1 ? wait() : undefined) }),
    );
    await reached;
    const controller = new AbortController();
    const waiting = caught(
      write(url, { table: 'held', create_table: true }, streamOf(columns, people(100, 1)), {
        signal: controller.signal,
      }),
    );
    controller.abort(new Error('interrupted'));
    expect((await waiting).reason).toBe('CONNECTOR_ABORTED');
    release();
    expect(await slow).toEqual({ rowsWritten: 20 });
  });
});

describe('pglite:// loads in blobs', { timeout: 60_000 }, () => {
  sharedFolder();
  const many = people(1, 60_000);

  it('loads more rows than one blob holds', async () => {
    const result = await write(url, { table: 'big', create_table: true }, streamOf(columns, many));
    expect(result).toEqual({ rowsWritten: 60_000 });
    const merged = await write(
      url,
      { table: 'big', write_mode: 'merge', merge_keys: ['id'] },
      streamOf(columns, people(30_001, 60_000, '-v2')),
    );
    expect(merged).toEqual({ rowsWritten: 60_000, inserted: 30_000, updated: 30_000 });
    const { rows } = await collect(await read(url, { table: 'big', columns: ['id'] }, 10_000));
    expect(rows.length).toBe(90_000);
  });

  it.each(['append', 'merge'])('%s: a row rejected in a later blob leaves the table unchanged', async (mode) => {
    await write(
      url,
      { table: 'guarded', create_table: true, write_mode: 'merge', merge_keys: ['id'] },
      streamOf(columns, people(1, 10)),
    );
    const rows = many.map((r, i) => (i === 55_000 ? [r[0], 'bad', 'not a number'] : [Number(r[0]) + 10, r[1], r[2]]));
    const err = await caught(
      write(url, { table: 'guarded', write_mode: mode, merge_keys: ['id'] }, streamOf(columns, rows)),
    );
    expect(err.reason).toBe('CONNECTOR_WRITE_FAILED');
    expect(err.message).toContain('not a number');
    expect(err.message).toContain('rolled back');
    const { rows: left } = await collect(await read(url, { table: 'guarded', columns: ['id'] }));
    expect(left.length).toBe(10);
  });
});
