// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Redactor } from '@osiris/registry';
import type { Row, StepContext, TabularStream } from '@osiris/runner';
import { type CatalogColumn, declaredTable, loadTable, toDescriptor } from './catalog';
import { parseReadConfig } from './config';
import { abortedError, ClientTypes, describePgError, resolveConnection } from './connection';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import { planIncremental } from './incremental';
import { openSession, type Session } from './session';
import { compileCopyOut, compileSelect } from './sql';

export function quoteName(schema: string, table: string): string {
  return `"${schema.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).join(', ');
  return names.length > 20 ? `${shown}, … (${names.length} in all)` : shown;
}

/**
 * `read` of `supabase.table`: a read-only transaction with a server-side
 * cursor, fetched `chunkSize` rows at a time (one fetch ahead of the consumer).
 * On PGlite the cursor is `WITH HOLD` (see `Session.declareCursor`). On a
 * server, when every column's type can travel as COPY binary, the same rows
 * are also offered as `copyBinary`: `COPY (SELECT …) TO STDOUT (FORMAT binary)`
 * in the same transaction, for a Postgres sink of the same column types (ADR 0013).
 */
export async function readTable(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
): Promise<TabularStream> {
  const { stepId } = ctx;
  const config = parseReadConfig(stepId, rawConfig);
  const target = resolveConnection(stepId, ctx.connection);
  const types = new ClientTypes();
  const session = await openSession(ctx, target, types, 'read');
  const tableName = quoteName(config.schema, config.table);
  try {
    // Dates and timestamps print the same whatever the server's settings.
    await session.begin(
      "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'",
    );
    const table = await loadTable(session, config.schema, config.table);
    if (table === undefined) {
      throw new SupabaseConnectorError(
        SUPABASE_ERROR_REASONS.TABLE_NOT_FOUND,
        stepId,
        `supabase.table step '${stepId}': table ${tableName} does not exist or is not visible to this user. Check options.schema (default public) and options.table (osiris discover lists the tables).`,
      );
    }
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const wanted = config.columns ?? table.columns.map((c) => c.name);
    const referenced = [...wanted, ...config.filters.map((f) => f.column)];
    const missing = [...new Set(referenced.filter((name) => !byName.has(name)))];
    if (missing.length > 0) {
      throw new SupabaseConnectorError(
        SUPABASE_ERROR_REASONS.COLUMN_NOT_FOUND,
        stepId,
        `supabase.table step '${stepId}': table ${tableName} has no column ${missing.map((m) => `'${m}'`).join(', ')}. Its columns are: ${listNames(table.columns.map((c) => c.name))}.`,
      );
    }
    const selected = wanted.map((name) => byName.get(name) as CatalogColumn);
    for (const c of selected) if (c.typeOid !== c.baseOid) types.alias(c.typeOid, c.baseOid);
    const declared = await declaredTable(session, table.oid, wanted);
    const incremental =
      config.incremental === undefined
        ? undefined
        : await planIncremental(ctx, session, config.schema, config.table, byName, config.filters, config.incremental);
    const compiled = compileSelect(config.schema, config.table, wanted, config.filters, false, incremental?.where);
    // Unique: PGlite's cursors of several reads share one connection.
    const cursor = `osiris_read_${randomBytes(6).toString('hex')}`;
    await session.declareCursor(cursor, compiled.sql, compiled.parameters);
    const batches = new CursorBatches(ctx, session, cursor, tableName, target.redactor);
    const columns = selected.map(toDescriptor);
    // The table's statistics say nothing about how many rows a filter keeps.
    const estimate = {
      ...(table.approxRows === null || config.filters.length > 0 || incremental !== undefined
        ? {}
        : { estimatedRows: table.approxRows }),
      ...(incremental === undefined ? {} : { incremental: incremental.report }),
    };
    const copySql =
      session.copyOut !== undefined && selected.every((c) => c.binary)
        ? compileCopyOut(config.schema, config.table, wanted, config.filters, incremental?.where)
        : undefined;
    if (copySql === undefined) return { columns, batches, declared, ...estimate };
    return {
      columns,
      batches,
      declared,
      ...estimate,
      copyBinary: { typnames: selected.map((c) => c.typname), chunks: batches.copyBinary(copySql) },
    };
  } catch (err) {
    session.destroy();
    if (err instanceof SupabaseConnectorError) throw err;
    if (ctx.signal.aborted) throw abortedError(stepId, ctx.signal, 'read');
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.QUERY_FAILED,
      stepId,
      target.redactor.text(
        `supabase.table step '${stepId}': could not start reading ${tableName}: ${describePgError(err)}`,
      ),
      { cause: err },
    );
  }
}

/**
 * The batches of one read; at most one FETCH runs ahead of the consumer. Or,
 * when the consumer pulls {@link copyBinary} instead, the output of a COPY of
 * the same query in the same transaction (the first pull decides which).
 */
export class CursorBatches implements AsyncIterable<Row[]>, AsyncIterator<Row[]> {
  readonly #ctx: StepContext;
  readonly #session: Session;
  readonly #tableName: string;
  readonly #redactor: Redactor;
  readonly #fetchSql: string;
  readonly #chunkSize: number;
  #mode: 'rows' | 'copy' | undefined;
  #pending: Promise<Row[]> | undefined;
  #exhausted = false;
  #closed = false;
  #error: unknown;
  #copy: Readable | undefined;
  #copyEnded = false;
  /** Wakes a consumer waiting for COPY output. */
  #wake: (() => void) | undefined;
  readonly #onAbort = () => {
    this.#error ??= abortedError(this.#ctx.stepId, this.#ctx.signal, 'read');
    this.#close(false);
    this.#notify();
  };

  constructor(ctx: StepContext, session: Session, cursor: string, tableName: string, redactor: Redactor) {
    this.#ctx = ctx;
    this.#session = session;
    this.#tableName = tableName;
    this.#redactor = redactor;
    this.#chunkSize = Math.max(1, Math.floor(ctx.chunkSize) || 1);
    this.#fetchSql = `FETCH FORWARD ${this.#chunkSize} FROM ${cursor}`;
    if (ctx.signal.aborted) this.#onAbort();
    else ctx.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Like a generator: the batches are one iterator, consumed once. */
  [Symbol.asyncIterator](): AsyncIterator<Row[]> {
    return this;
  }

  #claim(mode: 'rows' | 'copy'): void {
    this.#mode ??= mode;
    if (this.#mode !== mode) throw new Error('internal: both the rows and the COPY output of a read were pulled');
  }

  #fetch(): Promise<Row[]> {
    const p = this.#session.rows<Row>(this.#fetchSql);
    p.catch(() => {}); // awaited later; never an unhandled rejection
    return p;
  }

  #failed(err: unknown): unknown {
    this.#error ??= new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.QUERY_FAILED,
      this.#ctx.stepId,
      this.#redactor.text(
        `supabase.table step '${this.#ctx.stepId}': reading ${this.#tableName} failed: ${describePgError(err)}`,
      ),
      { cause: err },
    );
    this.#close(false);
    return this.#error;
  }

  async next(): Promise<IteratorResult<Row[]>> {
    this.#claim('rows');
    if (this.#error !== undefined) throw this.#error;
    if (this.#closed) return { done: true, value: undefined };
    let rows: Row[];
    try {
      rows = await (this.#pending ?? this.#fetch());
      this.#pending = undefined;
    } catch (err) {
      this.#pending = undefined;
      throw this.#failed(err);
    }
    if (this.#error !== undefined) throw this.#error;
    if (rows.length < this.#chunkSize) this.#exhausted = true;
    if (this.#exhausted) {
      this.#close(true);
      return rows.length === 0 ? { done: true, value: undefined } : { done: false, value: rows };
    }
    this.#pending = this.#fetch();
    return { done: false, value: rows };
  }

  async return(): Promise<IteratorResult<Row[]>> {
    this.#close(false);
    this.#notify();
    return { done: true, value: undefined };
  }

  /**
   * The rows as the output of `sql` (`COPY (…) TO STDOUT (FORMAT binary)`),
   * started by the first pull. The COPY stream reads ahead up to its high-water
   * mark and then leaves the socket unread until the consumer pulls again.
   */
  copyBinary(sql: string): AsyncIterable<Uint8Array> {
    const iterator: AsyncIterator<Uint8Array> = {
      next: () => this.#nextChunk(sql),
      return: async () => {
        await this.return();
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  async #nextChunk(sql: string): Promise<IteratorResult<Uint8Array>> {
    this.#claim('copy');
    if (this.#copy === undefined && this.#error === undefined && !this.#closed) this.#startCopy(sql);
    for (;;) {
      if (this.#error !== undefined) throw this.#error;
      if (this.#closed) return { done: true, value: undefined };
      const copy = this.#copy as Readable;
      const chunk = copy.read() as Buffer | null;
      if (chunk !== null) return { done: false, value: chunk };
      if (this.#copyEnded) {
        this.#close(true);
        return { done: true, value: undefined };
      }
      if (this.#wake !== undefined) throw new Error('next() called again before the previous call settled');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #startCopy(sql: string): void {
    const copyOut = this.#session.copyOut as (sql: string) => Readable;
    this.#ctx.reporter.log('debug', `reading ${this.#tableName} as COPY binary`, { step: this.#ctx.stepId });
    const copy = copyOut(sql);
    this.#copy = copy;
    copy.on('readable', () => this.#notify());
    copy.on('end', () => {
      this.#copyEnded = true;
      this.#notify();
    });
    copy.on('error', (err: Error) => {
      if (!this.#closed) this.#failed(err);
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #close(graceful: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.signal.removeEventListener('abort', this.#onAbort);
    if (graceful) {
      void this.#session
        .commit()
        .catch(() => {})
        .then(() => this.#session.close());
    } else {
      this.#session.destroy();
    }
  }
}
