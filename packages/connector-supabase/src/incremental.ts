// SPDX-License-Identifier: MIT
import {
  type Filter,
  type IncrementalOptions,
  type IncrementalReport,
  readReason,
  type StepContext,
} from '@osiris/runner';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { CatalogColumn } from './catalog';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import type { Session } from './session';
import { compileAggregate, quoteLiteral } from './sql';

/**
 * How a cursor is compared (ADR 0024): `timestamptz` as an instant (the read's session is in UTC,
 * so the watermark reads `2026-12-05 02:00:00+00`); `timestamp` and `date` in their own terms;
 * integers and numerics exactly; anything else as text of its type. Values are literals cast to
 * the cursor's type, so the same clause serves the cursor's SELECT and the COPY of the same rows.
 */
const CASTS: Readonly<Record<string, string>> = {
  timestamptz: 'timestamptz',
  timestamp: 'timestamp',
  date: 'timestamp',
  int2: 'int8',
  int4: 'int8',
  int8: 'int8',
  numeric: 'numeric',
  float4: 'numeric',
  float8: 'numeric',
};

const TIMES = new Set(['timestamptz', 'timestamp', 'date']);

/** What an incremental read adds to the query, and what it reports. */
export interface IncrementalPlanned {
  readonly where: RawBuilder<SqlBool>;
  readonly report: IncrementalReport;
}

/**
 * Plans an incremental read in the read's open REPEATABLE READ transaction: the new watermark is
 * the largest cursor value of the same snapshot the rows come from (never "now"), and the read
 * is bounded by it. See the MySQL connector's twin for the rules.
 */
export async function planIncremental(
  ctx: StepContext,
  session: Session,
  schema: string,
  table: string,
  byName: ReadonlyMap<string, CatalogColumn>,
  filters: readonly Filter[],
  options: IncrementalOptions,
): Promise<IncrementalPlanned> {
  const { stepId } = ctx;
  const invalid = (message: string) =>
    new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      stepId,
      `supabase.table step '${stepId}': ${message}`,
    );
  const columns = options.cursor.map((name) => byName.get(name));
  const missing = options.cursor.filter((_, i) => columns[i] === undefined);
  if (missing.length > 0) {
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.COLUMN_NOT_FOUND,
      stepId,
      `supabase.table step '${stepId}': the incremental cursor ${missing.map((m) => `'${m}'`).join(', ')} is not a column of ${schema}.${table}. Set options.incremental.cursor to a column that changes with every update (updated_at).`,
    );
  }
  const casts = (columns as CatalogColumn[]).map((c) => CASTS[c.typname] ?? c.typname);
  if (new Set(casts).size > 1) {
    throw invalid(
      `the cursor columns ${options.cursor.join(', ')} are of different kinds (${casts.join(', ')}); COALESCE needs columns of one kind.`,
    );
  }
  const cast = casts[0] as string;
  const isTime = TIMES.has(cast);
  if (options.lag > 0 && !isTime && cast !== 'int8' && cast !== 'numeric') {
    throw invalid(
      `options.incremental.lag needs a date, time or numeric cursor; '${options.cursor.join(', ')}' is ${cast}.`,
    );
  }
  const refs = options.cursor.map((name) => sql.id('t', name));
  const expr: RawBuilder<unknown> =
    refs.length === 1 ? (refs[0] as RawBuilder<unknown>) : sql`COALESCE(${sql.join(refs)})`;
  const cursorText =
    options.cursor.length === 1 ? (options.cursor[0] as string) : `COALESCE(${options.cursor.join(', ')})`;
  const bound = (value: string, lag: number): RawBuilder<unknown> => {
    const literal = sql.raw(
      `${quoteLiteral(value)}::${cast === 'timestamp' || cast === 'timestamptz' || cast === 'int8' || cast === 'numeric' ? cast : `"${cast.replace(/"/g, '""')}"`}`,
    );
    if (lag <= 0) return literal;
    return isTime
      ? sql`(${literal} - ${sql.raw(`interval '${Number(lag)} seconds'`)})`
      : sql`(${literal} - ${sql.raw(String(Number(lag)))})`;
  };

  const read = ctx.incremental;
  const backfill = read !== undefined && (read.since !== undefined || read.until !== undefined);
  const watermark = read === undefined || read.fullRefresh || backfill ? undefined : read.watermark;
  const withNulls = !backfill && (watermark === undefined || read?.fullRefresh === true);
  const conditions: RawBuilder<SqlBool>[] = [];
  if (backfill) {
    if (read?.since !== undefined) conditions.push(sql<SqlBool>`${expr} >= ${bound(read.since, 0)}`);
    if (read?.until !== undefined) conditions.push(sql<SqlBool>`${expr} <= ${bound(read.until, 0)}`);
  } else if (watermark !== undefined) {
    conditions.push(sql<SqlBool>`${expr} > ${bound(watermark, options.lag)}`);
  } else if (options.initial !== undefined && read?.fullRefresh !== true) {
    conditions.push(sql<SqlBool>`${expr} > ${bound(options.initial, 0)}`);
  }
  const lower = conditions.length === 0 ? undefined : sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;

  const aggregate = async (select: RawBuilder<unknown>, extra: RawBuilder<SqlBool> | undefined) => {
    const [row] = await session.rows<[string | null]>(compileAggregate(schema, table, select, filters, extra));
    return row?.[0] ?? null;
  };
  const max = (await aggregate(sql`max(${expr})::text`, lower)) ?? undefined;
  const rowsNullCursor = withNulls ? 0 : Number(await aggregate(sql`count(*)::text`, sql<SqlBool>`${expr} IS NULL`));

  const upper =
    max === undefined
      ? withNulls
        ? sql<SqlBool>`${expr} IS NULL`
        : sql<SqlBool>`false`
      : withNulls
        ? sql<SqlBool>`(${expr} <= ${bound(max, 0)} OR ${expr} IS NULL)`
        : sql<SqlBool>`${expr} <= ${bound(max, 0)}`;
  const where =
    lower === undefined
      ? upper
      : withNulls
        ? sql<SqlBool>`((${lower}) OR ${expr} IS NULL) AND ${upper}`
        : sql<SqlBool>`${lower} AND ${upper}`;
  return {
    where,
    report: {
      cursor: cursorText,
      watermarkBefore: read?.watermark,
      watermarkAfter: max ?? read?.watermark,
      rowsNullCursor,
      reason: readReason(options, read),
      moveWatermark: !backfill,
    },
  };
}
