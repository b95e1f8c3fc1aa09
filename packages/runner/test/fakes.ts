// SPDX-License-Identifier: MIT
import type { RunManifest, StepConfig } from '@osiris/compiler';
import type { Connector, DiscoveredTable, Row, StepContext } from '../src/contracts';
import type { Engine } from '../src/engine';
import { createInProcessEngine } from '../src/in-process';
import { DEFAULT_RUN_SETTINGS, type RunSettings } from '../src/settings';

export const fingerprint = `sha256-${'0'.repeat(64)}`;

/** A two-step pipeline: `src` (mysql.table, read @mysql) → `dst` (supabase.table, write @supabase). */
export function pipeline(chunkSize?: number): { manifest: RunManifest; configs: Map<string, StepConfig> } {
  const manifest: RunManifest = {
    apiVersion: 'osiris.v1',
    kind: 'RunManifest',
    pipeline: 'orders_copy',
    fingerprints: { oml: fingerprint, registry: fingerprint },
    steps: [
      {
        id: 'src',
        component: 'mysql.table',
        component_version: '0.1.0',
        mode: 'read',
        cfg: 'cfg/src.json',
        produces: 'tabular',
      },
      {
        id: 'dst',
        component: 'supabase.table',
        component_version: '0.1.0',
        mode: 'write',
        cfg: 'cfg/dst.json',
        consumes: 'tabular',
        needs: ['src'],
      },
    ],
    execution: { engine: 'local', params: chunkSize === undefined ? {} : { chunk_size: chunkSize } },
  };
  const configs = new Map<string, StepConfig>([
    ['src', { id: 'src', component: 'mysql.table', mode: 'read', connection: '@mysql', options: { table: 'orders' } }],
    [
      'dst',
      {
        id: 'dst',
        component: 'supabase.table',
        mode: 'write',
        connection: '@supabase',
        options: { table: 'orders', write_mode: 'append' },
      },
    ],
  ]);
  return { manifest, configs };
}

export const connections = new Map([
  ['@mysql', { url: 'mysql://app:pw-mysql@db:3306/shop' }],
  ['@supabase', { url: 'postgresql://svc:pw-pg@pooler:6543/postgres' }],
]);

export interface FakeSourceOptions {
  readonly type?: string;
  readonly modes?: readonly ('read' | 'write')[];
  readonly capabilities?: readonly string[];
  readonly rows?: number;
  readonly batchSize?: number;
  /** Thrown by read() on the given attempt (1-based) when it returns an error. */
  readonly readError?: (attempt: number, ctx: StepContext) => unknown;
  /** Thrown while streaming, before the batch with this index. */
  readonly failAtBatch?: { readonly index: number; readonly error: unknown };
  readonly onBatch?: (index: number, ctx: StepContext) => void | Promise<void>;
  readonly tables?: readonly DiscoveredTable[];
  /** The connector's verdict on its driver's errors (`Connector.isTransient`). */
  readonly isTransient?: (error: unknown) => boolean;
}

export interface FakeSource extends Connector {
  reads: number;
  closed: number;
  discovers: number;
}

export function fakeSource(options: FakeSourceOptions = {}): FakeSource {
  const total = options.rows ?? 25;
  const batchSize = options.batchSize ?? 10;
  const source: FakeSource = {
    type: options.type ?? 'mysql.table',
    modes: options.modes ?? ['read'],
    capabilities: options.capabilities ?? ['discovery'],
    ...(options.isTransient === undefined ? {} : { isTransient: options.isTransient }),
    reads: 0,
    closed: 0,
    discovers: 0,
    async read(ctx) {
      source.reads += 1;
      const error = options.readError?.(source.reads, ctx);
      if (error !== undefined) throw error;
      async function* batches(): AsyncGenerator<Row[]> {
        try {
          let index = 0;
          for (let start = 0; start < total; start += batchSize, index += 1) {
            if (options.failAtBatch?.index === index) throw options.failAtBatch.error;
            await options.onBatch?.(index, ctx);
            const batch: Row[] = [];
            for (let id = start; id < Math.min(total, start + batchSize); id += 1) batch.push([id, `name ${id}`]);
            yield batch;
          }
        } finally {
          source.closed += 1;
        }
      }
      return {
        columns: [
          { name: 'id', kind: 'integer', nullable: false, nativeType: 'int' },
          { name: 'name', kind: 'text', nullable: true, nativeType: 'varchar(50)' },
        ],
        batches: batches(),
      };
    },
    async discover() {
      source.discovers += 1;
      return [...(options.tables ?? [])];
    },
  };
  return source;
}

export interface FakeSinkOptions {
  readonly type?: string;
  readonly modes?: readonly ('read' | 'write')[];
  readonly capabilities?: readonly string[];
  readonly writeError?: (attempt: number, ctx: StepContext) => unknown;
  /** Thrown once this many rows are staged (a rejected row halfway through). */
  readonly failAfterRows?: { readonly rows: number; readonly error: (ctx: StepContext) => unknown };
  /** The connector's verdict on its driver's errors (`Connector.isTransient`). */
  readonly isTransient?: (error: unknown) => boolean;
}

export interface FakeSink extends Connector {
  writes: number;
  rolledBack: number;
  committed: Row[];
}

/** A transactional in-memory sink: rows are staged and committed only when the input ends. */
export function fakeSink(options: FakeSinkOptions = {}): FakeSink {
  const sink: FakeSink = {
    type: options.type ?? 'supabase.table',
    modes: options.modes ?? ['read', 'write'],
    capabilities: options.capabilities ?? ['discovery'],
    ...(options.isTransient === undefined ? {} : { isTransient: options.isTransient }),
    writes: 0,
    rolledBack: 0,
    committed: [],
    async write(ctx, _config, input) {
      sink.writes += 1;
      const staged: Row[] = [];
      try {
        const error = options.writeError?.(sink.writes, ctx);
        if (error !== undefined) throw error;
        for await (const batch of input.batches) {
          if (ctx.signal.aborted) throw new Error('aborted');
          staged.push(...batch);
          if (options.failAfterRows !== undefined && staged.length >= options.failAfterRows.rows) {
            throw options.failAfterRows.error(ctx);
          }
        }
        sink.committed.push(...staged);
        return { rowsWritten: staged.length };
      } catch (error) {
        sink.rolledBack += 1;
        throw error;
      }
    },
  };
  return sink;
}

export function codeError(code: string, message = `connect ${code} 10.0.0.1:3306`): Error {
  return Object.assign(new Error(message), { code });
}

/** A connector's `isTransient` that calls errors with one of these driver codes transient. */
export function transientCodes(...codes: string[]): (error: unknown) => boolean {
  return (error) => codes.includes(String((error as { code?: unknown }).code));
}

/** An engine named `test` that runs the connectors it is given (or the context's) in process. */
export function testEngine(connectors: readonly Connector[] = []): Engine {
  return createInProcessEngine(connectors, { name: 'test' });
}

/** Settings for fast tests: a retry after 1 ms, a progress event for every batch. */
export const fastSettings: RunSettings = { ...DEFAULT_RUN_SETTINGS, retryBaseDelayMs: 1, progressIntervalMs: 0 };
