// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import type { StepContext, TabularStream } from '@osiris/runner';
import { sql } from 'kysely';
import type { CatalogTable } from './catalog';
import type { WriteConfig } from './config';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import type { Session } from './session';
import { compileOnly, ident } from './sql';

/** The column `deletes: soft` sets on target rows whose key left the source. */
export const DELETED_AT = '_osiris_deleted_at';

/** Loads `input` into `copyTarget` (`"stage" ("id")`) inside the open transaction; resolves with the row count. */
export type KeyLoader = (copyTarget: string, input: TabularStream) => Promise<number>;

const text = (query: Parameters<typeof compileOnly>[0]) => compileOnly(query).sql;

/**
 * `deletes: soft | hard` (ADR 0024), after the merge and in its transaction: streams every key of
 * the source into a staging table, then deletes (hard) or marks (soft, `_osiris_deleted_at`) the
 * target rows whose key is not there. A soft-deleted row whose key comes back is unmarked. Resolves
 * with how many rows were deleted or newly marked.
 */
export async function applyDeletes(
  ctx: StepContext,
  session: Session,
  config: WriteConfig,
  table: CatalogTable,
  load: KeyLoader,
): Promise<number> {
  if (ctx.sourceKeys === undefined) {
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      ctx.stepId,
      `supabase.table step '${ctx.stepId}': deletes: ${config.deletes} needs a source to compare keys with, and this write has none.`,
    );
  }
  const keys = config.mergeKeys;
  const target = ident(config.schema, config.table);
  const stage = `osiris_keys_${randomBytes(6).toString('hex')}`;
  ctx.reporter.phase?.('comparing keys');
  await session.exec(
    text(
      sql`CREATE TEMP TABLE ${ident(stage)} ON COMMIT DROP AS SELECT ${sql.join(keys.map((k) => ident(k)))} FROM ${target} WITH NO DATA`,
    ),
  );
  const input = await ctx.sourceKeys(keys);
  const loaded = await load(text(sql`${ident(stage)} (${sql.join(keys.map((k) => ident(k)))})`), input);
  await session.exec(text(sql`ANALYZE ${ident(stage)}`));
  const match = sql.join(
    keys.map((k) => sql`${ident('k', k)} = ${ident('t', k)}`),
    sql` AND `,
  );
  const absent = sql`NOT EXISTS (SELECT 1 FROM ${ident(stage)} AS k WHERE ${match})`;
  let deleted: number;
  if (config.deletes === 'hard') {
    deleted = await session.affected(text(sql`DELETE FROM ${target} AS t WHERE ${absent}`));
  } else {
    if (!table.columns.some((c) => c.name === DELETED_AT)) {
      await session.exec(text(sql`ALTER TABLE ${target} ADD COLUMN ${ident(DELETED_AT)} timestamptz`));
      ctx.reporter.log('info', `added column ${DELETED_AT} to ${config.schema}.${config.table} for deletes: soft`, {
        step: ctx.stepId,
      });
    }
    deleted = await session.affected(
      text(
        sql`UPDATE ${target} AS t SET ${ident(DELETED_AT)} = now() WHERE ${ident('t', DELETED_AT)} IS NULL AND ${absent}`,
      ),
    );
    // A key that came back at the source is a live row again.
    await session.affected(
      text(
        sql`UPDATE ${target} AS t SET ${ident(DELETED_AT)} = NULL WHERE ${ident('t', DELETED_AT)} IS NOT NULL AND NOT ${absent}`,
      ),
    );
  }
  ctx.reporter.log(
    'info',
    `compared ${loaded} source keys: ${deleted} target row(s) ${config.deletes === 'hard' ? 'deleted' : 'marked deleted'}`,
    {
      step: ctx.stepId,
    },
  );
  return deleted;
}
