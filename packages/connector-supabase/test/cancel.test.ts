// SPDX-License-Identifier: MIT
import type { Row } from '@osiris/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supabaseTableConnector } from '../src/index';
import { caught, col, collect, createTestDatabase, makeCtx, streamOf } from './helpers';

// Closing the socket does not stop a statement that is running on the server: the backend notices
// only when it next talks to the client, and keeps its locks until then. An abort must cancel it.

let db: Awaited<ReturnType<typeof createTestDatabase>>;

const write = supabaseTableConnector.write as NonNullable<typeof supabaseTableConnector.write>;
const read = supabaseTableConnector.read as NonNullable<typeof supabaseTableConnector.read>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await sleep(20);
  }
  throw new Error(`${what}: still not so after ${timeoutMs} ms`);
}

/** The connector's backends that are running a statement. */
async function busyBackends(): Promise<{ pid: number; query: string; wait_event: string | null }[]> {
  const { rows } = await db.admin.query(
    "SELECT pid, query, wait_event FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'osiris' AND state = 'active'",
  );
  return rows;
}

async function locksOn(table: string): Promise<number> {
  const { rows } = await db.admin.query(
    `SELECT count(*)::int AS n FROM pg_locks WHERE relation = '${table}'::regclass AND pid <> pg_backend_pid()`,
  );
  return rows[0].n;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query(`CREATE TABLE target (id int PRIMARY KEY, v text);
    -- An upsert that takes half a minute: the server is busy long after the client has gone.
    CREATE FUNCTION sleepy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
    CREATE TRIGGER sleepy BEFORE INSERT ON target FOR EACH STATEMENT EXECUTE FUNCTION sleepy();
    CREATE VIEW slow_view AS SELECT i AS id FROM generate_series(1, 30) AS i WHERE pg_sleep(1) IS NOT NULL;`);
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe('an abort cancels the statement running on the server', () => {
  it("during a merge's upsert: the backend stops at once and the target's locks are released", async () => {
    const controller = new AbortController();
    const { ctx } = makeCtx({ url: db.url }, { signal: controller.signal });
    const rows: Row[] = Array.from({ length: 100 }, (_, i) => [i + 1, `v${i}`]);
    const writing = write(
      ctx,
      { table: 'target', write_mode: 'merge', merge_keys: ['id'] },
      streamOf([col('id', 'integer', 'int'), col('v', 'text', 'text')], rows),
    );
    await waitFor(
      'the upsert sleeps in its trigger',
      async () => (await busyBackends()).some((b) => b.wait_event === 'PgSleep' && /^INSERT INTO/.test(b.query)),
      10_000,
    );
    controller.abort(new Error('interrupted'));
    expect((await caught(writing)).reason).toBe('CONNECTOR_ABORTED');
    await waitFor('the backend is no longer busy', async () => (await busyBackends()).length === 0, 1000);
    await waitFor('the target has no lock', async () => (await locksOn('target')) === 0, 1000);
    expect((await db.admin.query('SELECT count(*)::int AS n FROM target')).rows[0].n).toBe(0);
  });

  it('during a FETCH of a read: the backend stops at once', async () => {
    const controller = new AbortController();
    const { ctx } = makeCtx({ url: db.url }, { signal: controller.signal, stepId: 'src' });
    const stream = await read(ctx, { table: 'slow_view' });
    const reading = collect(stream);
    await waitFor(
      'the FETCH sleeps',
      async () => (await busyBackends()).some((b) => b.wait_event === 'PgSleep' && /^FETCH/.test(b.query)),
      10_000,
    );
    controller.abort(new Error('interrupted'));
    expect((await caught(reading)).reason).toBe('CONNECTOR_ABORTED');
    await waitFor('the backend is no longer busy', async () => (await busyBackends()).length === 0, 1000);
  });
});
