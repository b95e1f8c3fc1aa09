// SPDX-License-Identifier: MIT

import type { Readable } from 'node:stream';
import type { StepContext } from '@osiris/runner';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { type ClientTypes, closeClient, destroyClient, openClient, type ServerTarget } from './connection';
import type { CopyEvents, CopyFormat, CopyLoad, ResultField, Session } from './session';

/** Bytes of COPY text buffered ahead of the socket, so encoding overlaps sending. */
const COPY_HIGH_WATER_MARK = 4 * 1024 * 1024;
/** Bytes of `COPY … TO` output read ahead of the consumer, so the source's server keeps sending while the sink writes. */
const COPY_OUT_HIGH_WATER_MARK = 1024 * 1024;

type CopyFromStream = ReturnType<typeof copyFrom>;

/**
 * pg-copy-streams 7.0.0 clears the stream's connection when the server
 * reports an error, but a flush still waiting for the socket's `drain` (or a
 * write buffered meanwhile) then sends through it: an uncaught TypeError that
 * ends the process (brianc/node-pg-copy-streams#171). Loads that write faster
 * than the socket drains hit it when the server refuses a row. Nothing is to
 * be sent after the error anyway, so a flush without a connection does nothing.
 */
function guardFlush(stream: CopyFromStream): CopyFromStream {
  const internals = stream as unknown as { connection: unknown; flush(callback?: () => void): void };
  const flush = internals.flush;
  internals.flush = function (this: typeof internals, callback?: () => void) {
    if (this.connection !== null && this.connection !== undefined) flush.call(this, callback);
  };
  return stream;
}

/** `COPY … FROM STDIN` over pg-copy-streams: writes go to the socket, `drain` when its buffer empties. */
class ServerCopy implements CopyLoad {
  readonly #client: Client;
  readonly #stream: ReturnType<typeof copyFrom>;
  #failed = false;

  constructor(client: Client, sql: string, events: CopyEvents) {
    this.#client = client;
    this.#stream = client.query(guardFlush(copyFrom(sql, { highWaterMark: COPY_HIGH_WATER_MARK })));
    this.#stream.on('error', (err: Error) => {
      this.#failed = true;
      events.error(err);
    });
    this.#stream.on('drain', events.drain);
  }

  write(chunk: string | Uint8Array): boolean {
    return this.#stream.write(chunk);
  }

  get waiting(): boolean {
    return this.#stream.writableNeedDrain;
  }

  end(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#stream.once('finish', resolve);
      this.#stream.once('error', reject);
      this.#stream.end();
    });
  }

  async cancel(reason: Error): Promise<void> {
    if (this.#failed || this.#stream.destroyed) return;
    // CopyFail: the server ends the COPY with an error and the connection stays usable for ROLLBACK.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        destroyClient(this.#client);
        resolve();
      }, 10_000);
      this.#stream.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#stream.destroy(reason);
    });
  }
}

/** A session on one `pg` client: every call is the client call the connector made before sessions existed. */
class ServerSession implements Session {
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  async begin(sql: string): Promise<void> {
    await this.#client.query(sql);
  }

  async commit(): Promise<void> {
    await this.#client.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.#client.query('ROLLBACK');
  }

  async exec(sql: string): Promise<void> {
    await this.#client.query(sql);
  }

  async affected(sql: string): Promise<number> {
    return (await this.#client.query(sql)).rowCount ?? 0;
  }

  rows<R extends unknown[]>(text: string, values?: readonly unknown[]): Promise<R[]> {
    const config =
      values === undefined
        ? { text, rowMode: 'array' as const }
        : { text, values: [...values], rowMode: 'array' as const };
    return this.#client.query<R>(config).then((result) => result.rows);
  }

  async describe(sql: string, values: readonly unknown[]): Promise<ResultField[]> {
    const result = await this.#client.query({
      text: `SELECT * FROM (${sql}) AS osiris_query LIMIT 0`,
      values: [...values],
      rowMode: 'array',
    });
    return result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typmod: f.dataTypeModifier }));
  }

  async declareCursor(name: string, sql: string, values: readonly unknown[]): Promise<void> {
    await this.#client.query({ text: `DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, values: [...values] });
  }

  readonly binaryCopy = true;

  copyIn(target: string, events: CopyEvents, format: CopyFormat = 'text'): CopyLoad {
    const options = format === 'binary' ? ' (FORMAT binary)' : '';
    return new ServerCopy(this.#client, `COPY ${target} FROM STDIN${options}`, events);
  }

  readonly copyOut = (sql: string): Readable =>
    this.#client.query(copyTo(sql, { highWaterMark: COPY_OUT_HIGH_WATER_MARK }));

  close(): Promise<void> {
    return closeClient(this.#client);
  }

  destroy(): void {
    destroyClient(this.#client);
  }
}

export async function openServerSession(
  ctx: StepContext,
  target: ServerTarget,
  types: ClientTypes,
  what: string,
): Promise<Session> {
  return new ServerSession(await openClient(ctx, target, types, what));
}
