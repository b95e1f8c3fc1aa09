// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { createWriteStream, type Stats } from 'node:fs';
import { chmod, copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { ColumnDescriptor, Row, StepContext, TabularStream, WriteResult } from '@osiris/runner';
import { stringify } from 'csv-stringify';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError } from '../errors';
import { parseWriteConfig, type WriteConfig } from './config';
import { abortedError, CsvSource, fileError } from './csv-source';
import { realPathFor } from './paths';

/** A field with options for csv-stringify: a text that must be quoted so that it does not read back as NULL. */
interface QuotedCell {
  readonly value: string;
  readonly quoted?: true;
  readonly quoted_empty?: true;
}
type Cell = string | QuotedCell | null;

/** The rows to write could not be read: the source's error is the cause. */
class InputFailure extends OsirisError {
  override readonly name = 'InputFailure';
  constructor(message: string, options: { cause: unknown }) {
    super(OsirisErrorCode.Run, message, options);
  }
}

/** A character beyond U+00FF, which latin1 cannot encode. */
const NOT_LATIN1 = /[\u0100-\uffff]/;

function hex(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** A value in its kind's representation → the text of its field. */
function textOf(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      // String(-0) is "0": the sign of a float's zero would be lost.
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value instanceof Uint8Array) return hex(value);
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value) ?? String(value);
  }
}

/**
 * `write` of `filesystem.csv`: streams the rows through csv-stringify into a
 * temporary file next to the target and renames it over the target at the
 * end, so the target is either the old file or the complete new one. In
 * append mode the temporary file starts as a copy of the target.
 */
export async function writeCsv(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
  input: TabularStream,
): Promise<WriteResult> {
  const { stepId } = ctx;
  const parsed = parseWriteConfig(stepId, ctx.connection, rawConfig);
  const where = `filesystem.csv step '${stepId}'`;
  if (ctx.signal.aborted) throw abortedError(stepId, ctx.signal, 'write');
  // The temporary file goes next to the real target, so that the rename stays inside base_dir too.
  const config = { ...parsed, file: await realPathFor(stepId, ctx.connection, parsed.file, parsed.path) };
  const { file } = config;

  const existing = await statOrUndefined(stepId, file);
  if (existing?.isDirectory() === true) {
    throw new FilesystemConnectorError(
      FILESYSTEM_ERROR_REASONS.CONFIG_INVALID,
      stepId,
      `${where}: ${file} is a folder, not a file. Set options.path to a CSV file.`,
      { file },
    );
  }
  const folder = dirname(file);
  const folderInfo = await statOrUndefined(stepId, folder);
  if (folderInfo?.isDirectory() !== true) {
    throw new FilesystemConnectorError(
      FILESYSTEM_ERROR_REASONS.FILE_NOT_FOUND,
      stepId,
      `${where}: cannot write ${file}: the folder ${folder} does not exist. Create it first, or check options.path and the connection's base_dir.`,
      { file },
    );
  }

  const appending = config.writeMode === 'append' && existing !== undefined && existing.size > 0;
  const temporary = join(folder, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let rowsWritten = 0;
  try {
    const prefix = appending ? await appendPrefix(ctx, config, input.columns) : newFilePrefix(config);
    if (appending) await copyFile(file, temporary);
    const out = createWriteStream(temporary, {
      flags: appending ? 'a' : 'wx',
      encoding: config.encoding,
      flush: true,
    });
    if (prefix.length > 0) out.write(prefix);
    const stringifier = stringify({
      delimiter: config.delimiter,
      quote: config.quote,
      escape: config.quote,
      record_delimiter: 'unix',
      quote_record_delimiter: true,
      header: false,
      // Cells are strings already; an object is a string with quoting options.
      cast: { object: (value: object) => value as unknown as string },
    });
    // csv-stringify produces UTF-8; for another encoding the file stream encodes its text.
    if (config.encoding !== 'utf8') stringifier.setEncoding('utf8');
    const records = cells(ctx, config, input, appending || !config.header, (count) => {
      rowsWritten = count;
    });
    await pipeline(Readable.from(records), stringifier, out);
    if (ctx.signal.aborted) throw abortedError(stepId, ctx.signal, 'write');
    if (existing !== undefined && !appending) await chmod(temporary, existing.mode & 0o7777);
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw failure(ctx, file, err, rowsWritten);
  }
  return { rowsWritten };
}

async function statOrUndefined(stepId: string, path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT' || (err as { code?: unknown }).code === 'ENOTDIR') {
      return undefined;
    }
    throw fileError(stepId, path, err, 'write');
  }
}

/** What a new file starts with: a byte-order mark for UTF-16. */
function newFilePrefix(config: WriteConfig): Buffer {
  return config.encoding === 'utf16le' ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0);
}

/**
 * Before appending: the existing file's header must name the input's columns
 * (or, without a header, its records must have as many fields), and a missing
 * final line break is added before the new rows.
 */
async function appendPrefix(ctx: StepContext, config: WriteConfig, columns: readonly ColumnDescriptor[]) {
  const { stepId } = ctx;
  const { file } = config;
  const where = `filesystem.csv step '${stepId}'`;
  const names = columns.map((c) => c.name);
  // Only the header is compared (the rest is copied byte for byte), so bytes that are not UTF-8 do not matter here.
  const source = new CsvSource({ stepId, file, format: config, signal: ctx.signal, onInvalidUtf8: 'replace' });
  try {
    const first = await source.next();
    if (first !== undefined) {
      const found = first.values.map((value) => value ?? config.nullValue);
      const same = config.header
        ? found.length === names.length && found.every((name, i) => name === names[i])
        : found.length === names.length;
      if (!same) {
        const what = config.header
          ? `its header names ${found.map((n) => `'${n}'`).join(', ')}, the rows to append have ${names.map((n) => `'${n}'`).join(', ')}`
          : `its rows have ${found.length} field(s), the rows to append have ${names.length}`;
        throw new FilesystemConnectorError(
          FILESYSTEM_ERROR_REASONS.CONFIG_INVALID,
          stepId,
          `${where}: cannot append to ${file}: ${what}. Append rows with the same columns in the same order, or set write_mode: overwrite.`,
          { file, line: first.line },
        );
      }
    }
  } finally {
    source.close();
  }
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.min(2, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    const text = tail.toString(config.encoding === 'utf16le' ? 'utf16le' : 'latin1');
    const endsWithBreak = text.endsWith('\n') || text.endsWith('\r');
    return endsWithBreak ? Buffer.alloc(0) : Buffer.from('\n', config.encoding);
  } finally {
    await handle.close();
  }
}

/**
 * The records to write, pulled batch by batch from the input: the header
 * first (unless appending), then each row as cells. An abort ends it at once,
 * even while the input is waiting for its source.
 */
async function* cells(
  ctx: StepContext,
  config: WriteConfig,
  input: TabularStream,
  skipHeader: boolean,
  progress: (rows: number) => void,
): AsyncGenerator<Cell[], void, undefined> {
  const { stepId, signal } = ctx;
  const { nullValue } = config;
  const width = input.columns.length;
  const latin1 = config.encoding === 'latin1';
  const names = input.columns.map((c) => c.name);
  if (!skipHeader) {
    if (latin1) checkLatin1(ctx, config, names, 0, 'the header');
    yield names;
  }
  const iterator = input.batches[Symbol.asyncIterator]();
  // The next batch, or an abort as soon as it happens, even while the input waits for its source.
  // (A fresh listener per batch: racing one long-lived promise would keep every batch reachable.)
  const nextBatch = () =>
    new Promise<IteratorResult<Row[]>>((resolve, reject) => {
      const onAbort = () => reject(abortedError(stepId, signal, 'write'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      iterator.next().then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(new InputFailure('the input failed', { cause: err }));
        },
      );
    });
  let rows = 0;
  let finished = false;
  try {
    for (;;) {
      let result: IteratorResult<Row[]>;
      try {
        result = await nextBatch();
      } catch (err) {
        if (err instanceof InputFailure) finished = true;
        throw err;
      }
      if (result.done === true) {
        finished = true;
        return;
      }
      for (const row of result.value) {
        if (row.length !== width) {
          throw new FilesystemConnectorError(
            FILESYSTEM_ERROR_REASONS.INPUT_FAILED,
            stepId,
            `filesystem.csv step '${stepId}': row ${rows + 1} of the input has ${row.length} value(s), but the input declares ${width} column(s).`,
          );
        }
        const record: Cell[] = new Array(width);
        for (let i = 0; i < width; i++) {
          const value = row[i];
          if (value === null || value === undefined) {
            record[i] = nullValue === '' ? null : nullValue;
            continue;
          }
          const text = textOf(value);
          if (text === nullValue)
            record[i] = text === '' ? { value: '', quoted_empty: true } : { value: text, quoted: true };
          else record[i] = text;
        }
        if (latin1) checkLatin1(ctx, config, record, rows + 1, `row ${rows + 1}`);
        rows++;
        yield record;
      }
      progress(rows);
    }
  } finally {
    progress(rows);
    // Stopped early (a failure or an abort): let the source close; do not wait for it.
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function checkLatin1(ctx: StepContext, config: WriteConfig, record: readonly Cell[], row: number, what: string): void {
  for (let i = 0; i < record.length; i++) {
    const cell = record[i];
    const text = typeof cell === 'string' ? cell : (cell?.value ?? '');
    if (!NOT_LATIN1.test(text)) continue;
    throw new FilesystemConnectorError(
      FILESYSTEM_ERROR_REASONS.VALUE_INVALID,
      ctx.stepId,
      `filesystem.csv step '${ctx.stepId}': ${what}, field ${i + 1} holds characters that latin1 cannot encode. Set options.encoding to utf8 (or utf16le).`,
      { file: config.file, ...(row > 0 ? {} : { line: 1 }) },
    );
  }
}

function failure(ctx: StepContext, file: string, err: unknown, rows: number): FilesystemConnectorError {
  const { stepId } = ctx;
  const where = `filesystem.csv step '${stepId}'`;
  const unchanged = `${file} was left as it was`;
  if (err instanceof FilesystemConnectorError) {
    if (err.reason === FILESYSTEM_ERROR_REASONS.ABORTED) {
      return new FilesystemConnectorError(err.reason, stepId, `${err.message.replace(/\.$/, '')}; ${unchanged}.`, {
        cause: err.cause,
        file,
      });
    }
    return err;
  }
  if (err instanceof InputFailure) {
    const cause = err.cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new FilesystemConnectorError(
      FILESYSTEM_ERROR_REASONS.INPUT_FAILED,
      stepId,
      `${where}: the rows to write failed after ${rows} row(s): ${detail}; ${unchanged}. Fix the source step and run again.`,
      { cause, file },
    );
  }
  const wrapped = fileError(stepId, file, err, 'write');
  return new FilesystemConnectorError(wrapped.reason, stepId, `${wrapped.message.replace(/\.$/, '')}; ${unchanged}.`, {
    cause: err,
    file,
  });
}
