// SPDX-License-Identifier: MIT
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type {
  ColumnDescriptor,
  ColumnKind,
  Connector,
  DiscoveredTable,
  Row,
  StepContext,
  TabularStream,
} from '@osiris/runner';

/** The code of the toy's one transient error, as a driver's "too many connections". */
export const TOY_BUSY = 'TOY_BUSY';

/** A toy table on disk: `<folder>/<table>.json`. */
interface ToyTable {
  readonly columns: readonly { readonly name: string; readonly kind: ColumnKind }[];
  readonly rows: readonly Row[];
}

const SCHEME = 'toy://';

function configError(ctx: StepContext, message: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Config, `toy.table step '${ctx.stepId}': ${message}`, {
    hint: 'Point the connection at a folder: url: toy:///absolute/folder.',
  });
}

/** The folder a connection names (`toy:///abs/folder` → `/abs/folder`). */
function folderOf(connection: Readonly<Record<string, string>>): string | undefined {
  const url = connection.url ?? '';
  return url.toLowerCase().startsWith(SCHEME) && url.length > SCHEME.length ? url.slice(SCHEME.length) : undefined;
}

async function load(ctx: StepContext, file: string): Promise<ToyTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw configError(ctx, `no table at ${file}`);
  }
  return JSON.parse(text) as ToyTable;
}

/** Counts this read in `<table>.reads` and fails while the table is still busy. */
async function busy(ctx: StepContext, folder: string, table: string, busyTimes: number): Promise<void> {
  if (busyTimes <= 0) return;
  const counter = join(folder, `${table}.reads`);
  const reads = Number(await readFile(counter, 'utf8').catch(() => '0')) + 1;
  await writeFile(counter, String(reads));
  if (reads <= busyTimes) {
    ctx.reporter.log('info', `toy table ${table} is busy`, { read: reads });
    throw Object.assign(new Error(`the toy table ${table} is busy (read ${reads} of ${busyTimes} busy ones)`), {
      code: TOY_BUSY,
    });
  }
}

async function read(ctx: StepContext, config: Readonly<Record<string, unknown>>): Promise<TabularStream> {
  const folder = folderOf(ctx.connection);
  if (folder === undefined) throw configError(ctx, 'the connection url is not toy://<folder>');
  const table = String(config.table);
  await busy(ctx, folder, table, Number(config.busy_times ?? 0));
  const { columns, rows } = await load(ctx, join(folder, `${table}.json`));
  const chunkSize = ctx.chunkSize;
  async function* batches(): AsyncGenerator<Row[]> {
    for (let start = 0; start < rows.length; start += chunkSize) yield rows.slice(start, start + chunkSize);
  }
  return {
    columns: columns.map((column) => ({ ...column, nullable: true, nativeType: column.kind })),
    batches: batches(),
    estimatedRows: rows.length,
  };
}

async function write(
  ctx: StepContext,
  config: Readonly<Record<string, unknown>>,
  input: TabularStream,
): Promise<{ rowsWritten: number }> {
  const folder = folderOf(ctx.connection);
  if (folder === undefined) throw configError(ctx, 'the connection url is not toy://<folder>');
  const rows: Row[] = [];
  for await (const batch of input.batches) {
    if (ctx.signal.aborted) throw new OsirisError(OsirisErrorCode.Interrupted, 'the toy write was interrupted');
    rows.push(...batch);
  }
  const columns = input.columns.map(({ name, kind }: ColumnDescriptor) => ({ name, kind }));
  // All or nothing, as a database's transaction: the table is replaced in one rename.
  const file = join(folder, `${String(config.table)}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify({ columns, rows })}\n`);
  await rename(`${file}.tmp`, file);
  return { rowsWritten: rows.length };
}

async function discover(ctx: StepContext): Promise<DiscoveredTable[]> {
  const folder = folderOf(ctx.connection);
  if (folder === undefined) throw configError(ctx, 'the connection url is not toy://<folder>');
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort();
  const tables: DiscoveredTable[] = [];
  for (const name of names) {
    const { columns, rows } = await load(ctx, join(folder, name));
    tables.push({
      schema: 'toy',
      name: name.slice(0, -'.json'.length),
      approxRows: rows.length,
      columns: columns.map((column) => ({ ...column, nativeType: column.kind, nullable: true, primaryKey: false })),
    });
  }
  return tables;
}

/**
 * The `toy.table` component: a table is a JSON file in the folder its
 * connection names (`toy:///abs/folder`). It declares what every connector
 * declares: its URL scheme (`toy`), that a sandbox cannot reach a relative
 * folder, and that its `TOY_BUSY` errors are worth another attempt.
 */
export const toyConnector: Connector = {
  type: 'toy.table',
  modes: ['read', 'write'],
  capabilities: ['discovery'],
  urlSchemes: ['toy'],
  sandbox(connection) {
    const folder = folderOf(connection);
    return folder !== undefined && !isAbsolute(folder)
      ? `the folder ${folder} is relative to the working directory of this machine, which a sandbox does not share`
      : undefined;
  },
  isTransient: (error) => (error as { code?: unknown }).code === TOY_BUSY,
  read,
  write,
  discover,
};
