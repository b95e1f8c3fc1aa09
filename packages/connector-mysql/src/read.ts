// SPDX-License-Identifier: MIT
import type { Row, StepContext, TabularStream, TextBatch } from '@osiris/runner';
import type { Connection, Query } from 'mysql2';
import { approxRows, type CatalogColumn, declaredTable, loadColumns, toDescriptor } from './catalog';
import { parseReadConfig } from './config';
import {
  abortedError,
  type ConnectionTarget,
  closeConnection,
  inlineParameters,
  killThread,
  openConnection,
  prepareSession,
  resolveConnection,
  runQuery,
} from './connection';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';
import { planIncremental } from './incremental';
import { exactFloats, replaceRowParser, textRowParser } from './row-parser';
import { compileSelect } from './sql';
import { TextCellWriter, textMismatch, travelsAsText } from './text-cells';
import { isFloat32, isZeroDate, mayHoldZeroDate, shortestFloat32 } from './types';

function quoteName(schema: string, table: string): string {
  return `\`${schema.replace(/`/g, '``')}\`.\`${table.replace(/`/g, '``')}\``;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).join(', ');
  return names.length > 20 ? `${shown}, … (${names.length} in all)` : shown;
}

/** `read` of `mysql.table`: resolves the table and columns now, streams rows when the batches are pulled. */
export async function readTable(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
): Promise<TabularStream> {
  const { stepId } = ctx;
  const config = parseReadConfig(stepId, rawConfig);
  const target = resolveConnection(stepId, ctx.connection);
  const conn = await openConnection(ctx, target);
  try {
    await prepareSession(conn);
    let schema = config.schema ?? target.database;
    if (schema === undefined) {
      const [row] = await runQuery<[string | null]>(conn, 'SELECT DATABASE()', true);
      schema = row?.[0] ?? undefined;
    }
    if (schema === undefined) {
      throw new MysqlConnectorError(
        MYSQL_ERROR_REASONS.CONFIG_INVALID,
        stepId,
        `mysql.table step '${stepId}': no database to read table '${config.table}' from. Set options.schema, or a database in the connection.`,
      );
    }
    const all = await loadColumns(conn, { schema, table: config.table });
    if (all.length === 0) {
      throw new MysqlConnectorError(
        MYSQL_ERROR_REASONS.TABLE_NOT_FOUND,
        stepId,
        `mysql.table step '${stepId}': table ${quoteName(schema, config.table)} does not exist or is not visible to this user. Check options.schema and options.table (osiris discover lists the tables).`,
      );
    }
    const byName = new Map(all.map((c) => [c.name, c]));
    const wanted = config.columns ?? all.map((c) => c.name);
    const referenced = [...wanted, ...config.filters.map((f) => f.column)];
    const missing = [...new Set(referenced.filter((name) => !byName.has(name)))];
    if (missing.length > 0) {
      throw new MysqlConnectorError(
        MYSQL_ERROR_REASONS.COLUMN_NOT_FOUND,
        stepId,
        `mysql.table step '${stepId}': table ${quoteName(schema, config.table)} has no column ${missing.map((m) => `'${m}'`).join(', ')}. Its columns are: ${listNames(all.map((c) => c.name))}.`,
      );
    }
    const selected = wanted.map((name) => byName.get(name) as CatalogColumn);
    const incremental =
      config.incremental === undefined
        ? undefined
        : await planIncremental(ctx, conn, schema, config.table, byName, config.filters, config.incremental);
    // For progress only; the table's statistics say nothing about how many rows a filter keeps.
    const estimatedRows =
      config.filters.length > 0 || incremental !== undefined ? null : await approxRows(conn, schema, config.table);
    const estimate = {
      ...(estimatedRows === null ? {} : { estimatedRows }),
      ...(incremental === undefined ? {} : { incremental: incremental.report }),
    };
    // Asked before the rows' query: a streaming query holds the connection until it ends.
    const declared = await declaredTable(conn, schema, config.table, wanted);
    const compiled = compileSelect(schema, config.table, selected, config.filters, incremental?.where);
    const text = inlineParameters(compiled.sql, compiled.parameters);
    const batches = new MysqlBatches(ctx, conn, text, selected, quoteName(schema, config.table), target);
    // The server starts sending while the sink gets ready; at most one batch is read ahead.
    batches.prefetch();
    const columns = selected.map(toDescriptor);
    return batches.textBatches === undefined
      ? { columns, batches, declared, ...estimate }
      : { columns, batches, textBatches: batches.textBatches, declared, ...estimate };
  } catch (err) {
    closeConnection(conn, false);
    if (err instanceof MysqlConnectorError) throw err;
    throw new MysqlConnectorError(
      MYSQL_ERROR_REASONS.QUERY_FAILED,
      stepId,
      target.redactor.text(
        `mysql.table step '${stepId}': could not read the table definition: ${err instanceof Error ? err.message : String(err)}`,
      ),
      { cause: err },
    );
  }
}

type Batch = Row[] | TextBatch;

type Waiter = {
  resolve: (result: IteratorResult<Batch>) => void;
  reject: (error: unknown) => void;
};

/** Which iterable the consumer pulls: row batches, or text batches (fixed by the first pull). */
type Mode = 'rows' | 'text';

const ER_SERVER_SHUTDOWN = 1053;
/** MariaDB's "Connection was killed". */
const ER_CONNECTION_KILLED = 1927;

/** What the text row parser hands back for each row it copied into the text batch. */
const COPIED: unknown[] = [];

/**
 * The batches of one read: a pull-based async iterable over a streaming
 * mysql2 query, as rows (`batches`) or as {@link TextBatch}es
 * (`textBatches`, when every column can travel as text). At most one full
 * batch waits for the consumer; when it is not pulled, the connection is
 * paused (TCP backpressure reaches the server), so memory is bounded by the
 * chunk size.
 */
export class MysqlBatches implements AsyncIterable<Row[]>, AsyncIterator<Row[]> {
  readonly #ctx: StepContext;
  readonly #conn: Connection;
  readonly #sql: string;
  readonly #columns: readonly CatalogColumn[];
  readonly #tableName: string;
  readonly #target: ConnectionTarget;
  readonly #chunkSize: number;
  /** Column positions that may hold a zero date. */
  readonly #dateIdx: number[];
  /** Column positions of 32-bit floats. */
  readonly #floatIdx: number[];
  readonly #zeroDates: number[];
  /** Set when every column can travel as text. */
  readonly textBatches: AsyncIterable<TextBatch> | undefined;

  #mode: Mode | undefined;
  #text: TextCellWriter | undefined;
  #query: Query | undefined;
  #current: Row[] = [];
  #ready: Batch[] = [];
  #paused = false;
  /** The server has nothing more to send for the query: it ended, failed, or the connection is gone. */
  #queryDone = false;
  #ended = false;
  #closed = false;
  #error: unknown;
  #waiter: Waiter | undefined;
  /** Rows the server has sent so far. */
  #rows = 0;
  readonly #onAbort = () => this.#fail(abortedError(this.#ctx.stepId, this.#ctx.signal));
  /**
   * mysql2 reports a lost connection (closed by the server, KILL, reset) only to a command with a
   * callback, or else on the connection: a streaming query never hears of it, and a pull would wait forever.
   */
  readonly #onLost = (err: Error) => {
    this.#queryDone = true;
    this.#fail(
      new MysqlConnectorError(
        MYSQL_ERROR_REASONS.QUERY_FAILED,
        this.#ctx.stepId,
        this.#target.redactor.text(
          `mysql.table step '${this.#ctx.stepId}': the MySQL connection was lost after ${this.#rows} rows of ${this.#tableName}: ${err.message.replace(/\.?$/, '.')} The server may have restarted, or the connection was killed or cut; nothing read so far is kept.`,
        ),
        { cause: err },
      ),
    );
  };

  constructor(
    ctx: StepContext,
    conn: Connection,
    sqlText: string,
    columns: readonly CatalogColumn[],
    tableName: string,
    target: ConnectionTarget,
  ) {
    this.#ctx = ctx;
    this.#conn = conn;
    this.#sql = sqlText;
    this.#columns = columns;
    this.#tableName = tableName;
    this.#target = target;
    this.#chunkSize = Math.max(1, Math.floor(ctx.chunkSize) || 1);
    this.#dateIdx = [];
    this.#floatIdx = [];
    columns.forEach((c, i) => {
      if (mayHoldZeroDate(c.dataType)) this.#dateIdx.push(i);
      if (isFloat32(c.dataType)) this.#floatIdx.push(i);
    });
    this.#zeroDates = columns.map(() => 0);
    this.textBatches = columns.every(travelsAsText) ? this.#textIterable() : undefined;
    conn.on('error', this.#onLost);
    if (ctx.signal.aborted) this.#onAbort();
    else ctx.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Like a generator: the batches are one iterator, consumed once. */
  [Symbol.asyncIterator](): AsyncIterator<Row[]> {
    return this;
  }

  next(): Promise<IteratorResult<Row[]>> {
    return this.#pull('rows') as Promise<IteratorResult<Row[]>>;
  }

  #textIterable(): AsyncIterable<TextBatch> {
    const iterator: AsyncIterator<TextBatch> = {
      next: () => this.#pull('text') as Promise<IteratorResult<TextBatch>>,
      return: () => this.return() as Promise<IteratorResult<TextBatch>>,
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  #pull(mode: Mode): Promise<IteratorResult<Batch>> {
    if (this.#mode === undefined) {
      this.#mode = mode;
      if (mode === 'text') this.#text = new TextCellWriter(this.#columns);
    } else if (this.#mode !== mode) {
      return Promise.reject(new Error('internal: both the row batches and the text batches of a read were pulled'));
    }
    const batch = this.#ready.shift();
    if (batch !== undefined) {
      this.#resume();
      return Promise.resolve({ done: false, value: batch });
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    if (this.#waiter !== undefined) {
      return Promise.reject(new Error('next() called again before the previous call settled'));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      if (this.#query === undefined) this.#start();
      else this.#resume();
    });
  }

  /**
   * Starts the query before the first pull, so that the server is already
   * sending when the sink is ready. Nothing is parsed before the first pull
   * (which says whether rows or text are wanted): the connection stays paused.
   */
  prefetch(): void {
    if (this.#query !== undefined || this.#closed) return;
    this.#start();
    this.#paused = true;
    this.#conn.pause();
  }

  #resume(): void {
    if (this.#paused && !this.#closed) {
      this.#paused = false;
      this.#conn.resume();
    }
  }

  /** The consumer stopped early (break, or it failed): drop the query and the connection. */
  return(): Promise<IteratorResult<Row[]>> {
    if (!this.#ended && this.#error === undefined) {
      this.#ended = true;
      this.#ready = [];
      this.#close(false);
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  #start(): void {
    const q = this.#conn.query({ sql: this.#sql, rowsAsArray: true, typeCast: exactFloats });
    replaceRowParser(q, (fields, generated) => {
      const text = this.#text;
      if (text === undefined) return textRowParser(fields) ?? generated;
      const mismatch = textMismatch(this.#columns, fields);
      if (mismatch !== undefined) {
        this.#fail(
          new MysqlConnectorError(
            MYSQL_ERROR_REASONS.QUERY_FAILED,
            this.#ctx.stepId,
            `mysql.table step '${this.#ctx.stepId}': reading ${this.#tableName} as text failed: ${mismatch}. This is a bug in Osiris; please report it.`,
          ),
        );
        return generated;
      }
      text.reserve(this.#chunkSize);
      return {
        next: (packet) => {
          text.add(packet);
          return COPIED;
        },
      };
    });
    this.#query = q;
    q.on('result', (row: unknown) => {
      if (row === COPIED) this.#onTextRow();
      else this.#onRow(row as Row);
    });
    q.on('error', (err: Error & { errno?: number }) => {
      // The server says goodbye (shutting down, the connection killed) when the socket has room.
      if (err.errno === ER_SERVER_SHUTDOWN || err.errno === ER_CONNECTION_KILLED) {
        this.#onLost(err);
        return;
      }
      this.#queryDone = true;
      this.#fail(
        new MysqlConnectorError(
          MYSQL_ERROR_REASONS.QUERY_FAILED,
          this.#ctx.stepId,
          this.#target.redactor.text(
            `mysql.table step '${this.#ctx.stepId}': reading ${this.#tableName} failed: ${err.message}`,
          ),
          { cause: err },
        ),
      );
    });
    q.on('end', () => this.#onEnd());
  }

  #onRow(row: Row): void {
    if (this.#closed) return;
    this.#rows++;
    const idx = this.#dateIdx;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k] as number;
      const v = row[i];
      if (typeof v === 'string' && isZeroDate(v)) {
        row[i] = null;
        this.#zeroDates[i] = (this.#zeroDates[i] ?? 0) + 1;
      }
    }
    const floats = this.#floatIdx;
    for (let k = 0; k < floats.length; k++) {
      const i = floats[k] as number;
      const v = row[i];
      if (typeof v === 'number') row[i] = shortestFloat32(v);
    }
    const current = this.#current;
    current.push(row);
    if (current.length < this.#chunkSize) return;
    this.#current = [];
    this.#deliver(current);
  }

  #onTextRow(): void {
    const text = this.#text as TextCellWriter;
    this.#rows++;
    if (this.#closed || text.rows < this.#chunkSize) return;
    const batch = text.take();
    text.reserve(this.#chunkSize);
    this.#deliver(batch);
  }

  /** Hands a full batch to the waiting consumer, or keeps it and pauses the connection. */
  #deliver(batch: Batch): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: batch });
      return;
    }
    this.#ready.push(batch);
    if (!this.#paused) {
      this.#paused = true;
      this.#conn.pause();
    }
  }

  #onEnd(): void {
    this.#queryDone = true;
    if (this.#closed) return;
    if (this.#current.length > 0) {
      this.#ready.push(this.#current);
      this.#current = [];
    }
    if (this.#text !== undefined && this.#text.rows > 0) this.#ready.push(this.#text.take());
    this.#ended = true;
    this.#close(true);
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      const batch = this.#ready.shift();
      waiter.resolve(batch === undefined ? { done: true, value: undefined } : { done: false, value: batch });
    }
  }

  #fail(error: unknown): void {
    if (this.#closed && this.#ended) return;
    this.#error ??= error;
    this.#ready = [];
    this.#current = [];
    this.#close(false);
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.reject(this.#error);
    }
  }

  #close(graceful: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.signal.removeEventListener('abort', this.#onAbort);
    this.#conn.off('error', this.#onLost);
    closeConnection(this.#conn, graceful);
    if (!graceful && this.#query !== undefined && !this.#queryDone) killThread(this.#target, this.#conn.threadId);
    this.#reportZeroDates();
  }

  #reportZeroDates(): void {
    const text = this.#text?.zeroDates;
    this.#zeroDates.forEach((rowCount, i) => {
      const count = rowCount + (text?.[i] ?? 0);
      if (count === 0) return;
      const column = this.#columns[i]?.name;
      this.#ctx.reporter.log(
        'warn',
        `mysql.table step '${this.#ctx.stepId}': ${count} zero or partly zero date value(s) (such as 0000-00-00) in column '${column}' of ${this.#tableName} were read as NULL`,
        { step: this.#ctx.stepId, table: this.#tableName, column, count },
      );
    });
  }
}
