// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, Row, StepContext, TabularStream } from '@osiris/runner';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError } from '../errors';
import { parseReadConfig } from './config';
import { abortedError, type SourceRecord } from './csv-source';
import { type Converter, converterFor, INVALID, inferredConverterFor, KIND_FORMS, NATIVE_TYPES } from './kinds';
import { realPathFor } from './paths';
import { type OpenedTable, openTable, type TableColumn } from './table';
import { lineAt } from './utf8';

export function describeColumns(columns: readonly TableColumn[]): ColumnDescriptor[] {
  return columns.map((c) => ({
    name: c.name,
    kind: c.kind,
    nullable: true,
    nativeType: NATIVE_TYPES[c.kind],
  }));
}

/** `read` of `filesystem.csv`: reads the header and the inference sample now, the rest as batches are pulled. */
export async function readCsv(ctx: StepContext, rawConfig: Readonly<Record<string, unknown>>): Promise<TabularStream> {
  const config = parseReadConfig(ctx.stepId, ctx.connection, rawConfig);
  if (ctx.signal.aborted) throw abortedError(ctx.stepId, ctx.signal, 'read');
  const table = await openTable({
    stepId: ctx.stepId,
    file: await realPathFor(ctx.stepId, ctx.connection, config.file, config.path),
    format: config,
    columns: config.columns,
    sampleRows: config.sampleRows,
    signal: ctx.signal,
    onInvalidUtf8: config.onInvalidUtf8,
  });
  return {
    columns: describeColumns(table.columns),
    batches: new CsvBatches(ctx, table, config.sampleRows),
  };
}

function shorten(value: string): string {
  const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(text);
}

/**
 * The batches of one read: an async iterable that converts records to rows
 * and yields `ctx.chunkSize` of them at a time. Nothing is read ahead of the
 * consumer beyond csv-parse's own small buffers, so memory stays bounded by
 * the batch size. Closing it early (`return()`, also before the first batch)
 * closes the file.
 */
class CsvBatches implements AsyncIterable<Row[]> {
  readonly #ctx: StepContext;
  readonly #table: OpenedTable;
  readonly #sampleRows: number;
  readonly #converters: Converter[];
  #iterated = false;

  constructor(ctx: StepContext, table: OpenedTable, sampleRows: number) {
    this.#ctx = ctx;
    this.#table = table;
    this.#sampleRows = sampleRows;
    this.#converters = table.columns.map((c) => (c.inferred ? inferredConverterFor(c.kind) : converterFor(c.kind)));
  }

  [Symbol.asyncIterator](): AsyncIterator<Row[]> {
    if (this.#iterated) {
      throw new Error(`filesystem.csv step '${this.#ctx.stepId}': the batches of a read can be iterated only once.`);
    }
    this.#iterated = true;
    const generator = this.#generate();
    const source = this.#table.source;
    return {
      next: () => generator.next(),
      return: async () => {
        source.close();
        await generator.return(undefined);
        return { done: true, value: undefined };
      },
    };
  }

  async *#generate(): AsyncGenerator<Row[], void, undefined> {
    const { source, sample } = this.#table;
    const { signal } = this.#ctx;
    const chunkSize = Math.max(1, Math.floor(this.#ctx.chunkSize) || 1);
    try {
      let batch: Row[] = [];
      // The sampled records come first; the sample is released once they are converted.
      let sampled = 0;
      const nextRecord = async (): Promise<SourceRecord | undefined> => {
        if (sampled < sample.length) return sample[sampled++];
        if (sample.length > 0) sample.length = 0;
        return source.next();
      };
      for (let record = await nextRecord(); record !== undefined; record = await nextRecord()) {
        batch.push(this.#convert(record));
        if (batch.length >= chunkSize) {
          if (signal.aborted) throw abortedError(this.#ctx.stepId, signal, 'read');
          yield batch;
          batch = [];
        }
      }
      if (signal.aborted) throw abortedError(this.#ctx.stepId, signal, 'read');
      if (batch.length > 0) yield batch;
    } finally {
      source.close();
      await this.#reportReplaced();
    }
  }

  /** With on_invalid_utf8: replace, says how many invalid sequences became U+FFFD (also after a failure). */
  async #reportReplaced(): Promise<void> {
    const { count, first } = this.#table.source.invalidUtf8;
    if (count === 0) return;
    const { file } = this.#table.source;
    const line = await lineAt(file, first).catch(() => undefined);
    const where = `${line === undefined ? '' : `line ${line}, `}byte offset ${first}`;
    this.#ctx.reporter.log(
      'warn',
      `filesystem.csv step '${this.#ctx.stepId}': replaced ${count} invalid UTF-8 sequence(s) in ${file} with U+FFFD (the first on ${where}), as options.on_invalid_utf8: replace asks.`,
      { file, invalid_utf8_replaced: count },
    );
  }

  #convert(record: SourceRecord): Row {
    const columns = this.#table.columns;
    const converters = this.#converters;
    const values = record.values;
    const row: Row = new Array(columns.length);
    for (let k = 0; k < columns.length; k++) {
      const column = columns[k] as TableColumn;
      const text = values[column.index];
      if (text === null || text === undefined) {
        row[k] = null;
      } else if (column.kind === 'text') {
        row[k] = text;
      } else if (text === '') {
        // Only a text column holds an empty string; in any other an empty field is NULL.
        row[k] = null;
      } else {
        const value = (converters[k] as Converter)(text);
        if (value === INVALID) throw this.#invalid(record, column, text);
        row[k] = value;
      }
    }
    return row;
  }

  #invalid(record: SourceRecord, column: TableColumn, text: string): FilesystemConnectorError {
    const { stepId } = this.#ctx;
    const { file } = this.#table.source;
    const what = column.inferred
      ? `${shorten(text)} does not fit ${column.kind}, the type inferred from the first ${this.#sampleRows} rows: a value must be ${KIND_FORMS[column.kind]} and read back exactly as written. ` +
        `Declare the column's type in options.columns (e.g. { name: ${column.name}, type: text }) or raise options.sample_rows.`
      : `${shorten(text)} is not ${KIND_FORMS[column.kind]} (the column is ${column.kind}). Fix the value in the file, or declare another type for the column in options.columns.`;
    return new FilesystemConnectorError(
      FILESYSTEM_ERROR_REASONS.VALUE_INVALID,
      stepId,
      `filesystem.csv step '${stepId}': ${file} line ${record.line}, column '${column.name}': ${what}`,
      { file, line: record.line },
    );
  }
}
