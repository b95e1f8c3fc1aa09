// SPDX-License-Identifier: MIT

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
 * - `time`      string `HH:MM:SS[.ffffff]`
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
}

/** One row as an array of values, in the order of `TabularStream.columns`. */
export type Row = unknown[];

/**
 * What a read produces and a write consumes: the column list and an async
 * iterable of row batches. The iterable is pulled, so a slow writer slows the
 * reader down (backpressure) and memory stays bounded by the batch size.
 */
export interface TabularStream {
  readonly columns: readonly ColumnDescriptor[];
  readonly batches: AsyncIterable<Row[]>;
  /**
   * Optional: the same rows as {@link TextBatch}es, for a sink that loads
   * text (Postgres COPY) without building a value per field. A consumer pulls
   * either `batches` or `textBatches`, never both; a sink that cannot take
   * text (or not for these columns) uses `batches`.
   */
  readonly textBatches?: AsyncIterable<TextBatch>;
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
 * - `bigint`, `decimal`, `date`, `timestamp`, `timestamptz`, `time`, `uuid`: the string, in ASCII
 * - `text`, `json`: the string in UTF-8
 * - `bytes`: the bytes
 *
 * A source offers text batches only when every column has one of these kinds
 * (`float` and `boolean` never travel as text).
 */
export interface TextBatch {
  /** How many rows `data` holds. */
  readonly rowCount: number;
  readonly data: Uint8Array;
}

/** The kinds whose values can travel in a {@link TextBatch}. */
export const TEXT_KINDS: ReadonlySet<ColumnKind> = new Set<ColumnKind>([
  'integer',
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
  /** A free-form event for the run log (never put a secret here: it is redacted, but do not rely on it). */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
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
}

export interface WriteResult {
  readonly rowsWritten: number;
  /** For merge: rows inserted and rows updated, when the database tells. */
  readonly inserted?: number;
  readonly updated?: number;
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

export interface DiscoverOptions {
  readonly schema?: string;
  readonly table?: string;
}

/**
 * What a component implementation provides. `type` is the component name of
 * its spec card (`mysql.table`); `modes` and `capabilities` must match what
 * the card declares, and the runner checks a step against them before it
 * calls the connector.
 */
export interface Connector {
  readonly type: string;
  readonly modes: readonly ('read' | 'write')[];
  readonly capabilities: readonly string[];
  read?(ctx: StepContext, config: Readonly<Record<string, unknown>>): Promise<TabularStream>;
  write?(ctx: StepContext, config: Readonly<Record<string, unknown>>, input: TabularStream): Promise<WriteResult>;
  discover?(ctx: StepContext, options: DiscoverOptions): Promise<DiscoveredTable[]>;
}
