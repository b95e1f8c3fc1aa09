// SPDX-License-Identifier: MIT
import type { IncrementalRead, IncrementalReport, StateKey, StateRecord } from './incremental';

/**
 * Logical column types shared by every connector. A source maps its native
 * types onto these; a sink maps them onto its own (for COPY encoding and for
 * `create_table`). Values travel in the representation given beside each kind
 * so that nothing is lost between databases:
 *
 * - `integer`   number (fits in 2^53)
 * - `bigint`    string of digits (exact beyond 2^53)
 * - `decimal`   string, exact as the source printed it
 * - `float`     number
 * - `boolean`   boolean
 * - `text`      string
 * - `date`      string `YYYY-MM-DD` (no time zone shifts)
 * - `timestamp` string `YYYY-MM-DD HH:MM:SS[.ffffff]` (no zone)
 * - `timestamptz` string in ISO 8601 with offset
 * - `time`      string `[-]HH:MM:SS[.ffffff]`: a time of day, or (MySQL `TIME`) a duration, whose
 *                hours may exceed 23 (MySQL: up to 838) or be negative
 * - `json`      string holding JSON text
 * - `bytes`     Buffer
 * - `uuid`      string
 *
 * `null` is NULL for every kind.
 */
export type ColumnKind =
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'text'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'time'
  | 'json'
  | 'bytes'
  | 'uuid';

export interface ColumnDescriptor {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** The source's own type as it reports it, e.g. `decimal(12,2)` or `tinyint(1)`. */
  readonly nativeType: string;
  /** Precision/scale for decimals, length for strings, when the source knows them. */
  readonly precision?: number;
  readonly scale?: number;
  readonly length?: number;
  /**
   * Optional: what the source declares about the column beyond its values,
   * for a sink that creates the target table (`create_table`, ADR 0022).
   */
  readonly declared?: DeclaredColumn;
}

/**
 * A source column's declaration, as far as another database can repeat it.
 * Every field is optional: a source that does not know one leaves it out.
 */
export interface DeclaredColumn {
  /**
   * The source declares the column NOT NULL although {@link ColumnDescriptor.nullable}
   * says its values may be NULL (MySQL zero dates are read as NULL): a sink
   * creating the table keeps NOT NULL only when no NULL arrived.
   */
  readonly notNull?: boolean;
  /** A constant default, as its value in the kind's representation (`0`, `new`, `2020-01-01`); expressions are left out. */
  readonly default?: string;
  readonly comment?: string;
  /**
   * From a Postgres source: the column's type as Postgres spells it
   * (`numeric(12,2)`, `integer[]`, `timestamp with time zone`), for a
   * Postgres sink to keep it. A user-defined type is given as its base type
   * (a domain) or `text` (an enum, `text[]` for an array of one), with `enum` naming it.
   */
  readonly postgresType?: string;
  /** The name of the source's enum type, when `postgresType` stands in for one: a sink may use its own enum of that name. */
  readonly enum?: string;
}

/** An index of the source table; expression, partial and prefix indexes are left out. */
export interface DeclaredIndex {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

/** What a table source declares about its table, for a sink that creates the target (ADR 0022). */
export interface DeclaredTable {
  /** Primary key columns in key order; absent when the table has none (or not all of them are read). */
  readonly primaryKey?: readonly string[];
  /** Indexes other than the primary key whose columns are all read. */
  readonly indexes?: readonly DeclaredIndex[];
}

/** One row as an array of values, in the order of `TabularStream.columns`. */
export type Row = unknown[];

/**
 * What a read produces and a write consumes: the column list and an async
 * iterable of row batches. The iterable is pulled, so a slow writer slows the
 * reader down (backpressure) and memory stays bounded by the batch size.
 *
 * A source may offer the same rows in up to two more forms, `textBatches` and
 * `copyBinary`. A consumer pulls exactly one of `batches`, `textBatches` and
 * `copyBinary.chunks`, never two; the others are never started. Returning
 * (or breaking out of) the one it pulls, or returning `batches` when it pulled
 * nothing, ends the read.
 */
export interface TabularStream {
  readonly columns: readonly ColumnDescriptor[];
  readonly batches: AsyncIterable<Row[]>;
  /**
   * Optional: the same rows as {@link TextBatch}es, for a sink that loads
   * text (Postgres COPY) without building a value per field. A sink that
   * cannot take text (or not for these columns) uses `batches`.
   */
  readonly textBatches?: AsyncIterable<TextBatch>;
  /**
   * Optional: the same rows as a Postgres COPY binary stream, for a Postgres
   * sink whose columns have exactly the source's types (ADR 0013). A sink
   * that cannot take it (another database, another type in any column) uses
   * one of the other forms.
   */
  readonly copyBinary?: CopyBinaryStream;
  /**
   * Optional: about how many rows the read will give, from the source's
   * table statistics (MySQL's `TABLE_ROWS`, Postgres's `reltuples`), for
   * progress only: shown as approximate, never trusted for a count. Absent
   * when the source cannot tell cheaply (a filtered read, no statistics).
   */
  readonly estimatedRows?: number;
  /** Optional: the source table's keys and indexes (only a table source, never a query). */
  readonly declared?: DeclaredTable;
  /** Set by a source that read incrementally (`StepContext.incremental`): what it read and why (ADR 0024). */
  readonly incremental?: IncrementalReport;
}

/**
 * Rows as the output of Postgres's `COPY … TO STDOUT (FORMAT binary)`, passed
 * on unchanged: the fast path between two Postgres databases whose tables
 * have the same column types (`in_memory_move`), where neither end parses or
 * prints a value.
 *
 * The bytes of `chunks`, concatenated, are one complete COPY binary stream:
 * the header, one tuple per row with one field per column of
 * `TabularStream.columns` (in that order), and the trailer. Chunk boundaries
 * fall anywhere, also inside a tuple or a length word; {@link CopyBinaryFraming}
 * counts the tuples as the chunks pass. A source that fails or is aborted
 * throws instead of ending the stream, so a stream that ends without its
 * trailer is malformed. Memory is bounded by the source's read-ahead in bytes,
 * not by `chunkSize` rows.
 *
 * Each value is in the binary form of its column's type, which Postgres's
 * `COPY … FROM STDIN (FORMAT binary)` takes only into a column of exactly that
 * type: a sink passes the stream on only when every target column's base
 * type name equals the one given here, and otherwise uses another form. The
 * target's typmods, domain checks and constraints still apply on the server.
 *
 * @example
 * // A Postgres sink: pass the rows straight into its own COPY.
 * if (input.copyBinary?.typnames.every((name, i) => name === targetTypnames[i])) {
 *   for await (const chunk of input.copyBinary.chunks) copy.write(chunk);
 * }
 */
export interface CopyBinaryStream {
  /**
   * The base type name (`pg_type.typname`; a domain as its base type, so
   * `int4`, `numeric`, `_text`, an enum's own name) of each column, in the
   * order of `TabularStream.columns`.
   */
  readonly typnames: readonly string[];
  readonly chunks: AsyncIterable<Uint8Array>;
}

/**
 * Rows as text, the fast path between a source whose database prints values
 * (MySQL's text protocol) and a sink that loads text: no string, number or
 * array per value on the way.
 *
 * `data` holds every value, row by row and column by column, each as a
 * length-encoded string: the length (one byte below 251; or 0xfc and 2
 * bytes, 0xfd and 3 bytes, 0xfe and 8 bytes, little-endian) and then that
 * many bytes; the single byte 0xfb is NULL. The bytes of a value are those of
 * the value `batches` gives for the same row:
 *
 * - `integer`: the number's decimal digits, `-` first when negative, as `String(value)` prints them
 * - `float`: in ASCII, a decimal (`-`, digits, an optional `.` and digits, an optional exponent `e`
 *   or `E` with an optional sign) that reads back as exactly the value's double, as `Number` and
 *   Postgres's `float8in` read it (both round correctly); or `NaN`, `Infinity`, `-Infinity`. Not
 *   necessarily `String(value)`: MySQL prints the shortest such decimal in its own way (`1e23`
 *   where `String` prints `1e+23`), so the value is equal, not the bytes. (`mysql.table` keeps a
 *   FLOAT column on row batches: its values there are shortened to 32 bits, its text is not.)
 * - `bigint`, `decimal`, `date`, `timestamp`, `timestamptz`, `time`, `uuid`: the string, in ASCII
 * - `text`, `json`: the string in UTF-8
 * - `bytes`: the bytes
 *
 * A source offers text batches only when every column has one of these kinds
 * (`boolean` never travels as text).
 */
export interface TextBatch {
  /** How many rows `data` holds. */
  readonly rowCount: number;
  readonly data: Uint8Array;
}

/** The kinds whose values can travel in a {@link TextBatch}. */
export const TEXT_KINDS: ReadonlySet<ColumnKind> = new Set<ColumnKind>([
  'integer',
  'float',
  'bigint',
  'decimal',
  'date',
  'timestamp',
  'timestamptz',
  'time',
  'uuid',
  'text',
  'json',
  'bytes',
]);

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What a connector may tell the runner while it works. */
export interface StepReporter {
  /**
   * A note for the run log, in its `message` field (never put a secret here: it is redacted, but
   * do not rely on it). `warn` notes are also shown to the user after the run: use it for what
   * the user should know about the data (values read as NULL), `info` for what happened.
   */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /**
   * Optional: the step enters a phase that takes time without moving rows, e.g. `merging` when a
   * merge's upsert starts after its COPY. Logged, and shown by the progress display (`merging…`).
   */
  phase?(name: string): void;
}

/** Everything a connector gets for one step. */
export interface StepContext {
  readonly stepId: string;
  /** Resolved connection fields for the step's `@ref` (e.g. `{ url: 'postgres://…' }`). Secret: keep in memory only. */
  readonly connection: Readonly<Record<string, string>>;
  /** Rows per batch; memory is bounded by this, not by the table size. */
  readonly chunkSize: number;
  /** Aborted on Ctrl-C or when another step fails; a write must roll back. */
  readonly signal: AbortSignal;
  readonly reporter: StepReporter;
  /** A source with an `incremental` option: the watermark in the target's state and the run's flags (ADR 0024). */
  readonly incremental?: IncrementalRead;
  /**
   * A sink fed by an incremental source: the state row to write in the same transaction as the
   * rows (absent after a backfill, which leaves the state as it was).
   */
  readonly state?: StateRecord;
  /**
   * A sink: reads the source again, only these columns and every row (no incremental bound), for a
   * sink that compares key sets (`deletes: soft | hard`). Absent when there is no source.
   */
  readonly sourceKeys?: (columns: readonly string[]) => Promise<TabularStream>;
}

export interface WriteResult {
  readonly rowsWritten: number;
  /** For merge: rows inserted and rows updated, when the database tells. */
  readonly inserted?: number;
  readonly updated?: number;
  /** `deletes: soft | hard`: target rows marked deleted or deleted because their key left the source. */
  readonly deleted?: number;
  /**
   * Rows the sink set aside because the database refused them on their own (a sink option
   * `max_rejects` > 0, ADR 0020), in input order; the other rows were written. The runner writes
   * them, redacted, to `rejects/<step>.jsonl` in the run folder. Absent or empty: none.
   */
  readonly rejected?: readonly RejectedRow[];
}

/**
 * One row a sink refused on its own (a CHECK constraint, a value its column cannot take, a
 * duplicate key): one line of `rejects/<step>.jsonl`.
 */
export interface RejectedRow {
  /** The row's number in the step's input, from 1. */
  readonly row: number;
  /**
   * The row's values by column name, as JSON: numbers, strings (bigints, decimals, dates and times
   * as written), booleans, `null`; bytes as `{ "$hex": "0a1b…" }`.
   */
  readonly values: Readonly<Record<string, unknown>>;
  /** The database's error code (`23514` for a CHECK constraint), when it gave one. */
  readonly sqlstate?: string;
  /** The database's message for this row. */
  readonly message: string;
}

export interface DiscoveredColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nativeType: string;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
}

export interface DiscoveredTable {
  readonly schema: string;
  readonly name: string;
  readonly approxRows: number | null;
  readonly columns: readonly DiscoveredColumn[];
}

/**
 * One table (or view) of a schema as a many-table read sees it (`tables: [pattern, …]`): enough to
 * choose it, key a merge into its copy and order the loads by foreign keys.
 */
export interface ListedTable {
  readonly name: string;
  /** `table` for a base table; `view` for a view (chosen only when a pattern names it exactly). */
  readonly type: 'table' | 'view';
  /** The primary key's columns, in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Tables of the same schema this one's foreign keys reference (itself included when it does). */
  readonly references: readonly string[];
}

export interface ListTablesOptions {
  /** The schema (MySQL: database) to list; the connection's default when absent. */
  readonly schema?: string;
}

export interface DiscoverOptions {
  readonly schema?: string;
  readonly table?: string;
}

/**
 * What a component implementation provides. `type` is the component name of
 * its spec card (`mysql.table`); `modes` and `capabilities` must match what
 * the card declares, and the runner checks a step against them before it
 * calls the connector.
 *
 * A connector also declares what the rest of Osiris would otherwise have to
 * know about it (ADR 0018): the URL schemes of its connections, whether a
 * remote sandbox can run it, and which of its driver's errors are worth
 * another attempt. The three are optional so that a connector written for an
 * earlier version keeps working; every built-in connector declares them.
 *
 * @example
 * const csvConnector: Connector = {
 *   type: 'acme.csv', modes: ['read'], capabilities: [], urlSchemes: ['acme'],
 *   sandbox: () => 'it reads files on this machine',
 *   isTransient: (error) => (error as { code?: unknown }).code === 'ACME_BUSY',
 *   read: readAcme,
 * };
 */
export interface Connector {
  readonly type: string;
  readonly modes: readonly ('read' | 'write')[];
  readonly capabilities: readonly string[];
  /**
   * The schemes (lower case, without `://`) of the connection URLs this
   * connector takes, e.g. `['mysql', 'mariadb']`: `osiris discover @ref`
   * finds the connector by the scheme of the connection's `url`. Absent or
   * empty: found only by its type (`--component`).
   */
  readonly urlSchemes?: readonly string[];
  /**
   * Whether a remote sandbox (the e2b engine) can run this connector for
   * this resolved connection: `undefined` when it can, otherwise the reason
   * it cannot (e.g. `the connection is an embedded database (pglite://) on
   * this machine, which a sandbox cannot reach`). The e2b engine asks for
   * every step before it uploads anything and refuses the run with that
   * reason (exit 5). Absent: a sandbox can run it.
   */
  sandbox?(connection: Readonly<Record<string, string>>): string | undefined;
  /**
   * Whether one error of this connector's driver is worth another attempt
   * (too many connections, the server restarting, a connection it lost).
   * The runner asks for the error it caught and for each of its causes, one
   * at a time, besides its own verdict on what no driver owns (socket
   * errors, aborts); see `isTransientError`. Absent: only the runner's verdict.
   */
  isTransient?(error: unknown): boolean;
  read?(ctx: StepContext, config: Readonly<Record<string, unknown>>): Promise<TabularStream>;
  write?(ctx: StepContext, config: Readonly<Record<string, unknown>>, input: TabularStream): Promise<WriteResult>;
  discover?(ctx: StepContext, options: DiscoverOptions): Promise<DiscoveredTable[]>;
  /**
   * Optional: the base tables and views of one schema with their primary keys and the tables their
   * foreign keys reference. The runner asks a source for it to resolve `tables: [pattern, …]` at run
   * time, and that source's sink for the foreign keys among the targets, to load them in order
   * (ADR 0021). A connector without it cannot read many tables from one step.
   */
  listTables?(ctx: StepContext, options: ListTablesOptions): Promise<ListedTable[]>;
  /**
   * A sink that keeps incremental state in its target (ADR 0024): the state row of `key`, or
   * undefined when there is none (no state table yet included). `config` is the sink step's options.
   */
  readState?(
    ctx: StepContext,
    config: Readonly<Record<string, unknown>>,
    key: StateKey,
  ): Promise<StateRecord | undefined>;
  /** The state rows of a pipeline (`osiris state list|show`), narrowed by step and table when given. */
  listState?(ctx: StepContext, config: Readonly<Record<string, unknown>>, filter: StateFilter): Promise<StateRecord[]>;
  /** Deletes the state rows `filter` selects (`osiris state reset`); resolves with how many. */
  resetState?(ctx: StepContext, config: Readonly<Record<string, unknown>>, filter: StateFilter): Promise<number>;
}

/** Which state rows: a pipeline's, optionally one step's or one table's. */
export interface StateFilter {
  readonly pipeline: string;
  readonly step?: string;
  readonly table?: string;
}
