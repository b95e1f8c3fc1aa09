// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, StepContext, TabularStream } from '@osiris/runner';
import { type RawBuilder, sql } from 'kysely';
import type { WriteConfig } from './config';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
import type { Session } from './session';
import { compileOnly, ident } from './sql';
import { postgresTypeFor } from './types';

/**
 * How `create_table` builds a faithful target (ADR 0022): the statements before the load, and
 * what is left for after it (secondary indexes build faster over loaded rows; NOT NULL on a
 * column whose zero dates may have become NULL is known only then).
 */
export interface CreatePlan {
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** Columns the source declares NOT NULL whose values may still hold NULL (MySQL zero dates). */
  readonly tighten: readonly string[];
}

function text(query: RawBuilder<unknown>): string {
  const compiled = compileOnly(query);
  if (compiled.parameters.length > 0) throw new Error('internal: a DDL statement with parameters');
  return compiled.sql;
}

/** A string literal that reads the same whatever `standard_conforming_strings` says. */
export function literal(value: string): string {
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The enum types of `schema` among `names`: a column of a source enum keeps it when the target has one of that name. */
export async function targetEnums(session: Session, schema: string, columns: readonly ColumnDescriptor[]) {
  const names = [...new Set(columns.flatMap((c) => (c.declared?.enum === undefined ? [] : [c.declared.enum])))];
  if (names.length === 0) return new Set<string>();
  const rows = await session.rows<[string]>(
    `SELECT t.typname::text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = $1 AND t.typtype = 'e' AND t.typname = ANY ($2::text[])`,
    [schema, names],
  );
  return new Set(rows.map(([name]) => name));
}

/**
 * The Postgres type a column gets in a created table or as an added column: the user's
 * (`types:`), else the Postgres source's own (an enum as the target's enum of that name, or as
 * text), else the type map (`postgresTypeFor`, docs/reference/type-map.md).
 */
export function targetTypeFor(
  column: ColumnDescriptor,
  config: WriteConfig,
  enums: ReadonlySet<string>,
): string | RawBuilder<unknown> {
  const chosen = config.types[column.name];
  if (chosen !== undefined) return chosen;
  const declared = column.declared;
  if (declared?.postgresType !== undefined) {
    if (declared.enum !== undefined && enums.has(declared.enum)) {
      return sql`${ident(config.schema, declared.enum)}${sql.raw(declared.postgresType.endsWith('[]') ? '[]' : '')}`;
    }
    return declared.postgresType;
  }
  return postgresTypeFor(column);
}

export function typeSql(type: string | RawBuilder<unknown>): RawBuilder<unknown> {
  return typeof type === 'string' ? sql.raw(type) : type;
}

/** `options.types` may only name columns of the input. */
export function checkTypes(ctx: StepContext, config: WriteConfig, columns: readonly ColumnDescriptor[]): void {
  const names = new Set(columns.map((c) => c.name));
  const unknown = Object.keys(config.types).filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.COLUMN_NOT_FOUND,
      ctx.stepId,
      `supabase.table step '${ctx.stepId}': options.types names ${unknown.map((n) => `'${n}'`).join(', ')}, which the input does not have (its columns: ${[...names].join(', ')}). Fix the name or remove it.`,
    );
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * `create_table` from the input: column types, NOT NULL, constant defaults, the source's primary
 * key (or, without one, the merge keys), its unique indexes (and with `indexes: true` the
 * others), and column comments. A merge whose keys are not the primary key gets a unique index
 * on them, which its upsert needs.
 */
export function createPlan(config: WriteConfig, input: TabularStream, enums: ReadonlySet<string>): CreatePlan {
  const table = ident(config.schema, config.table);
  const names = input.columns.map((c) => c.name);
  const mergeKeys = config.writeMode === 'merge' ? [...config.mergeKeys] : [];
  const sourceKey = input.declared?.primaryKey;
  const primaryKey = sourceKey?.every((c) => names.includes(c)) ? [...sourceKey] : mergeKeys;
  const notNull = new Set([...primaryKey, ...mergeKeys]);
  const tighten: string[] = [];
  const defs = input.columns.map((c) => {
    const parts = [sql`${ident(c.name)} ${typeSql(targetTypeFor(c, config, enums))}`];
    const value = c.declared?.default;
    if (value !== undefined && !value.includes('\u0000')) parts.push(sql.raw(` DEFAULT ${literal(value)}`));
    if (!c.nullable || notNull.has(c.name)) parts.push(sql` NOT NULL`);
    else if (c.declared?.notNull === true) tighten.push(c.name);
    return sql.join(parts, sql``);
  });
  if (primaryKey.length > 0) defs.push(sql`PRIMARY KEY (${sql.join(primaryKey.map((k) => ident(k)))})`);
  const before = [text(sql`CREATE TABLE ${table} (${sql.join(defs)})`)];
  const indexed: string[][] = [primaryKey];
  const index = (columns: readonly string[], unique: boolean) => {
    if (indexed.some((cols) => sameSet(cols, columns))) return undefined;
    indexed.push([...columns]);
    return text(
      sql`CREATE ${sql.raw(unique ? 'UNIQUE ' : '')}INDEX ON ${table} (${sql.join(columns.map((c) => ident(c)))})`,
    );
  };
  // The upsert's ON CONFLICT needs a unique index on the merge keys before the load.
  if (mergeKeys.length > 0) {
    const statement = index(mergeKeys, true);
    if (statement !== undefined) before.push(statement);
  }
  const after: string[] = [];
  for (const declared of input.declared?.indexes ?? []) {
    if (!declared.unique && !config.indexes) continue;
    const statement = index(declared.columns, declared.unique);
    if (statement !== undefined) after.push(statement);
  }
  for (const c of input.columns) {
    if (c.declared?.comment !== undefined) {
      before.push(
        text(
          sql`COMMENT ON COLUMN ${ident(config.schema, config.table, c.name)} IS ${sql.raw(literal(c.declared.comment))}`,
        ),
      );
    }
  }
  return { before, after, tighten };
}

/**
 * After the load into a table this write created: builds the secondary indexes, and sets NOT
 * NULL on each column the source declares NOT NULL that received no NULL (else says why not).
 */
export async function finishCreatedTable(
  ctx: StepContext,
  session: Session,
  config: WriteConfig,
  plan: CreatePlan,
  tableName: string,
): Promise<void> {
  const table = ident(config.schema, config.table);
  if (plan.tighten.length > 0) {
    const [row] = await session.rows<unknown[]>(
      text(
        sql`SELECT ${sql.join(plan.tighten.map((c) => sql`count(*) FILTER (WHERE ${ident(c)} IS NULL)`))} FROM ${table}`,
      ),
    );
    const nulls = (row ?? []).map(Number);
    const keep = plan.tighten.filter((_, i) => nulls[i] === 0);
    if (keep.length > 0) {
      await session.exec(
        text(sql`ALTER TABLE ${table} ${sql.join(keep.map((c) => sql`ALTER COLUMN ${ident(c)} SET NOT NULL`))}`),
      );
    }
    plan.tighten.forEach((column, i) => {
      const count = nulls[i] ?? 0;
      if (count === 0) return;
      ctx.reporter.log(
        'warn',
        `column '${column}' of ${tableName} was created without NOT NULL: the source declares it NOT NULL, but ${count} of its values were zero dates, read as NULL`,
        { step: ctx.stepId, table: tableName, column, count },
      );
    });
  }
  for (const statement of plan.after) await session.exec(statement);
}
