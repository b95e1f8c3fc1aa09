// SPDX-License-Identifier: MIT
// What a user sees of a Postgres → Postgres merge while it runs: the runner's progress display fed by the
// connector's estimate of the source's rows and by its phase report once the upsert starts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '@osiris/registry';
import { createInProcessEngine, type RunLogLine, type RunManifestOptions, runManifest } from '@osiris/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supabaseTableConnector } from '../src/index';
import { createTestDatabase, makeCtx } from './helpers';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;
type Pipeline = Pick<RunManifestOptions, 'manifest' | 'configs'>;
let src: Db;
let dst: Db;
const home = mkdtempSync(join(tmpdir(), 'osiris-progress-'));
const ROWS = 20_000;
const registry = loadRegistry();
const engine = createInProcessEngine([supabaseTableConnector]);

beforeAll(async () => {
  [src, dst] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await src.admin.query(`CREATE TABLE people (id int4 PRIMARY KEY, name text NOT NULL);
    INSERT INTO people SELECT g, 'name ' || g FROM generate_series(1, ${ROWS}) g;
    ANALYZE people`);
  // The upsert into the target takes at least 0.6 s: long enough to be seen, whatever the machine's load.
  await dst.admin.query(`CREATE TABLE people (id int4 PRIMARY KEY, name text NOT NULL);
    CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.6); RETURN NULL; END $$;
    CREATE TRIGGER slow BEFORE INSERT ON people FOR EACH STATEMENT EXECUTE FUNCTION slow()`);
});

afterAll(async () => {
  await Promise.all([src?.drop(), dst?.drop()]);
  rmSync(home, { recursive: true, force: true });
});

function pipeline(): Pipeline {
  const step = { component: 'supabase.table', component_version: '0.1.0' } as const;
  return {
    manifest: {
      apiVersion: 'osiris.v1',
      kind: 'RunManifest',
      pipeline: 'people_merge',
      fingerprints: { oml: `sha256-${'0'.repeat(64)}`, registry: `sha256-${'0'.repeat(64)}` },
      steps: [
        { ...step, id: 'src', mode: 'read', cfg: 'cfg/src.json', produces: 'tabular' },
        { ...step, id: 'dst', mode: 'write', cfg: 'cfg/dst.json', consumes: 'tabular', needs: ['src'] },
      ],
      execution: { engine: 'local', params: { chunk_size: 500 } },
    },
    configs: {
      src: { id: 'src', component: step.component, mode: 'read', connection: '@src', options: { table: 'people' } },
      dst: {
        id: 'dst',
        component: step.component,
        mode: 'write',
        connection: '@dst',
        options: { table: 'people', write_mode: 'merge', merge_keys: ['id'] },
      },
    },
  };
}

/** Runs the merge with a progress display on a stream that notes when each write came. */
async function run(isTTY: boolean, intervalMs?: number) {
  const writes: { at: number; text: string }[] = [];
  const stream = { write: (text: string) => writes.push({ at: performance.now(), text }) };
  const result = await runManifest({
    ...pipeline(),
    engine,
    registry,
    runsDir: join(home, 'runs'),
    env: { OSIRIS_CONN__SRC__URL: src.url, OSIRIS_CONN__DST__URL: dst.url },
    progress: { stream, isTTY, ...(intervalMs === undefined ? {} : { intervalMs }) },
    settings: { progressIntervalMs: 0 },
  });
  expect(result.status, result.error?.message).toBe('succeeded');
  const log = readFileSync(join(result.runDir, 'run.log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RunLogLine);
  return { writes, text: writes.map((w) => w.text).join(''), log };
}

describe('progress of a merge', () => {
  it('reads an estimate of the rows from the table statistics, except through a filter', async () => {
    const all = await supabaseTableConnector.read?.(makeCtx({ url: src.url }).ctx, { table: 'people' });
    expect(all?.estimatedRows).toBe(ROWS);
    await all?.batches[Symbol.asyncIterator]().return?.();
    const some = await supabaseTableConnector.read?.(makeCtx({ url: src.url }).ctx, {
      table: 'people',
      filters: [{ column: 'id', op: 'lt', value: 10 }],
    });
    expect(some?.estimatedRows).toBeUndefined();
    await some?.batches[Symbol.asyncIterator]().return?.();
  });

  it('on a terminal: the approximate total and the time left, then "merging…" while the upsert runs', async () => {
    const { text, log } = await run(true);
    expect(text).toMatch(
      /src → dst {2}[\d,]+ of ~20,000 rows \(\d+%\) {2}[\d,]+ rows\/s {2}\d\d:\d\d {2}about \d\d:\d\d left/,
    );
    expect(text).toMatch(/src → dst {2}20,000 rows {2}merging… {2}\d\d:\d\d/);
    expect(text).toMatch(/src → dst {2}20,000 rows {2}[\d,]+ rows\/s {2}\d\d:\d\d\n$/);
    expect(log).toContainEqual(
      expect.objectContaining({ step: 'dst', event: 'phase', phase: 'merging', rows_read: ROWS }),
    );
  });

  it('in a log: whole lines, at most one per interval, and the phase among them', async () => {
    const intervalMs = 100;
    const { writes, text } = await run(false, intervalMs);
    expect(text).not.toContain('\r');
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) expect(write.text).toMatch(/^src → dst {2}.*\n$/);
    for (let i = 1; i < writes.length; i += 1) {
      expect((writes[i]?.at ?? 0) - (writes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(intervalMs - 1);
    }
    expect(text).toContain('merging…');
  });

  it('is silent in a log when the run is shorter than the interval', async () => {
    const { writes } = await run(false);
    expect(writes).toEqual([]);
  });

  it('the writer reports the merging phase only for a merge', async () => {
    const append = makeCtx({ url: dst.url });
    const columns = [
      { name: 'id', kind: 'integer', nullable: false, nativeType: 'int4' },
      { name: 'name', kind: 'text', nullable: false, nativeType: 'text' },
    ] as const;
    const rows = async function* () {
      yield [[ROWS + 1, 'new']];
    };
    await supabaseTableConnector.write?.(append.ctx, { table: 'people' }, { columns, batches: rows() });
    expect(append.phases).toEqual([]);
    const merge = makeCtx({ url: dst.url });
    const options = { table: 'people', write_mode: 'merge', merge_keys: ['id'] };
    await supabaseTableConnector.write?.(merge.ctx, options, { columns, batches: rows() });
    expect(merge.phases).toEqual(['merging']);
  });
});
