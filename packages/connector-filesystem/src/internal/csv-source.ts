// SPDX-License-Identifier: MIT
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { type Options, type Parser, parse } from 'csv-parse';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError } from '../errors';
import type { CsvFormat } from './config';
import { lineAt, type OnInvalidUtf8, Utf8Check } from './utf8';

/** One record of a CSV file: its fields (null for NULL) and the line it starts on. */
export interface SourceRecord {
  readonly values: (string | null)[];
  readonly line: number;
}

/** Longest record csv-parse buffers (characters): an unclosed quote fails here instead of filling memory. */
const MAX_RECORD_SIZE = 64 * 1024 * 1024;

/** Line breaks in a record's raw text (`\r\n`, `\n` and `\r` each count once). */
function lineBreaks(raw: string): number {
  let count = 0;
  let i = 0;
  for (;;) {
    const n = raw.indexOf('\n', i);
    const r = raw.indexOf('\r', i);
    if (r !== -1 && (n === -1 || r < n)) {
      count++;
      i = raw.charCodeAt(r + 1) === 10 ? r + 2 : r + 1;
    } else if (n !== -1) {
      count++;
      i = n + 1;
    } else {
      return count;
    }
  }
}

/**
 * Which fields of a record's raw text were quoted. csv-parse validated the
 * record already, so a field either starts with the quote (and runs to the
 * matching closing quote) or runs to the next delimiter.
 */
function quotedFields(raw: string, count: number, delimiter: string, quote: string): boolean[] {
  const flags: boolean[] = [];
  let i = 0;
  for (let field = 0; field < count; field++) {
    const quoted = raw.startsWith(quote, i);
    flags.push(quoted);
    if (quoted) {
      i += quote.length;
      for (;;) {
        const q = raw.indexOf(quote, i);
        if (q === -1) {
          i = raw.length;
          break;
        }
        if (raw.startsWith(quote, q + quote.length)) {
          i = q + 2 * quote.length;
          continue;
        }
        i = q + quote.length;
        break;
      }
    }
    const d = raw.indexOf(delimiter, i);
    i = d === -1 ? raw.length : d + delimiter.length;
  }
  return flags;
}

export interface CsvSourceOptions {
  readonly stepId: string;
  readonly file: string;
  readonly format: CsvFormat;
  readonly signal: AbortSignal;
  /** Count the bytes of the records read (for discovery's row estimate). */
  readonly measureBytes?: boolean;
  /** What to do with bytes that are not UTF-8, for a utf8 file: fail (the default) or replace them with U+FFFD. */
  readonly onInvalidUtf8?: OnInvalidUtf8;
}

/** Marks, in the general mode, an unquoted field equal to null_value and an unquoted empty field. */
const NULL_FIELD = Symbol('null');
const EMPTY_FIELD = Symbol('empty');
type Field = string | typeof NULL_FIELD | typeof EMPTY_FIELD;

/** What csv-parse yields: in the fast mode a record and its raw text, in the general mode a record and its last line. */
type Parsed = { record: string[]; raw: string } | [Field[], number];

/**
 * A pull-based reader of one CSV file's records: csv-parse over a file
 * stream, consumed through its async iterator, so the file is read only as
 * fast as records are asked for. It checks that every record has the same
 * number of fields, tells NULL (an unquoted field equal to `null_value`) from
 * text, and knows the line each record starts on.
 *
 * csv-parse tells whether a field was quoted only to a `cast` function, and
 * building that function's context costs more than the parsing itself. So
 * when the delimiter and the quote are single bytes (UTF-8 or latin1, the
 * usual case) the source reads quoting from each record's raw text instead,
 * which csv-parse keeps exactly in that case; otherwise it uses `cast`.
 */
export class CsvSource {
  readonly file: string;
  readonly #stepId: string;
  readonly #format: CsvFormat;
  readonly #signal: AbortSignal;
  readonly #parser: Parser;
  readonly #iterator: AsyncIterator<Parsed>;
  #fieldCount: number | undefined;
  /** The line the next record starts on. */
  #line = 1;
  #records = 0;
  #bytes = 0;
  readonly #measureBytes: boolean;
  readonly #utf8: Utf8Check | undefined;
  #closed = false;
  readonly #onAbort = () => this.#parser.destroy(abortedError(this.#stepId, this.#signal, 'read'));

  constructor(options: CsvSourceOptions) {
    this.file = options.file;
    this.#stepId = options.stepId;
    this.#format = options.format;
    this.#signal = options.signal;
    this.#measureBytes = options.measureBytes === true;
    const { delimiter, quote, encoding, nullValue } = options.format;
    const fast =
      encoding !== 'utf16le' &&
      Buffer.byteLength(delimiter, encoding) === 1 &&
      Buffer.byteLength(quote, encoding) === 1 &&
      delimiter.length === 1 &&
      quote.length === 1;
    const quoting = fast
      ? { raw: true }
      : {
          cast: (value: string, context: { quoting: boolean }): Field => {
            if (context.quoting) return value;
            if (value === nullValue) return NULL_FIELD;
            return value === '' ? EMPTY_FIELD : value;
          },
          on_record: (record: Field[], info: { lines: number }): [Field[], number] => [record, info.lines],
        };
    this.#parser = parse({
      delimiter,
      quote,
      escape: quote,
      encoding,
      bom: encoding !== 'latin1',
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: MAX_RECORD_SIZE,
      ...quoting,
    } as Options);
    // Errors reach the consumer through the parser's iterator.
    const done = () => undefined;
    if (encoding === 'utf8') {
      const file = options.file;
      this.#utf8 = new Utf8Check(options.onInvalidUtf8 ?? 'fail', (offset) => invalidUtf8(this.#stepId, file, offset));
      pipeline(createReadStream(file), this.#utf8, this.#parser, done);
    } else {
      pipeline(createReadStream(options.file), this.#parser, done);
    }
    this.#iterator = this.#parser[Symbol.asyncIterator]();
    if (this.#signal.aborted) this.#onAbort();
    else this.#signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Records read so far (blank lines not counted). */
  get records(): number {
    return this.#records;
  }

  /** Bytes of the records read so far, when `measureBytes` was set. */
  get bytesRead(): number {
    return this.#bytes;
  }

  /** For a utf8 file read with `onInvalidUtf8: replace`: the invalid sequences replaced so far, and where the first was. */
  get invalidUtf8(): { readonly count: number; readonly first: number } {
    return { count: this.#utf8?.count ?? 0, first: this.#utf8?.first ?? -1 };
  }

  /** The number of fields every record must have; set by the header (or the first record) when not set before. */
  get fieldCount(): number | undefined {
    return this.#fieldCount;
  }

  expectFields(count: number): void {
    this.#fieldCount = count;
  }

  /** The next record, or undefined at the end of the file. */
  async next(): Promise<SourceRecord | undefined> {
    const { nullValue, delimiter, quote } = this.#format;
    for (;;) {
      let result: IteratorResult<Parsed>;
      try {
        result = await this.#iterator.next();
      } catch (err) {
        this.close();
        throw this.#wrap(err);
      }
      if (result.done === true) {
        this.close();
        return undefined;
      }
      const line = this.#line;
      let values: (string | null)[];
      let blank: boolean;
      const parsed = result.value;
      if (Array.isArray(parsed)) {
        const [fields, lastLine] = parsed;
        this.#line = lastLine + 1;
        blank = fields.length === 1 && (fields[0] === EMPTY_FIELD || (fields[0] === NULL_FIELD && nullValue === ''));
        values = fields.map((field) => (field === NULL_FIELD ? null : field === EMPTY_FIELD ? '' : field));
        if (this.#measureBytes) this.#bytes += Buffer.byteLength(values.join(delimiter), this.#format.encoding) + 1;
      } else {
        const { record, raw } = parsed;
        this.#line += lineBreaks(raw);
        if (this.#measureBytes) this.#bytes += Buffer.byteLength(raw, this.#format.encoding);
        blank = record.length === 1 && record[0] === '' && !raw.startsWith(quote);
        values = record;
        let quoted: boolean[] | undefined;
        for (let i = 0; i < values.length; i++) {
          if (values[i] !== nullValue) continue;
          quoted ??= quotedFields(raw, values.length, delimiter, quote);
          if (quoted[i] !== true) values[i] = null;
        }
      }
      // A blank line is skipped, except in a one-column file: there it is an empty field (as the writer writes one).
      if (blank && this.#fieldCount !== 1) continue;
      if (blank) values = [nullValue === '' ? null : ''];
      if (this.#fieldCount === undefined) this.#fieldCount = values.length;
      else if (values.length !== this.#fieldCount) {
        this.close();
        throw new FilesystemConnectorError(
          FILESYSTEM_ERROR_REASONS.PARSE_FAILED,
          this.#stepId,
          `filesystem.csv step '${this.#stepId}': ${this.file} line ${line} has ${values.length} field(s), expected ${this.#fieldCount}. ` +
            `Check that options.delimiter (${JSON.stringify(delimiter)}) and options.quote (${JSON.stringify(quote)}) match the file, and that fields holding the delimiter are quoted.`,
          { file: this.file, line },
        );
      }
      this.#records++;
      return { values, line };
    }
  }

  /** Stops reading and closes the file; safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (!this.#parser.destroyed) this.#parser.destroy();
  }

  #wrap(err: unknown): unknown {
    if (err instanceof FilesystemConnectorError) return err;
    const where = `filesystem.csv step '${this.#stepId}'`;
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      const lines = (err as { lines?: unknown }).lines;
      const line = typeof lines === 'number' ? lines : undefined;
      return new FilesystemConnectorError(
        FILESYSTEM_ERROR_REASONS.PARSE_FAILED,
        this.#stepId,
        `${where}: ${this.file}${line === undefined ? '' : ` line ${line}`} is not valid CSV: ${(err as Error).message}. ` +
          `Check options.delimiter, options.quote and options.encoding; a quote inside a quoted field must be doubled.`,
        { cause: err, file: this.file, ...(line === undefined ? {} : { line }) },
      );
    }
    return fileError(this.#stepId, this.file, err, 'read');
  }
}

const FIX_UTF8 =
  'Re-encode the file as UTF-8 (for example with iconv -f latin1 -t utf-8), set options.encoding to the encoding ' +
  'it is in (latin1, utf16le), or set options.on_invalid_utf8: replace to read each invalid sequence as U+FFFD ' +
  '(the run log counts them).';

async function invalidUtf8(stepId: string, file: string, offset: number): Promise<FilesystemConnectorError> {
  const line = await lineAt(file, offset);
  const handle = await open(file, 'r');
  const bytes = Buffer.alloc(4);
  try {
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, offset);
    const hex = [...bytes.subarray(0, bytesRead)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return new FilesystemConnectorError(
      FILESYSTEM_ERROR_REASONS.INVALID_UTF8,
      stepId,
      `filesystem.csv step '${stepId}': ${file} line ${line} is not valid UTF-8 at byte offset ${offset} (bytes ${hex}). ${FIX_UTF8}`,
      { file, line },
    );
  } finally {
    await handle.close();
  }
}

export function abortedError(stepId: string, signal: AbortSignal, what: 'read' | 'write'): FilesystemConnectorError {
  return new FilesystemConnectorError(
    FILESYSTEM_ERROR_REASONS.ABORTED,
    stepId,
    `filesystem.csv step '${stepId}': the ${what} was aborted (the run was interrupted or another step failed).`,
    { cause: signal.reason },
  );
}

/** Wraps an error of the file system (ENOENT, EACCES, EISDIR, …) with what to do about it. */
export function fileError(
  stepId: string,
  file: string,
  err: unknown,
  what: 'read' | 'write',
): FilesystemConnectorError {
  const where = `filesystem.csv step '${stepId}'`;
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT':
      return new FilesystemConnectorError(
        FILESYSTEM_ERROR_REASONS.FILE_NOT_FOUND,
        stepId,
        what === 'read'
          ? `${where}: ${file} does not exist. Check options.path and the connection's base_dir (osiris discover lists the CSV files).`
          : `${where}: the folder of ${file} does not exist. Create it, or check options.path and the connection's base_dir.`,
        { cause: err, file },
      );
    case 'EACCES':
    case 'EPERM':
      return new FilesystemConnectorError(
        what === 'read' ? FILESYSTEM_ERROR_REASONS.READ_FAILED : FILESYSTEM_ERROR_REASONS.WRITE_FAILED,
        stepId,
        `${where}: no permission to ${what} ${file}${what === 'write' ? ' (or to create a file in its folder)' : ''}. Fix the file's permissions or choose another path.`,
        { cause: err, file },
      );
    case 'EISDIR':
      return new FilesystemConnectorError(
        FILESYSTEM_ERROR_REASONS.CONFIG_INVALID,
        stepId,
        `${where}: ${file} is a folder, not a file. Set options.path to a CSV file.`,
        { cause: err, file },
      );
    default:
      return new FilesystemConnectorError(
        what === 'read' ? FILESYSTEM_ERROR_REASONS.READ_FAILED : FILESYSTEM_ERROR_REASONS.WRITE_FAILED,
        stepId,
        `${where}: could not ${what} ${file}: ${detail}`,
        { cause: err, file },
      );
  }
}
