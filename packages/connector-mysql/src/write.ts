// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { OsirisError, OsirisErrorCode, type Redactor } from '@osiris/registry';
import type { ColumnDescriptor, Row, StepContext, TabularStream, WriteResult } from '@osiris/runner';
import type { Connection, ResultSetHeader } from 'mysql2';
import { type CatalogColumn, loadColumns } from './catalog';
import {
  type ConnectionTarget,
  closeConnection,
  openConnection,
  prepareSession,
  resolveConnection,
  runQuery,
} from './connection';
import { MYSQL_ERROR_REASONS, MysqlConnectorError, type MysqlErrorReason } from './errors';
import { LOAD_DATA_FORMAT, LoadDataEncoder, ValueEncodingError } from './load-data';
import { parseWriteConfig, type WriteConfig } from './write-config';
import { mysqlTypeFor } from './write-types';

/** The input stream failed: the source's error is the cause. */
class InputError extends OsirisError {
  override readonly name = 'InputError';
  constructor(message: string, options: { cause: unknown }) {
    super(OsirisErrorCode.Run, message, options);
  }
}

/** The server took the load but changed or skipped values (LOAD DATA LOCAL turns its errors into warnings). */
class LoadRefusedError extends OsirisError {
  override readonly name = 'LoadRefusedError';
  constructor(message: string) {
    super(OsirisErrorCode.Run, message);
  }
}

const id = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const qualified = (schema: string, table: string) => `${id(schema)}.${id(table)}`;
const list = (names: readonly string[]) => names.map(id).join(', ');

/** A table name of at most 64 characters (MySQL's limit) beside `table`, unique for this run. */
function besideName(table: string, what: 'new' | 'old'): string {
  const suffix = `__osiris_${what}_${randomBytes(4).toString('hex')}`;
  return table.slice(0, 64 - suffix.length) + suffix;
}

/** Bytes per LOAD DATA packet: well under MySQL's 16 MB packet and any max_allowed_packet. */
const PACKET_BYTES = 1 << 20;

function stepError(ctx: StepContext, reason: MysqlErrorReason, message: string, cause?: unknown) {
  return new MysqlConnectorError(
    reason,
    ctx.stepId,
    `mysql.table step '${ctx.stepId}': ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function exec(conn: Connection, sqlText: string, infile?: () => Readable): Promise<ResultSetHeader> {
  return new Promise((resolve, reject) => {
    conn.query(
      infile === undefined ? { sql: sqlText } : { sql: sqlText, infileStreamFactory: infile },
      (err, result) => {
        if (err) reject(err);
        else resolve(result as ResultSetHeader);
      },
    );
  });
}

/** Per-session settings of a write: naive date-times are UTC, every data error is an error (not a warning). */
async function prepareWriteSession(conn: Connection): Promise<void> {
  await prepareSession(conn);
  await exec(
    conn,
    "SET SESSION time_zone = '+00:00', SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES', 'NO_ENGINE_SUBSTITUTION'), SESSION sql_notes = 1",
  );
}

/**
 * `write` of `mysql.table`: `append` loads into the table in one transaction; `merge` loads a
 * temporary staging table and upserts it with `INSERT … SELECT … ON DUPLICATE KEY UPDATE` in one
 * transaction; `replace` loads a new table beside the target and swaps it in with one atomic
 * `RENAME TABLE`. Rows travel with `LOAD DATA LOCAL INFILE` from a stream. Any failure (the
 * server, a value it would change, the input stream, an abort) leaves the target as it was.
 */
export async function writeTable(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
  input: TabularStream,
): Promise<WriteResult> {
  const config = parseWriteConfig(ctx.stepId, rawConfig);
  checkInput(ctx, config, input.columns);
  const resolved = resolveConnection(ctx.stepId, ctx.connection);
  // Without FOUND_ROWS, an upsert's affected rows tell updated rows (2) from unchanged ones (0).
  const target: ConnectionTarget = { ...resolved, options: { ...resolved.options, flags: ['-FOUND_ROWS'] } };
  const conn = await openConnection(ctx, target);
  let closed = false;
  const onAbort = () => {
    closed = true;
    closeConnection(conn, false); // the server rolls back what the connection had not committed
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const w = new Writer(ctx, conn, config, input, target);
  try {
    await prepareWriteSession(conn);
    const schema = await w.schemaName();
    w.schema = schema;
    const result =
      config.writeMode === 'append'
        ? await w.append()
        : config.writeMode === 'merge'
          ? await w.merge()
          : await w.replace();
    if (ctx.signal.aborted) throw abortError(ctx);
    return result;
  } catch (err) {
    if (!closed) await exec(conn, 'ROLLBACK').catch(() => {});
    await w.cleanUp();
    throw toStepError(ctx, err, w.tableName, resolved.redactor, w.committed);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (!closed) closeConnection(conn, true);
  }
}

function abortError(ctx: StepContext): MysqlConnectorError {
  return stepError(
    ctx,
    MYSQL_ERROR_REASONS.ABORTED,
    'the write was aborted (the run was interrupted or another step failed); the table is unchanged.',
    ctx.signal.reason,
  );
}

function checkInput(ctx: StepContext, config: WriteConfig, columns: readonly ColumnDescriptor[]): void {
  if (columns.length === 0) {
    throw stepError(ctx, MYSQL_ERROR_REASONS.CONFIG_INVALID, 'the input has no columns; nothing can be written.');
  }
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) {
      throw stepError(ctx, MYSQL_ERROR_REASONS.CONFIG_INVALID, `the input has the column '${c.name}' twice.`);
    }
    names.add(c.name);
  }
  const missing = config.mergeKeys.filter((k) => !names.has(k));
  if (missing.length > 0) {
    throw stepError(
      ctx,
      MYSQL_ERROR_REASONS.COLUMN_NOT_FOUND,
      `merge key ${missing.map((k) => `'${k}'`).join(', ')} is not a column of the input (${[...names].join(', ')}). Fix options.merge_keys or add the column to the source.`,
    );
  }
}

function toStepError(
  ctx: StepContext,
  err: unknown,
  tableName: string,
  redactor: Redactor,
  committed: boolean,
): MysqlConnectorError {
  if (err instanceof MysqlConnectorError) return err;
  if (ctx.signal.aborted) return abortError(ctx);
  const unchanged = committed ? '' : ` The write into ${tableName} was rolled back; the table is unchanged.`;
  if (err instanceof InputError) {
    const cause = err.cause;
    return new MysqlConnectorError(
      MYSQL_ERROR_REASONS.INPUT_FAILED,
      ctx.stepId,
      redactor.text(
        `mysql.table step '${ctx.stepId}': ${err.message}: ${cause instanceof Error ? cause.message : String(cause)}.${unchanged}`,
      ),
      { cause },
    );
  }
  const what =
    err instanceof ValueEncodingError || err instanceof LoadRefusedError
      ? err.message
      : `writing into ${tableName} failed: ${describeMysqlError(err)}`;
  return new MysqlConnectorError(
    MYSQL_ERROR_REASONS.WRITE_FAILED,
    ctx.stepId,
    redactor.text(`mysql.table step '${ctx.stepId}': ${what}.${unchanged}`),
    { cause: err },
  );
}

function describeMysqlError(err: unknown): string {
  const e = err as { code?: unknown; sqlMessage?: unknown; message?: unknown } | null;
  const message = typeof e?.sqlMessage === 'string' ? e.sqlMessage : err instanceof Error ? err.message : String(err);
  const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
  return `${message.replace(/\.$/, '')}${code}`;
}

/** One write: the connection, the options, and what it created that a failure must drop again. */
class Writer {
  schema = '';
  /** Whether the change is committed (a failure after it cannot undo it). */
  committed = false;
  /** Tables this write created and drops again when it fails. */
  readonly #created: string[] = [];

  constructor(
    readonly ctx: StepContext,
    readonly conn: Connection,
    readonly config: WriteConfig,
    readonly input: TabularStream,
    readonly target: ConnectionTarget,
  ) {}

  get tableName(): string {
    return this.schema === '' ? id(this.config.table) : qualified(this.schema, this.config.table);
  }

  get names(): string[] {
    return this.input.columns.map((c) => c.name);
  }

  async schemaName(): Promise<string> {
    const schema = this.config.schema ?? this.target.database;
    if (schema !== undefined) return schema;
    const [row] = await runQuery<[string | null]>(this.conn, 'SELECT DATABASE()', true);
    if (row?.[0] == null) {
      throw stepError(
        this.ctx,
        MYSQL_ERROR_REASONS.CONFIG_INVALID,
        `no database to write table '${this.config.table}' into. Set options.schema, or a database in the connection.`,
      );
    }
    return row[0];
  }

  async append(): Promise<WriteResult> {
    await this.prepareTarget();
    await exec(this.conn, 'START TRANSACTION');
    const rowsWritten = await this.load(this.tableName, this.names);
    await this.commit();
    return { rowsWritten };
  }

  async merge(): Promise<WriteResult> {
    const { ctx, conn, config } = this;
    await this.prepareTarget();
    await this.checkUniqueKey();
    const names = this.names;
    let seq = '__osiris_seq';
    while (names.includes(seq)) seq += '_';
    const stage = id(besideName('osiris_stage', 'new'));
    // A temporary table is the session's own: no other session sees it, and it goes with the connection.
    await exec(
      conn,
      `CREATE TEMPORARY TABLE ${stage} (${id(seq)} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB SELECT ${list(names)} FROM ${this.tableName} LIMIT 0`,
    );
    try {
      const rowsWritten = await this.load(stage, names);
      if (rowsWritten === 0) return { rowsWritten, inserted: 0, updated: 0 };
      await this.refuseNullKeys(stage, seq, rowsWritten);
      ctx.reporter.phase?.('merging');
      const keys = new Set(config.mergeKeys);
      const updates = names.filter((n) => !keys.has(n));
      const assignments = (updates.length > 0 ? updates : [config.mergeKeys[0] as string])
        .map((n) => `${id(n)} = VALUES(${id(n)})`)
        .join(', ');
      await exec(conn, 'START TRANSACTION');
      // In input order, so that of two rows with one key the last wins.
      const result = await exec(
        conn,
        `INSERT INTO ${this.tableName} (${list(names)}) SELECT ${list(names)} FROM ${stage} ORDER BY ${id(seq)} ON DUPLICATE KEY UPDATE ${assignments}`,
      );
      const counts = upsertCounts(result, rowsWritten);
      await this.commit();
      ctx.reporter.log(
        'info',
        `merged ${rowsWritten} rows into ${this.tableName}: ${counts.inserted} inserted, ${counts.updated} updated, ${counts.unchanged} unchanged`,
        { step: ctx.stepId, ...counts },
      );
      return { rowsWritten, inserted: counts.inserted, updated: counts.updated };
    } finally {
      await exec(conn, `DROP TEMPORARY TABLE IF EXISTS ${stage}`).catch(() => {});
    }
  }

  async replace(): Promise<WriteResult> {
    const { ctx, conn, config } = this;
    const existing = await this.targetColumns();
    const fresh = besideName(config.table, 'new');
    const freshName = qualified(this.schema, fresh);
    if (existing.length === 0) {
      if (!config.createTable) throw this.notFound();
      await this.createTable(freshName);
    } else {
      await this.refuseWhatReplaceLoses();
      this.checkColumns(existing);
      // Indexes, defaults, generated columns, AUTO_INCREMENT, partitioning and comments come along.
      await exec(conn, `CREATE TABLE ${freshName} LIKE ${this.tableName}`);
      this.#created.push(freshName);
    }
    await exec(conn, 'START TRANSACTION');
    const rowsWritten = await this.load(freshName, this.names);
    await this.commit();
    this.committed = false; // nothing readers see has changed yet
    if (existing.length === 0) {
      await exec(conn, `RENAME TABLE ${freshName} TO ${this.tableName}`);
      this.#created.length = 0;
      this.committed = true;
      ctx.reporter.log('info', `created table ${this.tableName}`, { step: ctx.stepId, table: this.tableName });
      return { rowsWritten };
    }
    const old = qualified(this.schema, besideName(config.table, 'old'));
    // One statement, atomic: readers see the old table or the new one, never neither (grants, kept by name, apply to the new one).
    await exec(conn, `RENAME TABLE ${this.tableName} TO ${old}, ${freshName} TO ${this.tableName}`);
    this.#created.length = 0;
    this.committed = true;
    try {
      await exec(conn, `DROP TABLE ${old}`);
    } catch (err) {
      ctx.reporter.log(
        'warn',
        `replaced ${this.tableName}, but could not drop the previous table, now ${old}: ${describeMysqlError(err)}. Drop it by hand.`,
        { step: ctx.stepId },
      );
    }
    return { rowsWritten };
  }

  /** Drops what a failed write created (best effort, on a fresh connection when the step's is gone). */
  async cleanUp(): Promise<void> {
    if (this.#created.length === 0) return;
    const drop = `DROP TABLE IF EXISTS ${this.#created.join(', ')}`;
    try {
      await exec(this.conn, drop);
    } catch {
      try {
        const conn = await openConnection({ ...this.ctx, signal: new AbortController().signal }, this.target);
        await exec(conn, drop).finally(() => closeConnection(conn, true));
      } catch {
        this.ctx.reporter.log(
          'warn',
          `could not drop ${this.#created.join(', ')} after the failed write; drop it by hand`,
          {
            step: this.ctx.stepId,
          },
        );
      }
    }
    this.#created.length = 0;
  }

  async commit(): Promise<void> {
    if (this.ctx.signal.aborted) throw abortError(this.ctx);
    await exec(this.conn, 'COMMIT');
    this.committed = true;
  }

  notFound(): MysqlConnectorError {
    return stepError(
      this.ctx,
      MYSQL_ERROR_REASONS.TABLE_NOT_FOUND,
      `the target table ${this.tableName} does not exist. Create it first, or set \`create_table: true\` in the step options to create it from the input's columns.`,
    );
  }

  async targetColumns(): Promise<CatalogColumn[]> {
    return loadColumns(this.conn, { schema: this.schema, table: this.config.table });
  }

  /** The target's columns, after creating the table when it is missing and `create_table` is set. */
  async prepareTarget(): Promise<void> {
    let columns = await this.targetColumns();
    if (columns.length === 0) {
      if (!this.config.createTable) throw this.notFound();
      try {
        await this.createTable(this.tableName);
        this.ctx.reporter.log('info', `created table ${this.tableName}`, {
          step: this.ctx.stepId,
          table: this.tableName,
        });
      } catch (err) {
        // Another run created it meanwhile: write into that one.
        if ((err as { code?: unknown }).code !== 'ER_TABLE_EXISTS_ERROR') throw err;
      }
      columns = await this.targetColumns();
    }
    this.checkColumns(columns);
  }

  checkColumns(columns: readonly CatalogColumn[]): void {
    const have = new Set(columns.map((c) => c.name.toLowerCase()));
    const missing = this.names.filter((n) => !have.has(n.toLowerCase()));
    if (missing.length > 0) {
      throw stepError(
        this.ctx,
        MYSQL_ERROR_REASONS.COLUMN_NOT_FOUND,
        `the target table ${this.tableName} has no column ${missing.map((m) => `'${m}'`).join(', ')} that the input has. Add the column to the table (ALTER TABLE … ADD COLUMN), or leave it out of the source's columns.`,
      );
    }
  }

  async createTable(name: string): Promise<void> {
    const keys = new Set(this.config.writeMode === 'merge' ? this.config.mergeKeys : []);
    const defs = this.input.columns.map(
      (c) => `${id(c.name)} ${mysqlTypeFor(c, keys.has(c.name))}${c.nullable && !keys.has(c.name) ? '' : ' NOT NULL'}`,
    );
    if (keys.size > 0) defs.push(`PRIMARY KEY (${list([...keys])})`);
    // utf8mb4_bin: text compares byte for byte, as in Postgres, so keys that differ in case stay apart.
    await exec(
      this.conn,
      `CREATE TABLE ${name} (${defs.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    );
    this.#created.push(name);
  }

  /** A merge upserts by a unique key: there must be one on exactly the merge keys. */
  async checkUniqueKey(): Promise<void> {
    const rows = await runQuery<[string, string]>(
      this.conn,
      `SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR '\\0') FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ${sqlString(this.schema)} AND TABLE_NAME = ${sqlString(this.config.table)} AND NON_UNIQUE = 0
GROUP BY INDEX_NAME`,
      true,
    );
    const keys = new Set(this.config.mergeKeys.map((k) => k.toLowerCase()));
    const matches = (cols: string) => {
      const parts = cols.split('\0').map((c) => c.toLowerCase());
      return parts.length === keys.size && parts.every((c) => keys.has(c));
    };
    if (!rows.some(([, cols]) => matches(cols))) {
      throw stepError(
        this.ctx,
        MYSQL_ERROR_REASONS.CONFIG_INVALID,
        `merge needs a primary key or unique index on exactly (${this.config.mergeKeys.join(', ')}) of ${this.tableName}, and it has none. Add one (ALTER TABLE ${this.tableName} ADD UNIQUE (${list(this.config.mergeKeys)})), or choose merge_keys that are one.`,
      );
    }
    const others = rows.filter(([, cols]) => !matches(cols)).map(([name]) => name);
    if (others.length > 0) {
      this.ctx.reporter.log(
        'warn',
        `${this.tableName} has other unique keys (${others.join(', ')}) besides the merge keys: a row that matches an existing row on one of them updates that row`,
        { step: this.ctx.stepId },
      );
    }
  }

  async refuseNullKeys(stage: string, seq: string, rowsWritten: number): Promise<void> {
    const keys = this.config.mergeKeys;
    const [row] = await runQuery<[unknown, unknown]>(
      this.conn,
      `SELECT COUNT(*), MIN(${id(seq)}) FROM ${stage} WHERE ${keys.map((k) => `${id(k)} IS NULL`).join(' OR ')}`,
      true,
    );
    const count = Number(row?.[0] ?? 0);
    if (count === 0) return;
    throw stepError(
      this.ctx,
      MYSQL_ERROR_REASONS.WRITE_FAILED,
      `a merge key is NULL in ${count} of ${rowsWritten} input rows (the first is row ${String(row?.[1])}). A NULL key matches no row, so such a row would be inserted again by every run. Leave those rows out in the source (filters: ${keys.map((k) => `{column: ${k}, op: is_not_null}`).join(', ')}), or choose merge_keys whose columns hold no NULLs. The write into ${this.tableName} was rolled back; the table is unchanged.`,
    );
  }

  /** What a swap could not keep: foreign keys (to or from the table) and triggers. Refused before anything is loaded. */
  async refuseWhatReplaceLoses(): Promise<void> {
    const s = sqlString(this.schema);
    const t = sqlString(this.config.table);
    const fks = await runQuery<[string, string, string]>(
      this.conn,
      `SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS
WHERE (CONSTRAINT_SCHEMA = ${s} AND TABLE_NAME = ${t}) OR (UNIQUE_CONSTRAINT_SCHEMA = ${s} AND REFERENCED_TABLE_NAME = ${t})`,
      true,
    );
    const triggers = await runQuery<[string]>(
      this.conn,
      `SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ${s} AND EVENT_OBJECT_TABLE = ${t}`,
      true,
    );
    const lost = [
      ...fks.map(([, table, name]) => `foreign key ${name} (of ${table})`),
      ...triggers.map(([name]) => `trigger ${name}`),
    ];
    if (lost.length > 0) {
      throw stepError(
        this.ctx,
        MYSQL_ERROR_REASONS.CONFIG_INVALID,
        `write_mode replace swaps in a new table, which would not keep ${lost.join(', ')} of ${this.tableName}. Use write_mode merge (or append after deleting the rows), or drop them first. Nothing was changed.`,
      );
    }
  }

  /**
   * Streams the input into `table (columns)` with `LOAD DATA LOCAL INFILE` and checks that the
   * server took every row as it was: with LOCAL, MySQL turns data errors (a value out of range, a
   * duplicate key) into warnings and goes on, so any warning or a skipped row fails the write.
   */
  async load(table: string, columns: readonly string[]): Promise<number> {
    const { ctx, conn, input } = this;
    const encoder = new LoadDataEncoder(input.columns);
    const socket = (conn as unknown as { stream?: NodeJS.WritableStream & { writableNeedDrain?: boolean } }).stream;
    const iterator = input.batches[Symbol.asyncIterator]();
    let done = false;
    let failed: unknown;
    const source = new Readable({
      highWaterMark: 1,
      objectMode: true,
      read() {
        void (async () => {
          try {
            // Backpressure: wait while the socket has not sent what it was given.
            if (socket?.writableNeedDrain === true) await new Promise((r) => socket.once('drain', r));
            let step: IteratorResult<Row[]>;
            try {
              step = await iterator.next();
            } catch (err) {
              done = true;
              throw new InputError(`the input stream failed after ${encoder.rows} rows`, { cause: err });
            }
            if (step.done === true) {
              done = true;
              this.push(null);
              return;
            }
            if (ctx.signal.aborted) throw abortError(ctx);
            const bytes = encoder.encode(step.value);
            if (bytes.length === 0) {
              this.push(Buffer.alloc(0));
              return;
            }
            for (let at = 0; at < bytes.length; at += PACKET_BYTES) this.push(bytes.subarray(at, at + PACKET_BYTES));
          } catch (err) {
            failed = err;
            this.destroy(err as Error);
          }
        })();
      },
    });
    let result: ResultSetHeader;
    try {
      result = await exec(
        conn,
        `LOAD DATA LOCAL INFILE 'osiris-input' INTO TABLE ${table} ${LOAD_DATA_FORMAT} (${list(columns)})`,
        () => source,
      );
    } catch (err) {
      throw failed ?? err;
    } finally {
      if (!done) void Promise.resolve(iterator.return?.()).catch(() => {});
    }
    if (failed !== undefined) throw failed;
    const rows = encoder.rows;
    if (result.warningStatus > 0 || result.affectedRows !== rows) {
      const warnings = await runQuery<{ Level: string; Code: number; Message: string }>(conn, 'SHOW WARNINGS LIMIT 3');
      const shown = warnings.map((w) => `${w.Level} ${w.Code}: ${w.Message}`).join('; ');
      throw new LoadRefusedError(
        `the server did not take every row into ${this.tableName} as it was: it stored ${result.affectedRows} of ${rows} rows with ${result.warningStatus} warnings${shown === '' ? '' : ` (${shown})`}. Fix the values or the column types`,
      );
    }
    return rows;
  }
}

function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Inserted, updated and unchanged rows of one `INSERT … SELECT … ON DUPLICATE KEY UPDATE`, exact:
 * the server reports `Records` (rows selected) and `Duplicates` (rows it updated to new values) in
 * its info, and (without FOUND_ROWS) counts 1 affected row per insert, 2 per changed row and 0 per
 * row whose values were already the same. Two input rows with one key count as an insert and an
 * update (or an unchanged row).
 */
export function upsertCounts(
  result: Pick<ResultSetHeader, 'affectedRows' | 'info'>,
  rows: number,
): { inserted: number; updated: number; unchanged: number } {
  const m = /Records:\s*(\d+)\s+Duplicates:\s*(\d+)/.exec(result.info ?? '');
  const records = m === null ? rows : Number(m[1]);
  const updated = m === null ? 0 : Number(m[2]);
  const inserted = result.affectedRows - 2 * updated;
  return { inserted, updated, unchanged: records - inserted - updated };
}
