// SPDX-License-Identifier: MIT
import { stat } from 'node:fs/promises';
import type { ColumnKind } from '@osiris/runner';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError } from '../errors';
import type { CsvFormat, DeclaredColumn } from './config';
import { CsvSource, fileError, type SourceRecord } from './csv-source';
import { inferKinds } from './kinds';
import type { OnInvalidUtf8 } from './utf8';

/** One column of the result: where it sits in the file and what it holds. */
export interface TableColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Position of the field in each record. */
  readonly index: number;
  readonly inferred: boolean;
}

/** A CSV file opened for reading: its columns, the rows sampled for inference, and the rest of its records. */
export interface OpenedTable {
  readonly source: CsvSource;
  readonly columns: readonly TableColumn[];
  /** Records already read (for inference), to be delivered before the rest. */
  readonly sample: SourceRecord[];
  /** True when the sample holds every record of the file. */
  readonly complete: boolean;
  readonly size: number;
}

export interface OpenTableOptions {
  readonly stepId: string;
  readonly file: string;
  readonly format: CsvFormat;
  readonly columns: readonly DeclaredColumn[] | undefined;
  readonly sampleRows: number;
  readonly signal: AbortSignal;
  readonly measureBytes?: boolean;
  readonly onInvalidUtf8?: OnInvalidUtf8;
}

function listNames(names: readonly string[]): string {
  const shown = names
    .slice(0, 20)
    .map((n) => `'${n}'`)
    .join(', ');
  return names.length > 20 ? `${shown}, … (${names.length} in all)` : shown;
}

/** Checks that the file exists and is a file; returns its size. */
export async function fileSize(stepId: string, file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error(`EISDIR: ${file} is a directory`), { code: 'EISDIR' });
    return info.size;
  } catch (err) {
    throw fileError(stepId, file, err, 'read');
  }
}

/**
 * Opens a CSV file: reads the header, picks the declared columns (or all of
 * them) and, for columns without a declared type, reads up to `sampleRows`
 * records and infers their kinds.
 */
export async function openTable(options: OpenTableOptions): Promise<OpenedTable> {
  const { stepId, file, format } = options;
  const where = `filesystem.csv step '${stepId}'`;
  const size = await fileSize(stepId, file);
  const source = new CsvSource({
    stepId,
    file,
    format,
    signal: options.signal,
    ...(options.measureBytes === true ? { measureBytes: true } : {}),
    ...(options.onInvalidUtf8 === undefined ? {} : { onInvalidUtf8: options.onInvalidUtf8 }),
  });
  try {
    let names: string[] | undefined;
    if (format.header) {
      const first = await source.next();
      if (first === undefined) {
        throw new FilesystemConnectorError(
          FILESYSTEM_ERROR_REASONS.PARSE_FAILED,
          stepId,
          `${where}: ${file} is empty, so it has no header line. Add a header line, or set header: false and declare options.columns.`,
          { file },
        );
      }
      names = first.values.map((value) => value ?? format.nullValue);
      const blank = names.indexOf('');
      if (blank !== -1) {
        throw new FilesystemConnectorError(
          FILESYSTEM_ERROR_REASONS.PARSE_FAILED,
          stepId,
          `${where}: ${file} line ${first.line}: column ${blank + 1} of the header has no name. Name every column in the header, or set header: false and declare options.columns.`,
          { file, line: first.line },
        );
      }
      const duplicate = names.find((name, i) => names?.indexOf(name) !== i);
      if (duplicate !== undefined && options.columns === undefined) {
        throw new FilesystemConnectorError(
          FILESYSTEM_ERROR_REASONS.PARSE_FAILED,
          stepId,
          `${where}: ${file} line ${first.line}: the header names column '${duplicate}' twice. Rename one of them in the file, or pick the columns to read with options.columns.`,
          { file, line: first.line },
        );
      }
    }

    let picked: { name: string; index: number; kind: ColumnKind | undefined }[] | undefined;
    if (options.columns !== undefined) {
      if (names !== undefined) {
        const header = names;
        const missing = options.columns.filter((c) => !header.includes(c.name)).map((c) => `'${c.name}'`);
        if (missing.length > 0) {
          throw new FilesystemConnectorError(
            FILESYSTEM_ERROR_REASONS.COLUMN_NOT_FOUND,
            stepId,
            `${where}: ${file} has no column ${missing.join(', ')}. Its header names: ${listNames(header)}. Fix options.columns.`,
            { file, line: 1 },
          );
        }
        picked = options.columns.map((c) => ({ name: c.name, index: header.indexOf(c.name), kind: c.kind }));
      } else {
        source.expectFields(options.columns.length);
        picked = options.columns.map((c, index) => ({ name: c.name, index, kind: c.kind }));
      }
    }

    const sample: SourceRecord[] = [];
    let complete = false;
    if (picked === undefined) {
      while (sample.length < options.sampleRows) {
        const record = await source.next();
        if (record === undefined) {
          complete = true;
          break;
        }
        sample.push(record);
      }
      const count = names?.length ?? source.fieldCount ?? 0;
      const kinds = inferKinds(
        count,
        sample.map((r) => r.values),
      );
      picked = kinds.map((kind, index) => ({ name: names?.[index] ?? `column_${index + 1}`, index, kind }));
    }
    const columns = picked.map((c) => ({
      name: c.name,
      index: c.index,
      kind: c.kind ?? 'text',
      inferred: options.columns === undefined,
    }));
    return { source, columns, sample, complete, size };
  } catch (err) {
    source.close();
    throw err;
  }
}
