// SPDX-License-Identifier: MIT
import { open, readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { DiscoveredTable, DiscoverOptions, StepContext } from '@osiris/runner';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError } from '../errors';
import { type CsvFormat, DEFAULT_SAMPLE_ROWS } from './config';
import { abortedError, fileError } from './csv-source';
import { NATIVE_TYPES } from './kinds';
import { baseDirOf, realPathFor, resolveInside } from './paths';
import { openTable } from './table';

const CSV_FILE = /\.(csv|tsv)$/i;
const CANDIDATES = [',', ';', '\t', '|'];

/** The delimiter of a file's first line: the most frequent of `,` `;` tab `|` outside quotes (`,` when none). */
export async function sniffDelimiter(file: string): Promise<string> {
  if (extname(file).toLowerCase() === '.tsv') return '\t';
  const handle = await open(file, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  const counts = new Map<string, number>();
  let quoted = false;
  for (const char of head) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && CANDIDATES.includes(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  let most = 0;
  for (const candidate of CANDIDATES) {
    const count = counts.get(candidate) ?? 0;
    if (count > most) {
      best = candidate;
      most = count;
    }
  }
  return best;
}

/** The path to put in `options.path`: relative to base_dir, with forward slashes. */
function pathFor(base: string, file: string): string {
  return relative(base, file).split(sep).join('/');
}

async function describeFile(
  ctx: StepContext,
  base: string,
  folder: string,
  file: string,
  real: string,
): Promise<DiscoveredTable> {
  const format: CsvFormat = {
    delimiter: await sniffDelimiter(real),
    quote: '"',
    encoding: 'utf8',
    header: true,
    nullValue: '',
  };
  const table = await openTable({
    stepId: ctx.stepId,
    file: real,
    format,
    columns: undefined,
    sampleRows: DEFAULT_SAMPLE_ROWS,
    signal: ctx.signal,
    measureBytes: true,
  });
  table.source.close();
  const { source, sample } = table;
  let approxRows: number | null = sample.length;
  if (!table.complete) {
    // Rows ≈ the file's size divided by the bytes of an average record of the sample.
    approxRows = source.bytesRead > 0 ? Math.round((table.size / source.bytesRead) * source.records) - 1 : null;
  }
  return {
    schema: pathFor(base, folder) || '.',
    name: pathFor(base, file),
    approxRows,
    columns: table.columns.map((c) => ({
      name: c.name,
      kind: c.kind,
      nativeType: NATIVE_TYPES[c.kind],
      nullable: true,
      primaryKey: false,
    })),
  };
}

/**
 * `discover` of `filesystem.csv`: the `.csv` and `.tsv` files directly in the
 * connection's base_dir (or in its subfolder `schema`), or the one file named
 * by `table`, each with its columns and inferred types (header assumed,
 * delimiter sniffed from the first line, UTF-8) and an approximate row count.
 * A table's `name` is the path to put in `options.path`.
 */
export async function discoverCsv(ctx: StepContext, options: DiscoverOptions): Promise<DiscoveredTable[]> {
  const { stepId, signal, connection } = ctx;
  const base = baseDirOf(connection);
  const schema = options.schema ?? '.';
  const folder = resolveInside(stepId, connection, schema, 'schema');
  const realFolder = await realPathFor(stepId, connection, folder, schema, 'schema');
  if (options.table !== undefined) {
    const file = resolveInside(stepId, connection, options.table, 'table', folder);
    const real = await realPathFor(stepId, connection, file, options.table, 'table');
    return [await describeFile(ctx, base, folder, file, real)];
  }
  let names: string[];
  try {
    const entries = await readdir(realFolder, { withFileTypes: true });
    names = entries
      .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && CSV_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (err) {
    const wrapped = fileError(stepId, folder, err, 'read');
    throw new FilesystemConnectorError(
      wrapped.reason,
      stepId,
      `filesystem.csv step '${stepId}': cannot list the CSV files in ${folder}: ${wrapped.message.replace(/^[^:]*: /, '')}`,
      { cause: err, file: folder },
    );
  }
  const tables: DiscoveredTable[] = [];
  for (const name of names) {
    if (signal.aborted) throw abortedError(stepId, signal, 'read');
    const file = join(folder, name);
    try {
      // A link that leads out of base_dir is skipped like any file that cannot be read.
      const real = await realPathFor(stepId, connection, file, pathFor(base, file), 'file');
      tables.push(await describeFile(ctx, base, folder, file, real));
    } catch (err) {
      if (err instanceof FilesystemConnectorError && err.reason === FILESYSTEM_ERROR_REASONS.ABORTED) throw err;
      ctx.reporter.log('warn', `filesystem.csv: skipped ${name}: ${err instanceof Error ? err.message : String(err)}`, {
        step: stepId,
        file,
      });
    }
  }
  return tables;
}
