// SPDX-License-Identifier: MIT
import type { PGlite } from '@electric-sql/pglite';
import type { StepContext } from '@osiris/runner';
import { abortedError, type ClientTypes, type EmbeddedTarget } from './connection';
import { acquireEmbedded, type EmbeddedHandle, EmbeddedOpenError, type Lock } from './embedded-database';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import type { CopyEvents, CopyFormat, CopyLoad, ResultField, Session } from './session';

/**
 * COPY text gathered before one `COPY … FROM '/dev/blob'`. PGlite copies the
 * blob into its memory and runs the statement in one go: bigger blobs mean
 * fewer statements (measured on 100k rows: 45 kB blobs load about 1.5× slower
 * than 1 MB ones; beyond that nothing changes).
 */
const BLOB_SIZE = 1024 * 1024;

/** Parameters as `pg` sends them: PGlite's own serializers would turn a string into bytea or a number into a date. */
const toText = (value: unknown): string => String(value);
const SERIALIZERS: Readonly<Record<number, (value: unknown) => string>> = {
  16: toText, // bool
  17: toText, // bytea
  114: toText, // json
  1082: toText, // date
  1114: toText, // timestamp
  1184: toText, // timestamptz
  3802: toText, // jsonb
};

function closedError(): Error {
  return new Error('the embedded database session is closed');
}

/** Without its parameters and options (the COPY blob), so an error does not keep a batch of rows alive. */
function lean(err: unknown): unknown {
  if (typeof err === 'object' && err !== null && 'queryOptions' in err) {
    const e = err as { params?: unknown; queryOptions?: unknown };
    e.params = undefined;
    e.queryOptions = undefined;
  }
  return err;
}

/** Loads COPY text into PGlite one blob at a time, each blob a `COPY … FROM '/dev/blob'` of at least {@link BLOB_SIZE}. */
class EmbeddedCopy implements CopyLoad {
  readonly #load: (blob: Blob) => Promise<void>;
  readonly #events: CopyEvents;
  #chunks: (string | Uint8Array)[] = [];
  #size = 0;
  #loading: Promise<void> | undefined;
  #error: unknown;

  constructor(load: (blob: Blob) => Promise<void>, events: CopyEvents) {
    this.#load = load;
    this.#events = events;
  }

  write(chunk: string | Uint8Array): boolean {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size < BLOB_SIZE) return true;
    const blob = this.#take();
    this.#loading = this.#load(blob).then(
      () => {
        this.#loading = undefined;
        this.#events.drain();
      },
      (err: unknown) => {
        this.#loading = undefined;
        this.#error ??= err;
        this.#events.error(err instanceof Error ? err : new Error(String(err)));
      },
    );
    return false;
  }

  get waiting(): boolean {
    return this.#loading !== undefined;
  }

  #take(): Blob {
    const blob = new Blob(this.#chunks);
    this.#chunks = [];
    this.#size = 0;
    return blob;
  }

  async end(): Promise<void> {
    await this.#loading;
    if (this.#error !== undefined) throw this.#error;
    if (this.#chunks.length > 0) await this.#load(this.#take());
  }

  async cancel(): Promise<void> {
    this.#chunks = [];
    this.#size = 0;
    await this.#loading;
  }
}

/**
 * A session on a PGlite database shared in this process. PGlite has one
 * connection: a transaction holds the database's lock from `begin` to
 * `commit`/`rollback`, so another step's transaction waits instead of
 * interleaving. Statements outside a transaction (a reader's FETCH from its
 * `WITH HOLD` cursor) need no lock: they run between two statements of the
 * writer that may be consuming them.
 */
class EmbeddedSession implements Session {
  readonly #signal: AbortSignal;
  readonly #handle: EmbeddedHandle;
  readonly #db: PGlite;
  readonly #lock: Lock;
  readonly #types: ClientTypes;
  readonly #knownTypes: readonly number[];
  readonly #cursors: string[] = [];
  /** Set while this session's transaction holds the lock. */
  #unlock: (() => void) | undefined;
  #ended = false;
  #closed: Promise<void> | undefined;

  constructor(signal: AbortSignal, handle: EmbeddedHandle, types: ClientTypes) {
    this.#signal = signal;
    this.#handle = handle;
    this.#db = handle.database.db;
    this.#lock = handle.database.lock;
    this.#knownTypes = handle.database.knownTypes;
    this.#types = types;
  }

  #check(): void {
    if (this.#ended) throw closedError();
  }

  async begin(sql: string): Promise<void> {
    this.#check();
    if (this.#unlock !== undefined) throw new Error('internal: a transaction is already open');
    const unlock = await this.#lock.acquire(this.#signal);
    if (this.#ended) {
      unlock();
      throw closedError();
    }
    this.#unlock = unlock;
    try {
      await this.#db.exec(sql);
    } catch (err) {
      await this.#endTransaction('ROLLBACK').catch(() => {});
      throw lean(err);
    }
  }

  commit(): Promise<void> {
    return this.#endTransaction('COMMIT');
  }

  rollback(): Promise<void> {
    return this.#endTransaction('ROLLBACK');
  }

  async #endTransaction(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const unlock = this.#unlock;
    if (unlock === undefined) return;
    // After destroy() the shutdown owns the transaction (it rolls it back).
    this.#check();
    this.#unlock = undefined;
    try {
      await this.#db.exec(statement);
    } catch (err) {
      // A failed COMMIT has rolled back; anything else is rolled back here before the lock goes.
      await this.#db.exec('ROLLBACK').catch(() => {});
      throw lean(err);
    } finally {
      unlock();
    }
  }

  async exec(sql: string): Promise<void> {
    this.#check();
    try {
      await this.#db.exec(sql);
    } catch (err) {
      throw lean(err);
    }
  }

  async affected(sql: string): Promise<number> {
    this.#check();
    try {
      return (await this.#db.query(sql)).affectedRows ?? 0;
    } catch (err) {
      throw lean(err);
    }
  }

  async describe(sql: string, values: readonly unknown[]): Promise<ResultField[]> {
    this.#check();
    try {
      const result = await this.#db.query(`SELECT * FROM (${sql}) AS osiris_query LIMIT 0`, [...values], {
        rowMode: 'array',
      });
      // PGlite does not tell a column's typmod: `numeric(12,2)` is `numeric` here.
      return result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typmod: -1 }));
    } catch (err) {
      throw lean(err);
    }
  }

  async rows<R extends unknown[]>(sql: string, values?: readonly unknown[]): Promise<R[]> {
    this.#check();
    try {
      const result = await this.#db.query<R>(sql, values === undefined ? [] : [...values], {
        rowMode: 'array',
        parsers: this.#types.parserTable(this.#knownTypes),
        serializers: SERIALIZERS,
      });
      return result.rows;
    } catch (err) {
      throw lean(err);
    }
  }

  async declareCursor(name: string, sql: string, values: readonly unknown[]): Promise<void> {
    await this.rows(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${sql}`, values);
    this.#cursors.push(name);
    // The rows are kept at COMMIT (as of the transaction's snapshot); the connection is free from here on.
    await this.commit();
  }

  // Each blob is a COPY of its own; binary would need a header and trailer per blob.
  readonly binaryCopy = false;

  copyIn(target: string, events: CopyEvents, format: CopyFormat = 'text'): CopyLoad {
    if (format !== 'text') throw new Error('internal: PGlite sessions load COPY text only');
    const sql = `COPY ${target} FROM '/dev/blob'`;
    return new EmbeddedCopy(async (blob) => {
      this.#check();
      try {
        await this.#db.query(sql, [], { blob });
      } catch (err) {
        throw lean(err);
      }
    }, events);
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  destroy(): void {
    void this.close();
  }

  async #shutdown(): Promise<void> {
    this.#ended = true;
    try {
      const unlock = this.#unlock;
      this.#unlock = undefined;
      if (unlock !== undefined) {
        // Queued behind any statement of ours still running; a ROLLBACK outside a transaction is harmless.
        try {
          await this.#db.exec('ROLLBACK');
        } finally {
          unlock();
        }
      }
      if (this.#cursors.length > 0) {
        // Not inside another step's transaction: a CLOSE there would fail if that transaction failed.
        const release = await this.#lock.acquire();
        try {
          for (const name of this.#cursors.splice(0)) await this.#db.exec(`CLOSE ${name}`).catch(() => {});
        } finally {
          release();
        }
      }
    } catch {
      // Best effort: the database closes with its last user anyway.
    } finally {
      await this.#handle.release();
    }
  }
}

export async function openEmbeddedSession(
  ctx: StepContext,
  target: EmbeddedTarget,
  types: ClientTypes,
  what: string,
): Promise<Session> {
  if (ctx.signal.aborted) throw abortedError(ctx.stepId, ctx.signal, what);
  let handle: EmbeddedHandle;
  try {
    handle = await acquireEmbedded(target.dataDir);
  } catch (err) {
    const problem = err instanceof EmbeddedOpenError ? err.problem : 'failed';
    throw new SupabaseConnectorError(
      problem === 'not_a_database' ? SUPABASE_ERROR_REASONS.CONFIG_INVALID : SUPABASE_ERROR_REASONS.CONNECTION_FAILED,
      ctx.stepId,
      `supabase.table step '${ctx.stepId}': could not open the embedded database ${target.where}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  if (ctx.signal.aborted) {
    await handle.release();
    throw abortedError(ctx.stepId, ctx.signal, what);
  }
  return new EmbeddedSession(ctx.signal, handle, types);
}
