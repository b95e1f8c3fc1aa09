// SPDX-License-Identifier: MIT
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnDescriptor, ColumnKind, LogLevel, Row, StepContext, TabularStream } from '@osiris/runner';
import { afterEach, beforeEach } from 'vitest';

export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
}

/** A fresh temporary folder for each test of the calling file, removed afterwards. */
export function useTempDir(): { readonly path: string } {
  const holder = { path: '' };
  beforeEach(async () => {
    holder.path = await mkdtemp(join(tmpdir(), 'osiris-fs-'));
  });
  afterEach(async () => {
    await rm(holder.path, { recursive: true, force: true });
  });
  return holder;
}

export function makeCtx(
  options: { baseDir?: string; chunkSize?: number; signal?: AbortSignal; stepId?: string } = {},
): { ctx: StepContext; logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  return {
    logs,
    ctx: {
      stepId: options.stepId ?? 'step',
      connection: options.baseDir === undefined ? {} : { base_dir: options.baseDir },
      chunkSize: options.chunkSize ?? 1000,
      signal: options.signal ?? new AbortController().signal,
      reporter: { log: (level, message) => logs.push({ level, message }) },
    },
  };
}

export function columns(spec: Record<string, ColumnKind>): ColumnDescriptor[] {
  return Object.entries(spec).map(([name, kind]) => ({ name, kind, nullable: true, nativeType: kind }));
}

/** A stream of the given rows in batches of `batchSize`. */
export function streamOf(cols: readonly ColumnDescriptor[], rows: readonly Row[], batchSize = 2): TabularStream {
  return {
    columns: cols,
    batches: (async function* () {
      for (let i = 0; i < rows.length; i += batchSize) yield rows.slice(i, i + batchSize);
    })(),
  };
}

export async function collect(stream: TabularStream): Promise<{ batches: Row[][]; rows: Row[] }> {
  const batches: Row[][] = [];
  for await (const batch of stream.batches) batches.push(batch);
  return { batches, rows: batches.flat() };
}

/** Files in a folder, to check that no temporary file was left behind. */
export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
