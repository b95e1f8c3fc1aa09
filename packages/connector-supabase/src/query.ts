// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { parseQueryReadOptions, type StepContext, type TabularStream } from '@osiris/runner';
import { type CatalogColumn, toDescriptor } from './catalog';
import { abortedError, ClientTypes, describePgError, resolveConnection } from './connection';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import { CursorBatches } from './read';
import { openSession, type ResultField, type Session } from './session';
import { kindOf } from './types';

type TypeRow = [number, string, string, number, number, boolean, string | null, string | null];

/** What the catalog says of each result column's type: as a table column of that type would be described. */
async function columnsOf(session: Session, fields: readonly ResultField[]): Promise<CatalogColumn[]> {
  const rows = await session.rows<TypeRow>(
    `SELECT f.n::int4, pg_catalog.format_type(t.oid, NULLIF(f.typmod, -1)), bt.typname::text, t.oid::int8, bt.oid::int8,
  COALESCE(bt.typsend::oid <> 0 AND bt.typreceive::oid <> 0 AND bt.typtype IN ('b', 'e', 'r', 'm')
    AND NOT (bt.oid < 16384 AND bt.typname LIKE 'reg%')
    AND (et.oid IS NULL OR (et.oid < 16384 AND et.typname NOT LIKE 'reg%')), false),
  CASE WHEN bt.oid < 16384 THEN pg_catalog.format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE NULLIF(f.typmod, -1) END)
    WHEN bt.typtype = 'e' THEN 'text' WHEN et.typtype = 'e' THEN 'text[]' END,
  CASE WHEN bt.typtype = 'e' THEN bt.typname::text WHEN et.typtype = 'e' THEN et.typname::text END
FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS f(oid, typmod, n)
JOIN pg_catalog.pg_type t ON t.oid = f.oid
LEFT JOIN LATERAL (
  WITH RECURSIVE up(oid, depth) AS (
    SELECT t.typbasetype, 1 WHERE t.typtype = 'd'
    UNION ALL
    SELECT d.typbasetype, up.depth + 1 FROM up JOIN pg_catalog.pg_type d ON d.oid = up.oid AND d.typtype = 'd'
  )
  SELECT up.oid FROM up ORDER BY up.depth DESC LIMIT 1
) AS base ON true
JOIN pg_catalog.pg_type bt ON bt.oid = COALESCE(base.oid, t.oid)
LEFT JOIN pg_catalog.pg_type et ON bt.typelem <> 0 AND et.oid = bt.typelem
ORDER BY f.n`,
    [fields.map((f) => f.typeOid), fields.map((f) => f.typmod)],
  );
  return rows.map(([n, nativeType, typname, typeOid, baseOid, binary, postgresType, enumName]) => ({
    name: (fields[n - 1] as ResultField).name,
    nativeType,
    typname,
    typeOid: Number(typeOid),
    baseOid: Number(baseOid),
    kind: kindOf(typname),
    // A result column says nothing of NULLs.
    nullable: true,
    primaryKey: false,
    generated: '',
    binary,
    defaultExpr: null,
    comment: null,
    postgresType,
    enumName,
  }));
}

/**
 * `read` of `supabase.table` with `query`: in the read's `READ ONLY` transaction (a statement
 * that writes fails and changes nothing), with its `${params.x}` bound as `$n` parameters; the
 * column types come from the result's description, and the rows stream through a cursor like a
 * table's.
 */
export async function readQuery(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
): Promise<TabularStream> {
  const { stepId } = ctx;
  const invalid = (message: string) =>
    new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      stepId,
      `supabase.table step '${stepId}': ${message}`,
    );
  const options = parseQueryReadOptions(rawConfig, (n) => `$${n}`, invalid);
  const target = resolveConnection(stepId, ctx.connection);
  const types = new ClientTypes();
  const session = await openSession(ctx, target, types, 'read');
  try {
    await session.begin(
      "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'",
    );
    const fields = await session.describe(options.sql, options.values);
    if (fields.length === 0) throw invalid('options.query returns no columns; it must be a SELECT.');
    const seen = new Set<string>();
    for (const f of fields) {
      if (seen.has(f.name)) {
        throw invalid(`options.query returns the column '${f.name}' twice; give each column its own name (AS …).`);
      }
      seen.add(f.name);
    }
    const columns = await columnsOf(session, fields);
    for (const c of columns) if (c.typeOid !== c.baseOid) types.alias(c.typeOid, c.baseOid);
    const cursor = `osiris_query_${randomBytes(6).toString('hex')}`;
    await session.declareCursor(cursor, options.sql, options.values);
    const batches = new CursorBatches(ctx, session, cursor, 'the query', target.redactor);
    return { columns: columns.map(toDescriptor), batches };
  } catch (err) {
    session.destroy();
    if (err instanceof SupabaseConnectorError) throw err;
    if (ctx.signal.aborted) throw abortedError(stepId, ctx.signal, 'read');
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.QUERY_FAILED,
      stepId,
      target.redactor.text(
        `supabase.table step '${stepId}': the query failed: ${describePgError(err)}. Check options.query (run it in psql to see the same error); a query source runs in a read-only transaction and never writes.`,
      ),
      { cause: err },
    );
  }
}
