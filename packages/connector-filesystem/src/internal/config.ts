// SPDX-License-Identifier: MIT
import type { ColumnKind } from '@osiris/runner';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError } from '../errors';
import { resolveInside } from './paths';
import type { OnInvalidUtf8 } from './utf8';

export const COLUMN_KINDS: readonly ColumnKind[] = [
  'integer',
  'bigint',
  'decimal',
  'float',
  'boolean',
  'text',
  'date',
  'timestamp',
  'timestamptz',
  'time',
  'json',
  'bytes',
  'uuid',
];

export const ENCODINGS = ['utf8', 'utf-8', 'latin1', 'utf16le'] as const;
export type CsvEncoding = 'utf8' | 'latin1' | 'utf16le';

export const DEFAULT_SAMPLE_ROWS = 1000;

/** What reading and writing share. */
export interface CsvFormat {
  readonly delimiter: string;
  readonly quote: string;
  readonly encoding: CsvEncoding;
  readonly header: boolean;
  readonly nullValue: string;
}

export interface DeclaredColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

export interface ReadConfig extends CsvFormat {
  /** options.path as written. */
  readonly path: string;
  /** The file, resolved against the connection's base_dir (or the working directory). */
  readonly file: string;
  readonly columns: readonly DeclaredColumn[] | undefined;
  readonly sampleRows: number;
  readonly onInvalidUtf8: OnInvalidUtf8;
}

export interface WriteConfig extends CsvFormat {
  readonly path: string;
  readonly file: string;
  readonly writeMode: 'overwrite' | 'append';
}

type Options = Readonly<Record<string, unknown>>;

export function invalid(stepId: string, message: string): FilesystemConnectorError {
  return new FilesystemConnectorError(
    FILESYSTEM_ERROR_REASONS.CONFIG_INVALID,
    stepId,
    `filesystem.csv step '${stepId}': ${message}`,
  );
}

function stringOption(stepId: string, options: Options, key: string, fallback: string): string {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw invalid(stepId, `options.${key} must be text.`);
  return value;
}

function parseFormat(stepId: string, options: Options): CsvFormat {
  const delimiter = stringOption(stepId, options, 'delimiter', ',');
  const quote = stringOption(stepId, options, 'quote', '"');
  const nullValue = stringOption(stepId, options, 'null_value', '');
  const encoding = stringOption(stepId, options, 'encoding', 'utf8');
  if (delimiter === '' || /[\r\n]/.test(delimiter)) {
    throw invalid(stepId, 'options.delimiter must be one or more characters other than a line break, e.g. "," or ";".');
  }
  if ([...quote].length !== 1 || /[\r\n]/.test(quote)) {
    throw invalid(stepId, "options.quote must be a single character other than a line break, e.g. '\"'.");
  }
  if (delimiter.includes(quote)) {
    throw invalid(stepId, `options.delimiter (${JSON.stringify(delimiter)}) must not contain the quote character.`);
  }
  if (/[\r\n]/.test(nullValue) || nullValue.includes(quote) || (nullValue !== '' && nullValue.includes(delimiter))) {
    throw invalid(
      stepId,
      'options.null_value must not contain a line break, the quote character or the delimiter (it is written unquoted).',
    );
  }
  if (!(ENCODINGS as readonly string[]).includes(encoding)) {
    throw invalid(stepId, `options.encoding must be one of ${ENCODINGS.join(', ')}.`);
  }
  const header = options.header ?? true;
  if (typeof header !== 'boolean') throw invalid(stepId, 'options.header must be true or false.');
  return {
    delimiter,
    quote,
    nullValue,
    header,
    encoding: encoding === 'utf-8' ? 'utf8' : (encoding as CsvEncoding),
  };
}

function parsePath(
  stepId: string,
  connection: Readonly<Record<string, string>>,
  options: Options,
): { path: string; file: string } {
  const path = options.path;
  if (typeof path !== 'string' || path === '') {
    throw invalid(stepId, 'options.path is required: the CSV file, e.g. `path: orders.csv`.');
  }
  return { path, file: resolveInside(stepId, connection, path) };
}

function parseColumns(stepId: string, raw: unknown): DeclaredColumn[] | undefined {
  if (raw === undefined) return undefined;
  const shape = 'a non-empty list of {name, type}, e.g. [{ name: id, type: integer }]';
  if (!Array.isArray(raw) || raw.length === 0) throw invalid(stepId, `options.columns must be ${shape}.`);
  const seen = new Set<string>();
  return raw.map((item: unknown, index) => {
    const where = `options.columns[${index}]`;
    if (typeof item !== 'object' || item === null) throw invalid(stepId, `${where} must be {name, type}.`);
    const { name, type } = item as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw invalid(stepId, `${where}.name must be a non-empty name.`);
    if (typeof type !== 'string' || !(COLUMN_KINDS as readonly string[]).includes(type)) {
      throw invalid(stepId, `${where}.type must be one of ${COLUMN_KINDS.join(', ')}.`);
    }
    if (seen.has(name)) throw invalid(stepId, `options.columns lists '${name}' twice; list each column once.`);
    seen.add(name);
    return { name, kind: type as ColumnKind };
  });
}

/** Checks the options of a read (the registry validated them already; this guards direct callers). */
export function parseReadConfig(
  stepId: string,
  connection: Readonly<Record<string, string>>,
  options: Options,
): ReadConfig {
  if (options.write_mode !== undefined) {
    throw invalid(stepId, 'options.write_mode only applies to write steps; remove it from this read step.');
  }
  const sampleRows = options.sample_rows ?? DEFAULT_SAMPLE_ROWS;
  if (typeof sampleRows !== 'number' || !Number.isInteger(sampleRows) || sampleRows < 1) {
    throw invalid(stepId, 'options.sample_rows must be a whole number of rows, at least 1.');
  }
  const onInvalidUtf8 = options.on_invalid_utf8 ?? 'fail';
  if (onInvalidUtf8 !== 'fail' && onInvalidUtf8 !== 'replace') {
    throw invalid(stepId, 'options.on_invalid_utf8 must be fail or replace.');
  }
  return {
    ...parseFormat(stepId, options),
    ...parsePath(stepId, connection, options),
    columns: parseColumns(stepId, options.columns),
    sampleRows,
    onInvalidUtf8,
  };
}

/** Checks the options of a write. */
export function parseWriteConfig(
  stepId: string,
  connection: Readonly<Record<string, string>>,
  options: Options,
): WriteConfig {
  if (options.columns !== undefined || options.sample_rows !== undefined || options.on_invalid_utf8 !== undefined) {
    throw invalid(
      stepId,
      'options.columns, options.sample_rows and options.on_invalid_utf8 only apply to read steps; a write takes the columns its input has.',
    );
  }
  const writeMode = options.write_mode ?? 'overwrite';
  if (writeMode !== 'overwrite' && writeMode !== 'append') {
    throw invalid(stepId, 'options.write_mode must be overwrite or append.');
  }
  return { ...parseFormat(stepId, options), ...parsePath(stepId, connection, options), writeMode };
}
