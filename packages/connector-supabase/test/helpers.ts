// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnDescriptor, ColumnKind, Row, TabularStream } from '@osiris/runner';
import { makeStepContext, textBatchOf } from '@osiris/test-utils';

import { Client } from 'pg';
import { acquireEmbedded, embeddedUsers } from '../src/embedded-database';

export type { LogEntry } from '@osiris/test-utils';
export { caught, collect } from '@osiris/test-utils';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;

/** A fresh database for one test file; connecting fails loudly when Postgres is not running. */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  admin: Client;
  drop: () => Promise<void>;
}> {
  const name = `osiris_t_${randomBytes(5).toString('hex')}`;
  const root = new Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: 'postgres' });
  try {
    await root.connect();
  } catch (err) {
    throw new Error(`These tests need PostgreSQL on ${PG_HOST}:${PG_PORT} (user postgres, trust auth): ${String(err)}`);
  }
  await root.query(`CREATE DATABASE ${name}`);
  const admin = new Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: name });
  await admin.connect();
  return {
    name,
    url: `postgresql://postgres@${PG_HOST}:${PG_PORT}/${name}`,
    admin,
    drop: async () => {
      await admin.end();
      await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await root.end();
    },
  };
}

/** Runs SQL as a test's superuser, rows as objects with pg's default parsing (int8 and numeric as strings, bytea as Buffer). */
export interface TestAdmin {
  // biome-ignore lint/suspicious/noExplicitAny: rows of any shape, as pg returns them.
  query(sql: string): Promise<{ rows: any[] }>;
}

/** A fresh database for one suite, on a server or embedded. */
export interface TestDatabase {
  readonly url: string;
  readonly admin: TestAdmin;
  /** Connector sessions still open: server sessions named osiris; PGlite users beside the admin (or leaked cursors). */
  openSessions(): Promise<number>;
  drop(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  readonly embedded: boolean;
  create(): Promise<TestDatabase>;
}

const postgres: Backend = {
  name: 'PostgreSQL',
  embedded: false,
  async create() {
    const db = await createTestDatabase();
    return {
      url: db.url,
      admin: { query: (sql) => db.admin.query(sql) },
      openSessions: async () => {
        const { rows } = await db.admin.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'osiris'",
        );
        return rows[0]?.n as number;
      },
      drop: db.drop,
    };
  },
};

const ADMIN_PARSERS = {
  20: (v: string) => v, // int8 as a string, as pg gives it
  17: (v: string) => Buffer.from(v.slice(2), 'hex'), // bytea (hex output) as a Buffer
};

/** An embedded database in memory (`dataDir` undefined) or in a folder; the admin's handle keeps it open. */
export async function createEmbeddedDatabase(dataDir: string | undefined, cleanup?: () => void): Promise<TestDatabase> {
  const handle = await acquireEmbedded(dataDir);
  const { db, lock } = handle.database;
  const admin: TestAdmin = {
    query: async (sql) => {
      const release = await lock.acquire();
      try {
        const results = await db.exec(sql, { parsers: ADMIN_PARSERS });
        return { rows: results[results.length - 1]?.rows ?? [] };
      } finally {
        release();
      }
    },
  };
  return {
    url: dataDir === undefined ? 'pglite://memory' : `pglite://${dataDir}`,
    admin,
    openSessions: async () => {
      // Sessions beside the admin's; with none left, a cursor still declared is one that leaked.
      const sessions = embeddedUsers(dataDir) - 1;
      if (sessions > 0) return sessions;
      const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_cursors');
      return rows[0]?.n as number;
    },
    drop: async () => {
      await handle.release();
      cleanup?.();
    },
  };
}

/** A new temporary folder (removed by the returned function). */
export function tempFolder(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'osiris-pglite-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const pgliteMemory: Backend = {
  name: 'PGlite in memory',
  embedded: true,
  create: () => createEmbeddedDatabase(undefined),
};

const pgliteFolder: Backend = {
  name: 'PGlite in a folder',
  embedded: true,
  create: () => {
    const folder = tempFolder();
    return createEmbeddedDatabase(join(folder.path, 'db'), folder.remove);
  },
};

/** Every backend the shared suites run on. */
export const BACKENDS: readonly Backend[] = [postgres, pgliteMemory, pgliteFolder];

/** A step context for calling the connector directly (step id `dst` unless given). */
export function makeCtx(
  connection: Record<string, string>,
  options: { chunkSize?: number; signal?: AbortSignal; stepId?: string } = {},
) {
  return makeStepContext(connection, { stepId: 'dst', ...options });
}

export function col(
  name: string,
  kind: ColumnKind,
  nativeType: string,
  extra: Partial<Omit<ColumnDescriptor, 'name' | 'kind' | 'nativeType'>> = {},
): ColumnDescriptor {
  return { name, kind, nativeType, nullable: true, ...extra };
}

/** A value as a text-protocol source sends it: numbers as their digits, bytes as they are. */
const asText = (v: unknown): string | Uint8Array | null =>
  v === null || v === undefined ? null : v instanceof Uint8Array ? v : String(v);

/**
 * A hand-built input: the rows in batches of `batchSize`, optionally failing
 * or running a hook before a batch. With `text`, it also offers the rows as
 * text batches (`true`: each value as {@link asText} prints it; or the text
 * rows to send, e.g. bytes that are not UTF-8).
 */
export function streamOf(
  columns: readonly ColumnDescriptor[],
  rows: readonly Row[],
  options: {
    batchSize?: number;
    failBeforeBatch?: number;
    beforeBatch?: (index: number) => void | Promise<void>;
    text?: true | readonly (readonly (string | Uint8Array | null)[])[];
  } = {},
): TabularStream & { pulled: () => number; returned: () => boolean } {
  const size = options.batchSize ?? 1000;
  let pulled = 0;
  let returned = false;
  async function* gen<B>(make: (from: number, to: number) => B): AsyncGenerator<B> {
    try {
      for (let i = 0, b = 0; i < rows.length; i += size, b++) {
        await options.beforeBatch?.(b);
        if (options.failBeforeBatch === b) throw new Error('source connection dropped (simulated)');
        pulled++;
        yield make(i, i + size);
      }
    } finally {
      returned = true;
    }
  }
  const stream = {
    columns,
    batches: gen((from, to) => rows.slice(from, to).map((r) => [...r])),
    pulled: () => pulled,
    returned: () => returned,
  };
  const { text } = options;
  if (text === undefined) return stream;
  const textRows = text === true ? rows.map((r) => r.map(asText)) : text;
  return { ...stream, textBatches: gen((from, to) => textBatchOf(textRows.slice(from, to))) };
}

/** Row count and an order-independent checksum of a table's contents. */
export async function fingerprint(admin: TestAdmin, table: string): Promise<{ count: number; md5: string }> {
  const { rows } = await admin.query(
    `SELECT count(*) AS count, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${table} t`,
  );
  const row = rows[0] as { count: string; md5: string };
  return { count: Number(row.count), md5: row.md5 };
}
