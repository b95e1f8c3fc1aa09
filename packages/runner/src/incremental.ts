// SPDX-License-Identifier: MIT
// Incremental reads (issue #17, ADR 0024): what a source's `incremental` option says, what the runner
// tells the source (the last watermark, a full refresh, a backfill window), what the source reports
// back, and the state row a sink commits in the same transaction as the rows it covers.

/** A source's `incremental` option, checked. */
export interface IncrementalOptions {
  /** The cursor column, or columns whose first non-NULL value is the cursor (`COALESCE`). */
  readonly cursor: readonly string[];
  /**
   * How far below the last watermark the next read starts, to pick up rows committed late: seconds
   * for a date or time cursor, units of the cursor for a numeric one. 0 by default.
   */
  readonly lag: number;
  /** The text of `lag` as the user wrote it (`5 min`), for messages. */
  readonly lagText: string | undefined;
  /** The lower bound of the first run (exclusive); everything when absent. */
  readonly initial: string | undefined;
}

const UNITS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
};

/**
 * A lag as users write it: a number (seconds, or units of a numeric cursor) or a duration such as
 * `5 min`, `90s`, `2 hours`, `1d`. Undefined when the text is not one.
 */
export function parseLag(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (match === null) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : UNITS[unit];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/**
 * Checks a source's `incremental` option (the registry validated its shape already; this guards
 * direct callers). Undefined when the option is absent. `invalid` builds the connector's own error.
 */
export function parseIncrementalOptions(
  raw: unknown,
  invalid: (message: string) => Error,
): IncrementalOptions | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid('options.incremental must be a mapping: { cursor: updated_at, lag: 5 min }.');
  }
  const { cursor, lag, initial } = raw as Record<string, unknown>;
  const columns = typeof cursor === 'string' ? [cursor] : cursor;
  if (
    !Array.isArray(columns) ||
    columns.length === 0 ||
    !columns.every((c): c is string => typeof c === 'string' && c.length > 0) ||
    new Set(columns).size !== columns.length
  ) {
    throw invalid(
      'options.incremental.cursor must be a column name, or a list of distinct columns whose first non-NULL value is the cursor ([updated_at, created_at]).',
    );
  }
  const seconds = lag === undefined ? 0 : parseLag(lag);
  if (seconds === undefined) {
    throw invalid(`options.incremental.lag must be a duration such as 5 min, 90 s or 2 hours (got ${String(lag)}).`);
  }
  if (initial !== undefined && typeof initial !== 'string' && typeof initial !== 'number') {
    throw invalid('options.incremental.initial must be a value of the cursor column (a date, a timestamp, a number).');
  }
  return {
    cursor: columns,
    lag: seconds,
    lagText: lag === undefined ? undefined : String(lag),
    initial: initial === undefined ? undefined : String(initial),
  };
}

/** Which state row a pipe reads and writes: one per pipeline, source step and source table. */
export interface StateKey {
  readonly pipeline: string;
  readonly step: string;
  readonly table: string;
}

/** One row of the state table (`osiris_state`), as a sink keeps it. */
export interface StateRecord extends StateKey {
  /** The cursor as the source compares it (`updated_at`, `COALESCE(updated_at, created_at)`). */
  readonly cursor: string;
  /** The largest cursor value read so far, as the source prints it; null before any row was read. */
  readonly watermark: string | null;
  readonly runId: string;
  /** The manifest's OML fingerprint of the run that wrote the row. */
  readonly fingerprint: string;
  /** When the row was written (ISO 8601), as the target's clock says; absent on a record not yet written. */
  readonly updatedAt?: string;
}

/** What the runner tells an incremental source before it reads. */
export interface IncrementalRead {
  /** The watermark in the target's state, when there is one. */
  readonly watermark: string | undefined;
  /** `--full-refresh`: read everything, whatever the watermark says. */
  readonly fullRefresh: boolean;
  /** `--since`: a backfill from this cursor value (inclusive); the watermark does not move. */
  readonly since: string | undefined;
  /** `--until`: up to this cursor value (inclusive); the watermark does not move. */
  readonly until: string | undefined;
}

/** What an incremental source reports about its read. */
export interface IncrementalReport {
  /** The cursor as compared (`updated_at`, `COALESCE(updated_at, created_at)`). */
  readonly cursor: string;
  readonly watermarkBefore: string | undefined;
  /** The largest cursor value read, or the one before when nothing was read. */
  readonly watermarkAfter: string | undefined;
  /** Rows whose cursor is NULL that this read skipped (they were loaded by the first run). */
  readonly rowsNullCursor: number;
  /** Why these rows: `changed since 2026-12-05 02:00:00 (lag 5 min)`, `all rows (first run)`. */
  readonly reason: string;
  /** Whether the state may move to `watermarkAfter` (not after a backfill window). */
  readonly moveWatermark: boolean;
}

/** `(lag 5 min)`, or nothing without a lag. */
export function lagNote(options: IncrementalOptions): string {
  return options.lag > 0 ? ` (lag ${options.lagText ?? `${options.lag} s`})` : '';
}

/**
 * Why an incremental source reads what it reads, for the summary and `metrics.json`:
 * `changed since 2026-12-05 02:00:00 (lag 5 min)`, `all rows (full refresh)`.
 */
export function readReason(options: IncrementalOptions, read: IncrementalRead | undefined): string {
  if (read === undefined) return 'all rows (no incremental state was passed)';
  if (read.since !== undefined || read.until !== undefined) {
    const from = read.since === undefined ? '' : ` from ${read.since}`;
    const to = read.until === undefined ? '' : ` up to ${read.until}`;
    return `rows changed${from}${to} (a backfill: the watermark does not move)`;
  }
  if (read.fullRefresh) return 'all rows (full refresh)';
  if (read.watermark !== undefined) return `rows changed since ${read.watermark}${lagNote(options)}`;
  if (options.initial !== undefined) return `rows changed since ${options.initial} (first run, from initial)`;
  return 'all rows (first run)';
}
