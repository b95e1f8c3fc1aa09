// SPDX-License-Identifier: MIT
import { createHash } from 'node:crypto';
import type { StateFilter, StateKey, StateRecord, StepContext } from '@osiris/runner';
import { sql } from 'kysely';
import { parseWriteConfig } from './config';
import { ClientTypes, describePgError, resolveConnection } from './connection';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import { openSession, type Session } from './session';
import { compileOnly, ident } from './sql';

/** The state table's name, in the schema `state_schema` names (default `public`). */
export const STATE_TABLE = 'osiris_state';

/** "OSST" in ASCII: the advisory lock class of creating the state table (see write.ts's locks). */
const STATE_LOCK = 0x4f_53_53_54;

function stateName(schema: string): string {
  return compileOnly(sql`${ident(schema, STATE_TABLE)}`).sql;
}

type StateRow = [string, string, string, string, string | null, string, string, string];

const COLUMNS = `pipeline, step, "table", "cursor", watermark, run_id, manifest_fingerprint, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function toRecord(row: StateRow): StateRecord {
  const [pipeline, step, table, cursor, watermark, runId, fingerprint, updatedAt] = row;
  return { pipeline, step, table, cursor, watermark, runId, fingerprint, updatedAt };
}

/**
 * Writes the state row inside the write's open transaction (ADR 0024): the rows and the watermark
 * commit together, or neither does. Creates the state table on first use; two runs creating it
 * at once take turns on an advisory lock.
 */
export async function writeState(session: Session, schema: string, record: StateRecord): Promise<void> {
  const name = stateName(schema);
  const [exists] = await session.rows<[string | null]>('SELECT to_regclass($1)::text', [name]);
  if (exists?.[0] === null || exists?.[0] === undefined) {
    const key = createHash('sha256').update(name).digest().readInt32BE(0);
    await session.rows('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [STATE_LOCK, key]);
    await session.exec(
      `CREATE TABLE IF NOT EXISTS ${name} (
  pipeline text NOT NULL,
  step text NOT NULL,
  "table" text NOT NULL,
  "cursor" text NOT NULL,
  watermark text,
  run_id text NOT NULL,
  manifest_fingerprint text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline, step, "table")
)`,
    );
  }
  await session.rows(
    `INSERT INTO ${name} AS s (pipeline, step, "table", "cursor", watermark, run_id, manifest_fingerprint, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now())
ON CONFLICT (pipeline, step, "table") DO UPDATE SET "cursor" = EXCLUDED."cursor", watermark = EXCLUDED.watermark,
  run_id = EXCLUDED.run_id, manifest_fingerprint = EXCLUDED.manifest_fingerprint, updated_at = EXCLUDED.updated_at`,
    [record.pipeline, record.step, record.table, record.cursor, record.watermark, record.runId, record.fingerprint],
  );
}

/** The WHERE clause and parameters of a filter over the state table. */
function whereOf(filter: StateFilter): { where: string; values: string[] } {
  const values = [filter.pipeline];
  let where = 'pipeline = $1';
  if (filter.step !== undefined) {
    values.push(filter.step);
    where += ` AND step = $${values.length}`;
  }
  if (filter.table !== undefined) {
    values.push(filter.table);
    where += ` AND "table" = $${values.length}`;
  }
  return { where, values };
}

/** Runs `work` in a transaction of its own on the sink's database, or says why it could not. */
async function withStateSession<T>(
  ctx: StepContext,
  what: string,
  work: (session: Session, name: string, exists: boolean) => Promise<T>,
  schema: string,
): Promise<T> {
  const target = resolveConnection(ctx.stepId, ctx.connection);
  const session = await openSession(ctx, target, new ClientTypes(), what);
  const name = stateName(schema);
  try {
    await session.begin('BEGIN');
    const [exists] = await session.rows<[string | null]>('SELECT to_regclass($1)::text', [name]);
    const result = await work(session, name, exists?.[0] !== null && exists?.[0] !== undefined);
    await session.commit();
    return result;
  } catch (err) {
    try {
      await session.rollback();
    } catch {
      session.destroy();
    }
    if (err instanceof SupabaseConnectorError) throw err;
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.QUERY_FAILED,
      ctx.stepId,
      target.redactor.text(
        `supabase.table step '${ctx.stepId}': could not ${what} in ${name}: ${describePgError(err)}`,
      ),
      { cause: err },
    );
  } finally {
    await session.close();
  }
}

/** `readState` of `supabase.table`: the state row of a key, or undefined (no row, no table yet). */
export function readState(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
  key: StateKey,
): Promise<StateRecord | undefined> {
  const config = parseWriteConfig(ctx.stepId, rawConfig);
  return withStateSession(
    ctx,
    'read the incremental state',
    async (session, name, exists) => {
      if (!exists) return undefined;
      const [row] = await session.rows<StateRow>(
        `SELECT ${COLUMNS} FROM ${name} WHERE pipeline = $1 AND step = $2 AND "table" = $3`,
        [key.pipeline, key.step, key.table],
      );
      return row === undefined ? undefined : toRecord(row);
    },
    config.stateSchema,
  );
}

/** `listState` of `supabase.table`: a pipeline's state rows, by step and table. */
export function listState(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
  filter: StateFilter,
): Promise<StateRecord[]> {
  const config = parseWriteConfig(ctx.stepId, rawConfig);
  return withStateSession(
    ctx,
    'list the incremental state',
    async (session, name, exists) => {
      if (!exists) return [];
      const { where, values } = whereOf(filter);
      const rows = await session.rows<StateRow>(
        `SELECT ${COLUMNS} FROM ${name} WHERE ${where} ORDER BY step, "table"`,
        values,
      );
      return rows.map(toRecord);
    },
    config.stateSchema,
  );
}

/** `resetState` of `supabase.table`: deletes the selected state rows; the next run reads everything. */
export function resetState(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
  filter: StateFilter,
): Promise<number> {
  const config = parseWriteConfig(ctx.stepId, rawConfig);
  return withStateSession(
    ctx,
    'reset the incremental state',
    async (session, name, exists) => {
      if (!exists) return 0;
      const { where, values } = whereOf(filter);
      const rows = await session.rows<[string]>(`DELETE FROM ${name} WHERE ${where} RETURNING 1`, values);
      return rows.length;
    },
    config.stateSchema,
  );
}
