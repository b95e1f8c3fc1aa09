// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, RejectedRow, Row, StepContext, TabularStream, TextBatch } from '@osiris/runner';
import { textBatchRows } from '@osiris/runner';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import type { Session } from './session';

/**
 * Rows a load with `max_rejects` > 0 (ADR 0020) sets aside, and how many it may. Shared by the COPY
 * and, for a merge, the upsert of the same step: together they may not exceed `max`.
 */
export interface RejectBudget {
  readonly max: number;
  readonly rejected: RejectedRow[];
}

/**
 * A load is cut into segments of about this many rows (or {@link SEGMENT_BYTES}), each its own COPY
 * under a savepoint: a row the database refuses costs a re-send of its segment only, and the
 * segment's input is all that is kept in memory. Each boundary costs one round trip; at 100,000
 * rows that is within noise of a single COPY.
 */
const SEGMENT_ROWS = 50_000;
const SEGMENT_BYTES = 32 * 1024 * 1024;

const SAVEPOINT = 'osiris_rejects';

/**
 * Whether an error is about one row's data rather than the load: SQLSTATE class 22 (data exception:
 * a value the column cannot take) or 23 (integrity constraint violation: CHECK, NOT NULL, unique,
 * foreign key). Only these rows are set aside; anything else still fails the load.
 */
export function isRowError(err: unknown): err is { code: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** The row of a failed COPY that Postgres names in its context (`COPY t, line 3, column a: …`), from 1. */
export function copyLineOf(err: unknown): number | undefined {
  const where = (err as { where?: unknown } | null)?.where;
  if (typeof where !== 'string') return undefined;
  const match = /^COPY .*?, line (\d+)(?:[,:]|$)/m.exec(where);
  return match === undefined || match === null ? undefined : Number(match[1]);
}

/** A value as a line of `rejects/<step>.jsonl` holds it (see `RejectedRow.values`). */
function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { $hex: Buffer.from(value).toString('hex') };
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

function rejectedRow(columns: readonly string[], values: Row, row: number, err: unknown): RejectedRow {
  const e = err as { code?: unknown; message?: unknown };
  return {
    row,
    values: Object.fromEntries(columns.map((name, i) => [name, jsonValue(values[i])])),
    ...(typeof e.code === 'string' ? { sqlstate: e.code } : {}),
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}

/** Sets `row` aside, or fails the load when that is one more than the budget allows. */
function reject(ctx: StepContext, budget: RejectBudget, tableName: string, row: RejectedRow): void {
  budget.rejected.push(row);
  if (budget.rejected.length <= budget.max) return;
  const first = budget.rejected[0] as RejectedRow;
  throw new SupabaseConnectorError(
    SUPABASE_ERROR_REASONS.WRITE_FAILED,
    ctx.stepId,
    `supabase.table step '${ctx.stepId}': the database refused more than ${budget.max} rows (max_rejects: ${budget.max}); the first was input row ${first.row}: ${first.message}${first.sqlstate === undefined ? '' : ` (SQLSTATE ${first.sqlstate})`}. Fix the data or the constraint, or raise options.max_rejects. The write into ${tableName} was rolled back; the table is unchanged.`,
  );
}

/** Runs `work` under a savepoint: released when it succeeds, rolled back to (and rethrown) when it fails. */
async function underSavepoint<T>(session: Session, work: () => Promise<T>): Promise<T> {
  await session.exec(`SAVEPOINT ${SAVEPOINT}`);
  let result: T;
  try {
    result = await work();
  } catch (err) {
    // Rolled back and released: a load with many refused rows does not pile up subtransactions.
    if (isRowError(err)) await session.exec(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`);
    throw err;
  }
  await session.exec(`RELEASE SAVEPOINT ${SAVEPOINT}`);
  return result;
}

type Batch = Row[] | TextBatch;
type Form = 'rows' | 'text';

/**
 * The input of a load read one segment at a time: each segment is handed to a COPY as a stream of its
 * own, and kept until that COPY is done so that its rows can be sent again. Pulls are chained, so a
 * pull left pending by a COPY that failed settles before the rest of its segment is read.
 */
class SegmentReader {
  readonly #input: TabularStream;
  #iterator: AsyncIterator<Batch> | undefined;
  #form: Form | undefined;
  #pending: Promise<unknown> = Promise.resolve();
  /** The source has given its last row. */
  done = false;
  segment: Batch[] = [];
  /** The input row number before this segment's first row. */
  first = 0;
  #rows = 0;
  #bytes = 0;

  constructor(input: TabularStream) {
    this.#input = input;
  }

  get form(): Form | undefined {
    return this.#form;
  }

  get full(): boolean {
    return this.#rows >= SEGMENT_ROWS || this.#bytes >= SEGMENT_BYTES;
  }

  /** Starts the next segment after the current one. */
  next(): void {
    this.first += this.#rows;
    this.segment = [];
    this.#rows = 0;
    this.#bytes = 0;
  }

  /** The current segment as a stream that ends where the segment does. */
  view(): TabularStream {
    const iterable = (form: Form): AsyncIterable<never> => ({
      [Symbol.asyncIterator]: () => ({
        next: () => this.pull(form) as Promise<IteratorResult<never>>,
        // The reader's own iterator lives on across segments; it is closed by `close`.
        return: async () => ({ done: true, value: undefined }),
      }),
    });
    return {
      columns: this.#input.columns,
      batches: iterable('rows'),
      ...(this.#input.textBatches === undefined ? {} : { textBatches: iterable('text') }),
    };
  }

  pull(form: Form): Promise<IteratorResult<Batch>> {
    const pulled = this.#pending.then(async (): Promise<IteratorResult<Batch>> => {
      if (this.done || this.full) return { done: true, value: undefined };
      const next = await this.#open(form).next();
      if (next.done === true) {
        this.done = true;
        return next;
      }
      const batch = next.value;
      this.segment.push(batch);
      if (Array.isArray(batch)) {
        this.#rows += batch.length;
      } else {
        this.#rows += batch.rowCount;
        this.#bytes += batch.data.byteLength;
      }
      return next;
    });
    this.#pending = pulled.catch(() => {});
    return pulled;
  }

  /** Reads the rest of the current segment (after a COPY that stopped in it). */
  async finishSegment(): Promise<void> {
    await this.#pending;
    if (this.#form === undefined) return;
    while (!(await this.pull(this.#form)).done) {
      // Each pull keeps its batch in the segment.
    }
  }

  /** The current segment's rows as values. */
  rows(): Row[] {
    const columns = this.#input.columns;
    return this.segment.flatMap((batch) => (Array.isArray(batch) ? batch : textBatchRows(batch, columns)));
  }

  /** Closes the source when the load ends before its last row. */
  async close(): Promise<void> {
    if (this.done || this.#iterator === undefined) return;
    await this.#pending;
    await this.#iterator.return?.();
  }

  #open(form: Form): AsyncIterator<Batch> {
    if (this.#iterator === undefined) {
      this.#form = form;
      const source: AsyncIterable<Batch> =
        form === 'rows' ? this.#input.batches : (this.#input.textBatches as AsyncIterable<TextBatch>);
      this.#iterator = source[Symbol.asyncIterator]();
    } else if (this.#form !== form) {
      throw new Error(`internal: a load pulled ${form} after ${this.#form}`);
    }
    return this.#iterator;
  }
}

/** One COPY of `input` whose first row is input row `firstRow + 1`; resolves with the rows it wrote. */
export type CopyLoader = (input: TabularStream, firstRow: number) => Promise<number>;

/**
 * Loads `input` with `load` (a COPY into the target or a merge's staging table), setting aside the
 * rows the database refuses on their own, up to the budget. The input goes in segments, each its
 * own COPY under a savepoint; a segment that fails on a row is rolled back to its savepoint and sent
 * again without that row, found from the row number Postgres gives (`CONTEXT: COPY …, line n`) and
 * confirmed by sending it alone, or by halving the segment when there is none. Good rows are loaded
 * in the caller's transaction; a row past the budget throws (the caller rolls everything back).
 * Resolves with the rows written.
 */
export async function copyRejecting(
  ctx: StepContext,
  session: Session,
  input: TabularStream,
  load: CopyLoader,
  budget: RejectBudget,
  tableName: string,
): Promise<number> {
  const reader = new SegmentReader(input);
  const names = input.columns.map((c) => c.name);
  const columns = input.columns;
  let written = 0;

  /** Loads `rows` (input rows `first + 1` …) as values, isolating the ones refused. `failed`: a COPY of exactly these rows failed so. */
  const isolate = async (rows: readonly Row[], first: number, failed?: unknown): Promise<void> => {
    let start = 0;
    let error = failed;
    while (start < rows.length) {
      if (error === undefined) {
        try {
          written += await underSavepoint(session, () => load(rowsStream(columns, rows.slice(start)), first + start));
          return;
        } catch (err) {
          if (!isRowError(err) || ctx.signal.aborted) throw err;
          error = err;
        }
      }
      const line = copyLineOf(error);
      const count = rows.length - start;
      if (count === 1 || (line !== undefined && line >= 1 && line <= count)) {
        const bad = start + (count === 1 ? 0 : (line as number) - 1);
        // The rows before the one named loaded in the failed COPY: send them again.
        if (bad > start) await isolate(rows.slice(start, bad), first + start);
        const row = rows[bad] as Row;
        try {
          // Alone, to be sure it is this row (a deferred check may name a later one).
          written += await underSavepoint(session, () => load(rowsStream(columns, [row]), first + bad));
        } catch (err) {
          if (!isRowError(err) || ctx.signal.aborted) throw err;
          reject(ctx, budget, tableName, rejectedRow(names, row, first + bad + 1, err));
        }
        start = bad + 1;
        error = undefined;
        continue;
      }
      // No row named: halve.
      const mid = start + Math.floor(count / 2);
      await isolate(rows.slice(start, mid), first + start);
      await isolate(rows.slice(mid), first + mid);
      return;
    }
  };

  try {
    for (;;) {
      try {
        written += await underSavepoint(session, () => load(reader.view(), reader.first));
      } catch (err) {
        if (!isRowError(err) || ctx.signal.aborted) throw err;
        await reader.finishSegment();
        await isolate(reader.rows(), reader.first, err);
      }
      if (reader.done) break;
      reader.next();
    }
    return written;
  } catch (err) {
    await reader.close().catch(() => {});
    throw err;
  }
}

/** Rows already in memory as a stream of batches of at most 10,000. */
function rowsStream(columns: readonly ColumnDescriptor[], rows: readonly Row[]): TabularStream {
  return {
    columns,
    batches: (async function* () {
      for (let i = 0; i < rows.length; i += 10_000) yield rows.slice(i, i + 10_000);
    })(),
  };
}

/**
 * A merge's upsert, set apart by row: `apply(lo, hi)` upserts the staged rows whose sequence number
 * is in `lo..hi` and resolves with the rows it inserted and updated. Called once the upsert of the
 * whole staging table failed on a row: the range is halved under savepoints until each refused row
 * is alone, and that row is read back from the staging table and set aside. Ranges are applied in
 * input order, so the last row of a key still wins.
 */
export async function upsertRejecting(
  ctx: StepContext,
  session: Session,
  budget: RejectBudget,
  staged: { readonly table: string; readonly seqColumn: string; readonly columns: readonly string[] },
  apply: (lo: number, hi: number) => Promise<[number, number]>,
  failed: unknown,
  tableName: string,
): Promise<[number, number]> {
  const stage = quoteIdent(staged.table);
  const seq = quoteIdent(staged.seqColumn);
  // Each halving reads one range of the staging table: an index keeps that to the range.
  await session.exec(`CREATE INDEX ON ${stage} (${seq})`);
  const [bounds] = await session.rows<[string | null, string | null]>(`SELECT min(${seq}), max(${seq}) FROM ${stage}`);
  const counts: [number, number] = [0, 0];
  if (bounds?.[0] === null || bounds?.[0] === undefined) return counts;
  const range = async (lo: number, hi: number, error?: unknown): Promise<void> => {
    if (error === undefined) {
      try {
        const [inserted, updated] = await underSavepoint(session, () => apply(lo, hi));
        counts[0] += inserted;
        counts[1] += updated;
        return;
      } catch (err) {
        if (!isRowError(err) || ctx.signal.aborted) throw err;
        error = err;
      }
    }
    if (lo === hi) {
      const [row] = await session.rows<unknown[]>(
        `SELECT ${staged.columns.map(quoteIdent).join(', ')} FROM ${stage} WHERE ${seq} = $1`,
        [lo],
      );
      if (row !== undefined) reject(ctx, budget, tableName, rejectedRow(staged.columns, row, lo, error));
      return;
    }
    const mid = lo + Math.floor((hi - lo) / 2);
    await range(lo, mid);
    await range(mid + 1, hi);
  };
  await range(Number(bounds[0]), Number(bounds[1]), failed);
  return counts;
}

/**
 * A merge with `max_rejects`: staged rows with a NULL merge key are set aside (SQLSTATE 23502)
 * instead of failing the load, and leave the staging table. Resolves with how many there were.
 */
export async function rejectNullKeys(
  ctx: StepContext,
  session: Session,
  budget: RejectBudget,
  staged: { readonly table: string; readonly seqColumn: string; readonly columns: readonly string[] },
  keys: readonly string[],
  tableName: string,
): Promise<number> {
  const seq = quoteIdent(staged.seqColumn);
  const rows = await session.rows<unknown[]>(
    `DELETE FROM ${quoteIdent(staged.table)} WHERE ${keys.map((k) => `${quoteIdent(k)} IS NULL`).join(' OR ')} RETURNING ${seq}, ${staged.columns.map(quoteIdent).join(', ')}`,
  );
  rows.sort((a, b) => Number(a[0]) - Number(b[0]));
  for (const [n, ...values] of rows) {
    const nullKeys = keys.filter((k) => values[staged.columns.indexOf(k)] === null);
    const message = `merge key ${nullKeys.map((k) => `'${k}'`).join(', ')} is NULL: a NULL key matches no row`;
    reject(ctx, budget, tableName, rejectedRow(staged.columns, values, Number(n), { code: '23502', message }));
  }
  return rows.length;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
