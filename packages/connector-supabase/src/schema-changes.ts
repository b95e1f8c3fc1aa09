// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, StepContext, TabularStream } from '@osiris/runner';
import { type RawBuilder, sql } from 'kysely';
import { type CatalogColumn, type CatalogTable, loadTable } from './catalog';
import type { WriteConfig } from './config';
import { literal, targetEnums, targetTypeFor, typeSql } from './create-table';
import { DELETED_AT } from './deletes';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import type { Session } from './session';
import { compileOnly, ident } from './sql';

/** What a numeric type holds: digits before the point and after it (Infinity: no limit). */
interface Exact {
  readonly family: 'int' | 'numeric';
  /** Integer types: 2, 4 or 8 bytes. */
  readonly bytes?: number;
  readonly whole: number;
  readonly scale: number;
}

type Shape =
  | Exact
  | { readonly family: 'float'; readonly bytes: number }
  | { readonly family: 'string'; readonly length: number | undefined }
  | { readonly family: 'date' | 'timestamp' | 'other'; readonly name: string };

/** Digits an integer type needs to be held whole, and digits it holds whole: int2 needs 5, holds any 4. */
const INT_NEEDS: Record<number, number> = { 2: 5, 4: 10, 8: 19 };
const INT_HOLDS: Record<number, number> = { 2: 4, 4: 9, 8: 18 };
const INT_NAMES: Record<number, string> = { 2: 'smallint', 4: 'integer', 8: 'bigint' };

/** The shape of a type as `format_type` or the type map spells it (`numeric(12,2)`, `character varying(20)`). */
export function shapeOf(type: string): Shape {
  const t = type.trim().toLowerCase();
  const m = /^([a-z_ ]+?)\s*(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  const base = m?.[1] ?? t;
  const a = m?.[2] === undefined ? undefined : Number(m[2]);
  const b = m?.[3] === undefined ? 0 : Number(m[3]);
  switch (base) {
    case 'smallint':
    case 'int2':
      return { family: 'int', bytes: 2, whole: INT_NEEDS[2] as number, scale: 0 };
    case 'integer':
    case 'int':
    case 'int4':
      return { family: 'int', bytes: 4, whole: INT_NEEDS[4] as number, scale: 0 };
    case 'bigint':
    case 'int8':
      return { family: 'int', bytes: 8, whole: INT_NEEDS[8] as number, scale: 0 };
    case 'numeric':
    case 'decimal':
      return a === undefined
        ? { family: 'numeric', whole: Number.POSITIVE_INFINITY, scale: Number.POSITIVE_INFINITY }
        : { family: 'numeric', whole: a - b, scale: b };
    case 'real':
    case 'float4':
      return { family: 'float', bytes: 4 };
    case 'double precision':
    case 'float8':
      return { family: 'float', bytes: 8 };
    case 'text':
      return { family: 'string', length: undefined };
    case 'character varying':
    case 'varchar':
    case 'character':
    case 'char':
    case 'bpchar':
      return { family: 'string', length: a };
    case 'date':
      return { family: 'date', name: base };
    case 'timestamp':
    case 'timestamp without time zone':
    case 'timestamptz':
    case 'timestamp with time zone':
      return { family: 'timestamp', name: base };
    default:
      return { family: 'other', name: t };
  }
}

export type TypeChange =
  | { readonly kind: 'keep' }
  | { readonly kind: 'widen'; readonly to: string }
  | { readonly kind: 'lossy'; readonly why: string };

/** Whole digits a target holds without loss (an integer type holds fewer than it needs to be held). */
const holds = (e: Exact) => (e.family === 'int' ? (INT_HOLDS[e.bytes ?? 8] as number) : e.whole);

/**
 * What a target column of type `target` needs so that it holds every value of `input` (the type
 * the source now gives, `inputLength` its length when known): nothing, a lossless widening
 * (int → bigint, varchar(n) → varchar(m > n), numeric precision up, real → double precision), or
 * nothing lossless can do it (a number column for text, a date column for timestamps, a whole
 * number column for fractions). Pairs outside these families keep today's behaviour: the server
 * converts each value or says why not.
 */
export function typeChange(target: string, input: string, inputLength?: number): TypeChange {
  const to = shapeOf(target);
  const from = shapeOf(input);
  if (to.family === 'int' || to.family === 'numeric') {
    if (from.family === 'int' || from.family === 'numeric') {
      if (to.family === 'int' && from.family === 'int') {
        return (from.bytes ?? 8) <= (to.bytes ?? 8)
          ? { kind: 'keep' }
          : { kind: 'widen', to: INT_NAMES[from.bytes ?? 8] as string };
      }
      const whole = from.whole;
      if (whole <= holds(to) && from.scale <= to.scale) return { kind: 'keep' };
      const scale = Math.max(to.scale, from.scale);
      const digits = Math.max(to.whole, whole);
      if (!Number.isFinite(scale) || !Number.isFinite(digits) || digits + scale > 1000) {
        return { kind: 'widen', to: 'numeric' };
      }
      return { kind: 'widen', to: `numeric(${digits + scale},${scale})` };
    }
    if (from.family === 'float') {
      return Number.isFinite(to.scale) || to.family === 'int'
        ? { kind: 'lossy', why: `its values have fractions and exponents that ${target} cannot hold` }
        : { kind: 'keep' };
    }
    if (from.family === 'string') return { kind: 'lossy', why: `its values are text, not numbers` };
    return { kind: 'keep' };
  }
  if (to.family === 'float') {
    if (from.family === 'float' && from.bytes > to.bytes) return { kind: 'widen', to: 'double precision' };
    if (from.family === 'string') return { kind: 'lossy', why: 'its values are text, not numbers' };
    return { kind: 'keep' };
  }
  if (to.family === 'string' && to.length !== undefined) {
    const length = from.family === 'string' ? (from.length ?? inputLength) : undefined;
    if (length !== undefined && length > to.length) {
      const base = /^(character varying|varchar)/i.test(target.trim()) ? 'character varying' : 'character';
      return { kind: 'widen', to: `${base}(${length})` };
    }
    return { kind: 'keep' };
  }
  if (to.family === 'date' && from.family === 'timestamp') {
    return { kind: 'lossy', why: 'its values have a time of day, which a date column drops' };
  }
  return { kind: 'keep' };
}

function text(query: RawBuilder<unknown>): string {
  const compiled = compileOnly(query);
  if (compiled.parameters.length > 0) throw new Error('internal: a DDL statement with parameters');
  return compiled.sql;
}

const render = (type: string | RawBuilder<unknown>) => (typeof type === 'string' ? type : text(type));

function lossy(ctx: StepContext, tableName: string, message: string): SupabaseConnectorError {
  return new SupabaseConnectorError(
    SUPABASE_ERROR_REASONS.WRITE_FAILED,
    ctx.stepId,
    `supabase.table step '${ctx.stepId}': ${message} The write was rolled back; ${tableName} is unchanged.`,
    { retryable: false },
  );
}

/**
 * `schema_changes: add_columns` on a target that exists: in the load's transaction, adds the
 * input's new columns (nullable, with their comments) and widens a column when that loses
 * nothing, in one `ALTER TABLE`. A change that would lose data (a narrower or other type, a
 * column the source no longer has) is an error naming the column and the fix. Returns the table
 * as it is now.
 */
export async function applySchemaChanges(
  ctx: StepContext,
  session: Session,
  config: WriteConfig,
  input: TabularStream,
  table: CatalogTable,
  tableName: string,
): Promise<CatalogTable> {
  const enums = await targetEnums(session, config.schema, input.columns);
  const have = new Map(table.columns.map((c) => [c.name, c]));
  const inputNames = new Set(input.columns.map((c) => c.name));
  // `_osiris_deleted_at` is Osiris's own (deletes: soft, ADR 0024): never in the input, never dropped there.
  const gone = table.columns.filter(
    (c) =>
      !inputNames.has(c.name) &&
      c.defaultExpr === null &&
      c.generated === '' &&
      !c.primaryKey &&
      !(c.name === DELETED_AT && config.deletes === 'soft'),
  );
  if (gone.length > 0) {
    const names = gone.map((c) => `'${c.name}'`).join(', ');
    throw lossy(
      ctx,
      tableName,
      `the target table ${tableName} has column ${names}, which the input no longer has (dropped at the source, or left out of its columns): new rows would hold NULL there. Drop the column from the target (ALTER TABLE ${tableName} DROP COLUMN …) or give it a default, or set schema_changes: fail to write NULL into it.`,
    );
  }
  const actions: RawBuilder<unknown>[] = [];
  const added: string[] = [];
  const widened: string[] = [];
  const comments: string[] = [];
  for (const column of input.columns) {
    const wanted = targetTypeFor(column, config, enums);
    const existing = have.get(column.name);
    if (existing === undefined) {
      actions.push(sql`ADD COLUMN ${ident(column.name)} ${typeSql(wanted)}`);
      added.push(column.name);
      if (column.declared?.comment !== undefined) {
        comments.push(
          text(
            sql`COMMENT ON COLUMN ${ident(config.schema, config.table, column.name)} IS ${sql.raw(literal(column.declared.comment))}`,
          ),
        );
      }
      continue;
    }
    const change = columnChange(existing, column, render(wanted));
    if (change.kind === 'widen') {
      actions.push(sql`ALTER COLUMN ${ident(column.name)} TYPE ${sql.raw(change.to)}`);
      widened.push(`'${column.name}' ${existing.nativeType} → ${change.to}`);
    } else if (change.kind === 'lossy') {
      throw lossy(
        ctx,
        tableName,
        `column '${column.name}' of ${tableName} is ${existing.nativeType}, but the source now gives ${render(wanted)} (${column.nativeType}): ${change.why}, so changing the column would lose data. Change it yourself if that is what you want (ALTER TABLE ${tableName} ALTER COLUMN "${column.name}" TYPE … USING …), or convert the column back in the source (e.g. a query: source with a CAST).`,
      );
    }
  }
  if (actions.length === 0) return table;
  await session.exec(text(sql`ALTER TABLE ${ident(config.schema, config.table)} ${sql.join(actions)}`));
  for (const statement of comments) await session.exec(statement);
  if (added.length > 0) {
    ctx.reporter.log('info', `added column ${added.map((c) => `'${c}'`).join(', ')} to ${tableName}`, {
      step: ctx.stepId,
      table: tableName,
      columns: added,
    });
  }
  if (widened.length > 0) {
    ctx.reporter.log('info', `widened column ${widened.join(', ')} of ${tableName}`, {
      step: ctx.stepId,
      table: tableName,
    });
  }
  return (await loadTable(session, config.schema, config.table)) as CatalogTable;
}

function columnChange(existing: CatalogColumn, column: ColumnDescriptor, wanted: string): TypeChange {
  // A domain or a user type is the user's choice: the server checks each value.
  if (existing.typeOid !== existing.baseOid || existing.baseOid >= 16384) return { kind: 'keep' };
  return typeChange(existing.nativeType, wanted, column.kind === 'text' ? column.length : undefined);
}
