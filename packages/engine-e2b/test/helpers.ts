// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, type RunManifest, type StepConfig } from '@osiris/compiler';
import { loadRegistry } from '@osiris/registry';
import type { RunLogLine } from '@osiris/runner';
import { type Connection, createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import type { LineOutput } from '../src/engine';
import { localProcessSandboxFactory } from '../src/local-sandbox';
import type { Sandbox, SandboxCommandOptions, SandboxCreateOptions, SandboxFactory } from '../src/sandbox';

export const registry = loadRegistry();

export const MYSQL = { host: '127.0.0.1', port: 3306 } as const;
export const PG = { host: '127.0.0.1', port: 5432 } as const;

function uniqueName(): string {
  return `osiris_e2b_${randomBytes(5).toString('hex')}`;
}

/** A fresh MariaDB database for one test file; fails loudly when MariaDB is not running. */
export async function createMysqlDatabase(): Promise<{
  name: string;
  url: string;
  admin: Connection;
  drop: () => Promise<void>;
}> {
  const name = uniqueName();
  let admin: Connection;
  try {
    admin = await createConnection({ ...MYSQL, user: 'root', multipleStatements: true });
  } catch (error) {
    throw new Error(
      `These tests need MariaDB/MySQL on ${MYSQL.host}:${MYSQL.port} (user root, empty password): ${String(error)}`,
    );
  }
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.query(`USE \`${name}\``);
  return {
    name,
    url: `mysql://root@${MYSQL.host}:${MYSQL.port}/${name}`,
    admin,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/** A fresh PostgreSQL database for one test file; fails loudly when PostgreSQL is not running. */
export async function createPgDatabase(): Promise<{
  name: string;
  url: string;
  admin: Client;
  drop: () => Promise<void>;
}> {
  const name = uniqueName();
  const root = new Client({ ...PG, user: 'postgres', database: 'postgres' });
  try {
    await root.connect();
  } catch (error) {
    throw new Error(
      `These tests need PostgreSQL on ${PG.host}:${PG.port} (user postgres, trust auth): ${String(error)}`,
    );
  }
  await root.query(`CREATE DATABASE ${name}`);
  const admin = new Client({ ...PG, user: 'postgres', database: name });
  await admin.connect();
  return {
    name,
    url: `postgresql://postgres@${PG.host}:${PG.port}/${name}`,
    admin,
    drop: async () => {
      await admin.end();
      await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await root.end();
    },
  };
}

/** Compiles a pipeline; fails the test on any error diagnostic. */
export function compilePipeline(oml: string): { manifest: RunManifest; configs: Readonly<Record<string, StepConfig>> } {
  const result = compile(oml, { registry, engine: 'e2b' });
  if (result.manifest === undefined) {
    throw new Error(`the test pipeline does not compile: ${JSON.stringify(result.diagnostics, null, 2)}`);
  }
  return { manifest: result.manifest, configs: result.configs };
}

/** A MariaDB table copied into a Postgres table. */
export function copyPipeline(options: {
  mysqlDb: string;
  source: string;
  target: string;
  chunkSize?: number;
  columns?: readonly string[];
}): string {
  const columns = options.columns === undefined ? '' : `, columns: [${options.columns.join(', ')}]`;
  return [
    'version: 0.0.1',
    'name: e2b_copy',
    'params:',
    `  chunk_size: ${options.chunkSize ?? 100}`,
    'sources:',
    '  - id: src',
    '    type: mysql.table',
    '    connection: "@mysql"',
    '    mode: read',
    `    options: { schema: ${options.mysqlDb}, table: ${options.source}${columns} }`,
    'sinks:',
    '  - id: dst',
    '    type: supabase.table',
    '    connection: "@supabase"',
    '    mode: write',
    `    options: { schema: public, table: ${options.target}, write_mode: append }`,
    '',
  ].join('\n');
}

/** An output stream that keeps every line written to it. */
export function captureOutput(onLine?: (line: string) => void): LineOutput & { lines: string[]; text(): string } {
  const lines: string[] = [];
  let rest = '';
  return {
    lines,
    text: () => lines.join('\n'),
    write(text: string) {
      rest += text;
      let newline = rest.indexOf('\n');
      while (newline >= 0) {
        const line = rest.slice(0, newline);
        rest = rest.slice(newline + 1);
        lines.push(line);
        onLine?.(line);
        newline = rest.indexOf('\n');
      }
      return true;
    },
  };
}

export interface Recorded {
  readonly creates: SandboxCreateOptions[];
  readonly uploads: Map<string, string>;
  readonly commands: { cmd: string; options: SandboxCommandOptions }[];
  readonly reads: string[];
  kills: number;
}

/** Wraps a factory and records what the engine does with the sandboxes it makes. */
export function recordingFactory(inner: SandboxFactory = localProcessSandboxFactory()): {
  factory: SandboxFactory;
  recorded: Recorded;
} {
  const recorded: Recorded = { creates: [], uploads: new Map(), commands: [], reads: [], kills: 0 };
  const factory: SandboxFactory = async (options) => {
    recorded.creates.push(options);
    const sandbox = await inner(options);
    const wrapped: Sandbox = {
      files: {
        write: (path, data) => {
          recorded.uploads.set(path, data);
          return sandbox.files.write(path, data);
        },
        read: (path) => {
          recorded.reads.push(path);
          return sandbox.files.read(path);
        },
      },
      commands: {
        run: (cmd, options) => {
          recorded.commands.push({ cmd, options: options ?? {} });
          return sandbox.commands.run(cmd, options);
        },
      },
      kill: () => {
        recorded.kills += 1;
        return sandbox.kill();
      },
    };
    return wrapped;
  };
  return { factory, recorded };
}

export function tempDir(prefix = 'osiris-e2b-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function logLines(runDir: string): RunLogLine[] {
  return readFileSync(join(runDir, 'run.log.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RunLogLine);
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every file under a folder, with its content. */
export function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [{ path: full, text: readFileSync(full, 'utf8') }];
  });
}

/** Row count and an order-independent checksum of a Postgres table. */
export async function fingerprint(admin: Client, table: string): Promise<{ count: number; md5: string }> {
  const { rows } = await admin.query<{ count: string; md5: string }>(
    `SELECT count(*) AS count, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${table} t`,
  );
  const row = rows[0] as { count: string; md5: string };
  return { count: Number(row.count), md5: row.md5 };
}
