// SPDX-License-Identifier: MIT
import type { Readable } from 'node:stream';
import type { StepContext } from '@osiris/runner';
import type { ClientTypes, ConnectionTarget } from './connection';
import { openEmbeddedSession } from './embedded-session';
import { openServerSession } from './server-session';

/** Wake-ups of a running load: the database is ready for more (`drain`), or it failed (`error`). */
export interface CopyEvents {
  readonly drain: () => void;
  readonly error: (err: Error) => void;
}

/** The format of a bulk load: COPY text (`encodeBatch`) or COPY binary (`BinaryCopyEncoder`). */
export type CopyFormat = 'text' | 'binary';

/** A bulk load of COPY text or binary into one table. */
export interface CopyLoad {
  /**
   * Hands over whole rows of COPY data (text as a string or its UTF-8 bytes; binary as bytes). The
   * load may keep the chunk until it is sent: do not reuse it. False: wait
   * for `drain` (or `error`) while `waiting` before writing more.
   */
  write(chunk: string | Uint8Array): boolean;
  /** True while the database has not yet taken what was written (backpressure). */
  readonly waiting: boolean;
  /** Ends the load; resolves once the database has taken every row, rejects with its error. */
  end(): Promise<void>;
  /** Abandons the load so that the transaction can roll back. Never rejects. */
  cancel(reason: Error): Promise<void>;
}

/**
 * What the reader, the writer and discovery need from a database: a `pg`
 * connection to a server, or PGlite in this process. Rows come back as
 * arrays, parsed by the session's {@link ClientTypes}.
 */
/** A result column as the server describes it. */
export interface ResultField {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
}

export interface Session {
  /** Starts a transaction with `sql` (`BEGIN …; SET LOCAL …`). PGlite first waits until its one connection is free. */
  begin(sql: string): Promise<void>;
  /** Commits the transaction `begin` started (nothing when none is open). */
  commit(): Promise<void>;
  /** Rolls the transaction `begin` started back (nothing when none is open). */
  rollback(): Promise<void>;
  /** Statements without parameters, `;`-separated. */
  exec(sql: string): Promise<void>;
  /** One statement without parameters; resolves with the number of rows it inserted, updated or deleted. */
  affected(sql: string): Promise<number>;
  /** One statement with `$n` parameters. */
  rows<R extends unknown[]>(sql: string, values?: readonly unknown[]): Promise<R[]>;
  /** The result columns of a query with `$n` parameters (name, type oid, typmod or -1), from running it with `LIMIT 0`. */
  describe(sql: string, values: readonly unknown[]): Promise<ResultField[]>;
  /**
   * Declares cursor `name` for `sql`, to be read with `FETCH … FROM name`.
   * A server keeps it inside the open transaction. PGlite declares it
   * `WITH HOLD` and commits, so that other steps can use the one connection
   * between two FETCHes; `close` and `destroy` close it.
   */
  declareCursor(name: string, sql: string, values: readonly unknown[]): Promise<void>;
  /** Whether {@link copyIn} takes the binary format (a server does; PGlite loads text blobs). */
  readonly binaryCopy: boolean;
  /** Starts loading into `target` (`"schema"."table" ("a", "b")`) inside the open transaction. */
  copyIn(target: string, events: CopyEvents, format?: CopyFormat): CopyLoad;
  /**
   * Runs `COPY (query) TO STDOUT …` (`sql`, without parameters) inside the
   * open transaction: its output as a byte stream that stops reading the
   * socket while it is not read (backpressure), emits `error` with the
   * server's error, and ends after the last row. Only a server has it.
   */
  readonly copyOut?: (sql: string) => Readable;
  /** Ends the session politely (an open transaction rolls back). Never rejects. */
  close(): Promise<void>;
  /** Ends the session at once: a server drops the statement in flight; later statements fail; an open transaction rolls back. */
  destroy(): void;
}

/** Opens a session on the step's database; rejects with a message that names no secret. */
export function openSession(
  ctx: StepContext,
  target: ConnectionTarget,
  types: ClientTypes,
  what: string,
): Promise<Session> {
  return target.kind === 'embedded'
    ? openEmbeddedSession(ctx, target, types, what)
    : openServerSession(ctx, target, types, what);
}
