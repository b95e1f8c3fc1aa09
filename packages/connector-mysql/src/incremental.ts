// SPDX-License-Identifier: MIT
import {
  type Filter,
  type IncrementalOptions,
  type IncrementalReport,
  readReason,
  type StepContext,
} from '@osiris/runner';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Connection } from 'mysql2';
import type { CatalogColumn } from './catalog';
import { inlineParameters, runQuery } from './connection';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';
import { compileAggregate } from './sql';

/**
 * How a cursor is compared (ADR 0024):
 * - `instant`: TIMESTAMP, an instant whatever the session's zone: the watermark is kept in UTC
 *   (`2026-12-05T02:00:00.000000Z`) and bound through `FROM_UNIXTIME`;
 * - `local`: DATETIME and DATE, without a zone: compared in the source's own terms, as text;
 * - `integer`, `decimal`: numbers, bound exactly (never through a double);
 * - `text`: anything else with an order (a ULID, a version string); no lag.
 */
type CursorClass = 'instant' | 'local' | 'integer' | 'decimal' | 'text';

function classOf(column: CatalogColumn): CursorClass {
  switch (column.dataType) {
    case 'timestamp':
      return 'instant';
    case 'datetime':
    case 'date':
      return 'local';
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
    case 'bigint':
    case 'year':
      return 'integer';
    case 'decimal':
    case 'numeric':
    case 'float':
    case 'double':
      return 'decimal';
    default:
      return 'text';
  }
}

/** What an incremental read adds to the query, and what it reports. */
export interface IncrementalPlanned {
  readonly where: RawBuilder<SqlBool>;
  readonly report: IncrementalReport;
}

/** Epoch seconds (with a fraction) → `2026-12-05T02:00:00.123456Z`, exact to the digit. */
function epochToUtc(epoch: string): string {
  const [whole = '0', fraction = ''] = epoch.split('.');
  const iso = new Date(Number(whole) * 1000).toISOString().slice(0, 19);
  return `${iso}${fraction === '' ? '' : `.${fraction}`}Z`;
}

/**
 * An instant as users and the state write it (`2026-12-05T02:00:00Z`, `2026-12-05 02:00:00+01:00`;
 * without a zone it is UTC; a bare number is epoch seconds) → epoch seconds as exact decimal text.
 */
function utcToEpoch(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return trimmed;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
    trimmed,
  );
  if (match === null) return undefined;
  const zone = match[4] === undefined || match[4].toUpperCase() === 'Z' ? 'Z' : match[4];
  const ms = Date.parse(`${match[1]}T${match[2] ?? '00:00:00'}${zone.length === 3 ? `${zone}:00` : zone}`);
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  return match[3] === undefined ? String(seconds) : `${seconds}.${match[3]}`;
}

/**
 * Plans an incremental read of one table: finds the new watermark (the largest cursor value the
 * read will see, never "now") in the read's own snapshot, and the WHERE clause between the last
 * watermark (less the lag) and it. `START TRANSACTION WITH CONSISTENT SNAPSHOT` makes the MAX and
 * the read see the same rows; the upper bound keeps that true on a table without transactions.
 */
export async function planIncremental(
  ctx: StepContext,
  conn: Connection,
  schema: string,
  table: string,
  byName: ReadonlyMap<string, CatalogColumn>,
  filters: readonly Filter[],
  options: IncrementalOptions,
): Promise<IncrementalPlanned> {
  const { stepId } = ctx;
  const invalid = (message: string) =>
    new MysqlConnectorError(MYSQL_ERROR_REASONS.CONFIG_INVALID, stepId, `mysql.table step '${stepId}': ${message}`);
  const columns = options.cursor.map((name) => byName.get(name));
  const missing = options.cursor.filter((_, i) => columns[i] === undefined);
  if (missing.length > 0) {
    throw new MysqlConnectorError(
      MYSQL_ERROR_REASONS.COLUMN_NOT_FOUND,
      stepId,
      `mysql.table step '${stepId}': the incremental cursor ${missing.map((m) => `'${m}'`).join(', ')} is not a column of \`${schema}\`.\`${table}\`. Set options.incremental.cursor to a column that changes with every update (updated_at).`,
    );
  }
  const kinds = new Set((columns as CatalogColumn[]).map(classOf));
  const kind = (columns[0] && classOf(columns[0])) as CursorClass;
  if (kinds.size > 1) {
    throw invalid(
      `the cursor columns ${options.cursor.join(', ')} are of different kinds (${[...kinds].join(', ')}); COALESCE needs columns of one kind.`,
    );
  }
  if (kind === 'text' && options.lag > 0) {
    throw invalid(
      `options.incremental.lag needs a date, time or numeric cursor; '${options.cursor.join(', ')}' is ${columns[0]?.nativeType}.`,
    );
  }
  const refs = options.cursor.map((name) => sql.id('t', name));
  const expr: RawBuilder<unknown> =
    refs.length === 1 ? (refs[0] as RawBuilder<unknown>) : sql`COALESCE(${sql.join(refs)})`;
  const cursorText =
    options.cursor.length === 1 ? (options.cursor[0] as string) : `COALESCE(${options.cursor.join(', ')})`;

  /** A bound value in the column's terms; `lag` seconds (or units) below it. */
  const bound = (value: string, lag: number, what: string): RawBuilder<unknown> => {
    switch (kind) {
      case 'instant': {
        const epoch = utcToEpoch(value);
        if (epoch === undefined) {
          throw invalid(
            `${what} '${value}' is not an instant (2026-12-05T02:00:00Z, or 2026-12-05 02:00:00 read as UTC) for the TIMESTAMP cursor ${cursorText}.`,
          );
        }
        return lag > 0
          ? sql`FROM_UNIXTIME(CAST(${epoch} AS DECIMAL(20,6)) - ${lag})`
          : sql`FROM_UNIXTIME(CAST(${epoch} AS DECIMAL(20,6)))`;
      }
      case 'local':
        // The text as the source prints it, compared in the source's own terms: no zone conversion.
        return lag > 0
          ? sql`(CAST(${value} AS DATETIME(6)) - INTERVAL ${Math.round(lag * 1e6)} MICROSECOND)`
          : sql`CAST(${value} AS DATETIME(6))`;
      case 'integer':
        if (!/^-?\d+$/.test(value.trim()))
          throw invalid(`${what} '${value}' is not an integer for the cursor ${cursorText}.`);
        return lag > 0 ? sql`(CAST(${value} AS SIGNED) - ${Math.round(lag)})` : sql`CAST(${value} AS SIGNED)`;
      case 'decimal':
        if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) {
          throw invalid(`${what} '${value}' is not a number for the cursor ${cursorText}.`);
        }
        return lag > 0 ? sql`(CAST(${value} AS DECIMAL(65,30)) - ${lag})` : sql`CAST(${value} AS DECIMAL(65,30))`;
      default:
        return sql`${value}`;
    }
  };

  const read = ctx.incremental;
  const backfill = read !== undefined && (read.since !== undefined || read.until !== undefined);
  const watermark = read === undefined || read.fullRefresh || backfill ? undefined : read.watermark;
  const conditions: RawBuilder<SqlBool>[] = [];
  // The first run (and a full refresh) loads rows whose cursor is NULL too: never silently skipped.
  let withNulls = !backfill && watermark === undefined;
  if (backfill) {
    if (read?.since !== undefined) conditions.push(sql<SqlBool>`${expr} >= ${bound(read.since, 0, '--since')}`);
    if (read?.until !== undefined) conditions.push(sql<SqlBool>`${expr} <= ${bound(read.until, 0, '--until')}`);
  } else if (watermark !== undefined) {
    conditions.push(sql<SqlBool>`${expr} > ${bound(watermark, options.lag, 'the watermark')}`);
  } else if (options.initial !== undefined && read?.fullRefresh !== true) {
    conditions.push(sql<SqlBool>`${expr} > ${bound(options.initial, 0, 'options.incremental.initial')}`);
  }
  if (read?.fullRefresh === true && !backfill) withNulls = true;
  const lower = conditions.length === 0 ? undefined : sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;

  await runQuery(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT');
  const maxSelect =
    kind === 'instant' ? sql`CAST(UNIX_TIMESTAMP(MAX(${expr})) AS CHAR)` : sql`CAST(MAX(${expr}) AS CHAR)`;
  const maxQuery = compileAggregate(schema, table, maxSelect, filters, lower);
  const [maxRow] = await runQuery<[string | null]>(conn, inlineParameters(maxQuery.sql, maxQuery.parameters), true);
  const maxRaw = maxRow?.[0] ?? null;
  const max = maxRaw === null ? undefined : kind === 'instant' ? epochToUtc(maxRaw) : maxRaw;

  let rowsNullCursor = 0;
  if (!withNulls) {
    const nullQuery = compileAggregate(schema, table, sql`COUNT(*)`, filters, sql<SqlBool>`${expr} IS NULL`);
    const [row] = await runQuery<[number | string]>(conn, inlineParameters(nullQuery.sql, nullQuery.parameters), true);
    rowsNullCursor = Number(row?.[0] ?? 0);
  }

  const upper =
    max === undefined
      ? withNulls
        ? sql<SqlBool>`${expr} IS NULL`
        : sql<SqlBool>`1 = 0`
      : withNulls
        ? sql<SqlBool>`(${expr} <= ${bound(max, 0, 'the new watermark')} OR ${expr} IS NULL)`
        : sql<SqlBool>`${expr} <= ${bound(max, 0, 'the new watermark')}`;
  const where =
    lower === undefined
      ? upper
      : withNulls
        ? sql<SqlBool>`((${lower}) OR ${expr} IS NULL) AND ${upper}`
        : sql<SqlBool>`${lower} AND ${upper}`;
  const before = read?.watermark;
  return {
    where,
    report: {
      cursor: cursorText,
      watermarkBefore: before,
      // Nothing newer read: the watermark stays (it never moves back, and never to "now").
      watermarkAfter: max ?? before,
      rowsNullCursor,
      reason: readReason(options, read),
      moveWatermark: !backfill,
    },
  };
}
