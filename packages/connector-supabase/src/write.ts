// SPDX-License-Identifier: MIT
import { createHash, randomBytes } from 'node:crypto';
import { OsirisError, OsirisErrorCode, type Redactor } from '@osiris/registry';
import type { ColumnDescriptor, Row, StepContext, TabularStream, TextBatch, WriteResult } from '@osiris/runner';
import { type RawBuilder, sql } from 'kysely';
import { type CatalogColumn, type CatalogTable, loadTable, uniqueKeys } from './catalog';
import { parseWriteConfig, type WriteConfig } from './config';
import { abortedError, ClientTypes, describePgError, resolveConnection } from './connection';
import { BinaryCopyEncoder, binaryCopyPlan } from './copy-binary';
import { CopyEncoder, type FieldEncoder, fieldEncoder, RowEncodingError } from './copy-encode';
import { CopyPassThrough } from './copy-pass';
import { type CreatePlan, checkTypes, createPlan, finishCreatedTable, targetEnums } from './create-table';
import { applyDeletes } from './deletes';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError, type SupabaseErrorReason } from './errors';
import { quoteName } from './read';
import {
  type CopyLoader,
  copyRejecting,
  isRowError,
  type RejectBudget,
  rejectNullKeys,
  upsertRejecting,
} from './rejects';
import { replaceTable } from './replace';
import { applySchemaChanges } from './schema-changes';
import { openSession, type Session } from './session';
import { compileOnly, ident } from './sql';
import { writeState } from './state';
import { categoryOf, needsTextComparison } from './types';

/** Whether a COPY is running on the step's connection. */
interface CopyState {
  active: boolean;
}

/** How the input's columns are written into the target's: one encoder each, and the target's base types. */
interface TargetEncoding {
  readonly encoders: readonly FieldEncoder[];
  readonly typnames: readonly string[];
  /** Whether the input's COPY binary stream can be passed on as it is (ADR 0013). */
  readonly passThrough: boolean;
}

/** The input stream failed: the source's error is the cause. */
class InputError extends OsirisError {
  override readonly name = 'InputError';
  constructor(message: string, options: { cause: unknown }) {
    super(OsirisErrorCode.Run, message, options);
  }
}

/** Raised by us, not by the server: a step error that is already well worded. */
function stepError(
  ctx: StepContext,
  code: SupabaseErrorReason,
  message: string,
  cause?: unknown,
): SupabaseConnectorError {
  return new SupabaseConnectorError(
    code,
    ctx.stepId,
    `supabase.table step '${ctx.stepId}': ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function text(query: RawBuilder<unknown>): string {
  const compiled = compileOnly(query);
  if (compiled.parameters.length > 0) throw new Error('internal: a DDL/DML statement with parameters');
  return compiled.sql;
}

const list = (names: readonly string[], prefix?: string) =>
  sql.join(names.map((n) => (prefix === undefined ? ident(n) : ident(prefix, n))));

/**
 * `write` of `supabase.table`: one transaction, COPY in text format, and
 * for merge a staging table plus one upsert. Any failure (the server, the
 * input stream, an abort) rolls everything back.
 */
export async function writeTable(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
  input: TabularStream,
): Promise<WriteResult> {
  const config = parseWriteConfig(ctx.stepId, rawConfig);
  checkInput(ctx, config, input.columns);
  checkTypes(ctx, config, input.columns);
  const target = resolveConnection(ctx.stepId, ctx.connection);
  const session = await openSession(ctx, target, new ClientTypes(), 'write');
  const tableName = quoteName(config.schema, config.table);
  const copyState: CopyState = { active: false };
  let phase: 'open' | 'committing' | 'done' = 'open';
  // During COPY an abort ends the COPY with CopyFail; during any other statement it ends the session.
  const onAbort = () => {
    if (phase === 'open' && !copyState.active) session.destroy();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (ctx.signal.aborted) throw abortedError(ctx.stepId, ctx.signal, 'write');
    // Naive timestamps written into timestamptz columns are taken as UTC.
    await session.begin("BEGIN; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'");
    const created: { plan?: CreatePlan } = {};
    const table = await prepareTarget(ctx, session, config, input, tableName, created);
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const targetColumns = input.columns.map((c) => byName.get(c.name) as CatalogColumn);
    const typnames = targetColumns.map((c) => c.typname);
    const encoding: TargetEncoding = {
      encoders: input.columns.map((c, i) => fieldEncoder(c.kind, categoryOf(typnames[i] as string))),
      typnames,
      // A load with rejects must be able to send rows again, as values: not a stream passed through.
      passThrough:
        config.maxRejects === 0 &&
        input.copyBinary !== undefined &&
        session.binaryCopy &&
        passesThrough(ctx, input, targetColumns),
    };
    let result =
      config.writeMode === 'append'
        ? await append(ctx, session, config, input, encoding, copyState)
        : config.writeMode === 'replace'
          ? await replaceTable(
              ctx,
              session,
              config.schema,
              table,
              tableName,
              (copyTarget) => copyInput(ctx, session, copyTarget, input, encoding, false, copyState),
              input.columns.map((c) => c.name),
            )
          : await merge(ctx, session, config, input, encoding, table, targetColumns, copyState);
    if (created.plan !== undefined) await finishCreatedTable(ctx, session, config, created.plan, tableName);
    // Deletes and the incremental state commit with the rows, or not at all (ADR 0024).
    if (config.deletes !== 'ignore') {
      const load = (copyTarget: string, keys: TabularStream) =>
        copyInput(ctx, session, copyTarget, keys, keyEncoding(keys, table), false, copyState);
      result = { ...result, deleted: await applyDeletes(ctx, session, config, table, load) };
    }
    if (ctx.state !== undefined) await writeState(session, config.stateSchema, ctx.state);
    if (ctx.signal.aborted) throw abortedError(ctx.stepId, ctx.signal, 'write');
    phase = 'committing';
    await session.commit();
    phase = 'done';
    return result;
  } catch (err) {
    if (phase !== 'done') await rollback(session);
    const error = toStepError(ctx, err, tableName, target.redactor);
    if (phase === 'committing') {
      // The COMMIT may have reached the server: a retry could apply the change twice.
      throw new SupabaseConnectorError(
        error.reason,
        ctx.stepId,
        `${error.message.replace(/ The write was rolled back; the table is unchanged\.$/, '')} The failure came at COMMIT: check the table before running again.`,
        { cause: err, retryable: false },
      );
    }
    throw error;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await session.close();
  }
}

/**
 * Whether the input's COPY binary stream can go into these target columns as
 * it is: COPY binary input is valid only for exactly the type it was written
 * for, so every column's base type must be the source's, and one whose binary
 * form holds no database-specific OIDs. Logs the first column that keeps it out.
 */
function passesThrough(ctx: StepContext, input: TabularStream, targetColumns: readonly CatalogColumn[]): boolean {
  const source = input.copyBinary?.typnames ?? [];
  let why: string | undefined;
  if (source.length !== targetColumns.length) {
    why = `it has ${source.length} types for ${targetColumns.length} columns`;
  } else {
    const i = targetColumns.findIndex((c, k) => c.typname !== source[k] || !c.binary);
    const column = targetColumns[i];
    if (column !== undefined) {
      why =
        column.typname === source[i]
          ? `column '${column.name}' is of type ${column.nativeType}, whose binary form cannot move between databases`
          : `column '${column.name}' is ${source[i]} there and ${column.typname} here`;
    }
  }
  if (why !== undefined) {
    ctx.reporter.log('debug', `the source offers COPY binary, but ${why}: not passing it on`, {
      step: ctx.stepId,
    });
  }
  return why === undefined;
}

function checkInput(ctx: StepContext, config: WriteConfig, columns: readonly ColumnDescriptor[]): void {
  if (columns.length === 0) {
    throw stepError(ctx, SUPABASE_ERROR_REASONS.CONFIG_INVALID, 'the input has no columns; nothing can be written.');
  }
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) {
      throw stepError(ctx, SUPABASE_ERROR_REASONS.CONFIG_INVALID, `the input has the column '${c.name}' twice.`);
    }
    names.add(c.name);
  }
  const missingKeys = config.mergeKeys.filter((k) => !names.has(k));
  if (missingKeys.length > 0) {
    throw stepError(
      ctx,
      SUPABASE_ERROR_REASONS.COLUMN_NOT_FOUND,
      `merge key ${missingKeys.map((k) => `'${k}'`).join(', ')} is not a column of the input (${[...names].join(', ')}). Fix options.merge_keys or add the column to the source.`,
    );
  }
}

async function rollback(session: Session): Promise<void> {
  try {
    await session.rollback();
  } catch {
    // The connection is gone: the server rolls back on its own (PGlite: closing the session does).
    session.destroy();
  }
}

function toStepError(ctx: StepContext, err: unknown, tableName: string, redactor: Redactor): SupabaseConnectorError {
  if (err instanceof SupabaseConnectorError) return err;
  if (ctx.signal.aborted) {
    return abortedError(ctx.stepId, ctx.signal, `write into ${tableName} (rolled back, the table is unchanged)`);
  }
  if (err instanceof InputError) {
    const cause = err.cause;
    return new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.INPUT_FAILED,
      ctx.stepId,
      redactor.text(
        `supabase.table step '${ctx.stepId}': ${err.message}: ${cause instanceof Error ? cause.message : String(cause)}. The write into ${tableName} was rolled back; the table is unchanged.`,
      ),
      { cause },
    );
  }
  if (err instanceof RowEncodingError) {
    return new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.WRITE_FAILED,
      ctx.stepId,
      redactor.text(
        `supabase.table step '${ctx.stepId}': ${err.message}. The write into ${tableName} was rolled back; the table is unchanged.`,
      ),
      { cause: err },
    );
  }
  return new SupabaseConnectorError(
    SUPABASE_ERROR_REASONS.WRITE_FAILED,
    ctx.stepId,
    redactor.text(
      `supabase.table step '${ctx.stepId}': writing into ${tableName} failed: ${describePgError(err)}. The write was rolled back; the table is unchanged.`,
    ),
    { cause: err },
  );
}

async function prepareTarget(
  ctx: StepContext,
  session: Session,
  config: WriteConfig,
  input: TabularStream,
  tableName: string,
  created: { plan?: CreatePlan },
): Promise<CatalogTable> {
  const inputColumns = input.columns;
  let table = await loadTable(session, config.schema, config.table);
  if (table === undefined && config.createTable) {
    // Another run may be creating it in a transaction we cannot see yet: our CREATE TABLE would
    // wait for that run's COMMIT and then fail on a catalog index (IF NOT EXISTS too). Wait for it
    // here instead, and look again with a snapshot that sees what it committed.
    await advisoryLock(ctx, session, [CREATE_LOCK, nameKey(tableName)], `another run is creating ${tableName}`);
    table = await loadTable(session, config.schema, config.table);
  }
  if (table === undefined) {
    if (!config.createTable) {
      throw stepError(
        ctx,
        SUPABASE_ERROR_REASONS.TABLE_NOT_FOUND,
        `the target table ${tableName} does not exist. Create it first, or set \`create_table: true\` in the step options to create it from the input's columns.`,
      );
    }
    created.plan = createPlan(config, input, await targetEnums(session, config.schema, inputColumns));
    for (const statement of created.plan.before) await session.exec(statement);
    ctx.reporter.log('info', `created table ${tableName}`, { step: ctx.stepId, table: tableName });
    table = (await loadTable(session, config.schema, config.table)) as CatalogTable;
  }
  if (table.relkind !== 'r' && table.relkind !== 'p') {
    throw stepError(
      ctx,
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      `${tableName} is not a table (it is a view or a foreign table); write into a table.`,
    );
  }
  if (config.schemaChanges === 'add_columns' && created.plan === undefined) {
    table = await applySchemaChanges(ctx, session, config, input, table, tableName);
  }
  const have = new Map(table.columns.map((c) => [c.name, c]));
  const missing = inputColumns.filter((c) => !have.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw stepError(
      ctx,
      SUPABASE_ERROR_REASONS.COLUMN_NOT_FOUND,
      `the target table ${tableName} has no column ${missing.map((m) => `'${m}'`).join(', ')} that the input has. Add the column to the table (ALTER TABLE … ADD COLUMN), or leave it out of the source's columns.`,
    );
  }
  const generated = inputColumns.filter((c) => have.get(c.name)?.generated !== '').map((c) => c.name);
  if (generated.length > 0) {
    throw stepError(
      ctx,
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      `column ${generated.map((m) => `'${m}'`).join(', ')} of ${tableName} is generated by the database and cannot be written; leave it out of the source's columns.`,
    );
  }
  return table;
}

/**
 * Classes of the connector's advisory locks, the first key of `pg_advisory_xact_lock(int4, int4)`:
 * "OSMG" and "OSCT" in ASCII. In `pg_locks` they show as `locktype = 'advisory'`, `objsubid = 2`
 * and this `classid`; two-key locks never meet the one-`bigint`-key locks applications usually take.
 * The merge lock's second key is the target's oid, passed bit for bit as an int4: it is the table
 * itself whatever name a run used, two tables never share it (a hash could), and `pg_locks.objid`
 * shows it as the oid again, so `objid::regclass` names the table being merged into.
 */
const MERGE_LOCK = 0x4f_53_4d_47;
const CREATE_LOCK = 0x4f_53_43_54;

/**
 * The second key of the create lock: a table that does not exist yet has no oid, so its quoted
 * qualified name is hashed (the first 32 bits of SHA-256, the same in every process and on every
 * server). Two names that share a key only make one creation wait for the other.
 */
function nameKey(qualifiedName: string): number {
  return createHash('sha256').update(qualifiedName).digest().readInt32BE(0);
}

/**
 * Takes a transaction-level advisory lock (released by COMMIT or ROLLBACK: nothing outlives the
 * transaction, so it works through a transaction pooler). When another session holds it, says so
 * at info level and waits; an abort ends the wait by ending the session (`writeTable`'s onAbort).
 */
async function advisoryLock(
  ctx: StepContext,
  session: Session,
  key: readonly [number, number],
  holder: string,
): Promise<void> {
  const [free] = await session.rows<[boolean]>('SELECT pg_try_advisory_xact_lock($1::int4, $2::int4)', key);
  if (free?.[0] === true) return;
  ctx.reporter.log('info', `${holder}: waiting for it to commit`, { step: ctx.stepId });
  const since = Date.now();
  await session.rows('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', key);
  ctx.reporter.log('info', `waited ${((Date.now() - since) / 1000).toFixed(1)} s for the other run`, {
    step: ctx.stepId,
  });
}

/**
 * Streams the input into the session's bulk load (`COPY … FROM STDIN`, or
 * PGlite's `COPY … FROM '/dev/blob'`) of `copyTarget` (`table (columns)`):
 * the source's COPY binary stream as it is when the columns' types allow it
 * (ADR 0013); text batches as COPY binary when the server takes it and every
 * column pair has a binary form (ADR 0011), else as COPY text; row batches as COPY text.
 * Waits for the database when its buffer is full (backpressure); stops at
 * once when the database reports an error, the input fails or the step is
 * aborted, and then cancels the load (CopyFail) so the transaction can roll back.
 */
async function copyInput(
  ctx: StepContext,
  session: Session,
  copyTarget: string,
  input: TabularStream,
  encoding: TargetEncoding,
  withSequence: boolean,
  copyState: CopyState,
  /** Input rows before this load's first (a segment of a load with rejects): numbers rows and sequences. */
  firstRow = 0,
): Promise<number> {
  copyState.active = true;
  const names = input.columns.map((c) => c.name);
  const kinds = input.columns.map((c) => c.kind);
  const encoder = new CopyEncoder(encoding.encoders, names);
  const copyStream = encoding.passThrough ? input.copyBinary : undefined;
  const pass = copyStream === undefined ? undefined : new CopyPassThrough(names.length, withSequence ? 1 : undefined);
  const binaryPlan =
    pass === undefined && input.textBatches !== undefined && session.binaryCopy
      ? binaryCopyPlan(kinds, encoding.typnames)
      : undefined;
  const binary = binaryPlan === undefined ? undefined : new BinaryCopyEncoder(binaryPlan, names);
  // Rows as text, when the source offers them and every column is written as it is: no value is built.
  const textInput =
    pass === undefined &&
    input.textBatches !== undefined &&
    (binary !== undefined || encoder.readsText(kinds, encoding.typnames))
      ? input.textBatches
      : undefined;
  const format = binary === undefined && pass === undefined ? 'text' : 'binary';
  let serverError: Error | undefined;
  let wake: (() => void) | undefined;
  const interrupt = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const copy = session.copyIn(
    copyTarget,
    {
      drain: interrupt,
      error: (err) => {
        serverError ??= err;
        interrupt();
      },
    },
    format,
  );
  ctx.signal.addEventListener('abort', interrupt);
  const from = pass !== undefined ? 'COPY binary' : textInput === undefined ? 'rows' : 'text batches';
  ctx.reporter.log('debug', `loading ${copyTarget} as COPY ${format} from ${from}`, {
    step: ctx.stepId,
    format,
    input: from,
  });

  const stopped = () => serverError !== undefined || ctx.signal.aborted;
  /** Resolves on the next wake-up (drain, server error, abort). */
  const nextWake = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });

  const iterator: AsyncIterator<Row[] | TextBatch | Uint8Array> = (copyStream?.chunks ?? textInput ?? input.batches)[
    Symbol.asyncIterator
  ]();
  let iteratorDone = false;
  let rows = firstRow;
  try {
    for (;;) {
      if (stopped()) break;
      let step: IteratorResult<Row[] | TextBatch | Uint8Array> | undefined;
      const pulled = iterator.next();
      try {
        for (;;) {
          const race = await Promise.race([pulled.then((r) => ({ r })), nextWake().then(() => undefined)]);
          if (race !== undefined) {
            step = race.r;
            break;
          }
          // A wake-up without a reason (a late drain) is ignored; a failure or an abort is not.
          if (stopped()) break;
        }
      } catch (err) {
        iteratorDone = true; // a throwing iterator is finished
        throw new InputError(`the input stream failed after ${rows} rows`, { cause: err });
      } finally {
        wake = undefined;
      }
      if (step === undefined) {
        pulled.catch(() => {});
        break;
      }
      if (step.done === true) {
        iteratorDone = true;
        break;
      }
      const batch = step.value;
      let chunk: Uint8Array;
      let count: number;
      if (pass !== undefined) {
        if (!(batch instanceof Uint8Array))
          throw new RowEncodingError(`the input yielded a ${typeof batch} instead of a chunk of COPY binary`);
        const before = pass.rows;
        chunk = pass.pass(batch, rows);
        count = pass.rows - before;
      } else if (textInput !== undefined) {
        const text = batch as Partial<TextBatch> | null;
        if (typeof text?.rowCount !== 'number' || !(text.data instanceof Uint8Array))
          throw new RowEncodingError(`the input yielded a ${typeof batch} instead of a text batch`);
        if (text.rowCount === 0) continue;
        chunk = (binary ?? encoder).encodeText(text as TextBatch, rows, withSequence ? rows + 1 : undefined);
        count = text.rowCount;
      } else {
        if (!Array.isArray(batch))
          throw new RowEncodingError(`the input yielded a ${typeof batch} instead of a batch (an array of rows)`);
        if (batch.length === 0) continue;
        chunk = encoder.encode(batch, rows, withSequence ? rows + 1 : undefined);
        count = batch.length;
      }
      rows += count;
      // A chunk of COPY binary may end inside a tuple: the appended sequence keeps those bytes for the next.
      if (chunk.length === 0) continue;
      if (!copy.write(chunk)) {
        while (!stopped() && copy.waiting) await nextWake();
      }
    }
    if (ctx.signal.aborted) throw abortedError(ctx.stepId, ctx.signal, 'write');
    if (serverError !== undefined) throw serverError;
    pass?.finish();
    if (binary !== undefined) copy.write(binary.trailer());
    await copy.end();
    return rows - firstRow;
  } catch (err) {
    await copy.cancel(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    copyState.active = false;
    ctx.signal.removeEventListener('abort', interrupt);
    // Not awaited: an async generator would only return after its pending next() settles.
    if (!iteratorDone) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

/** How the source's key columns are written into a staging table of the target's key types. */
function keyEncoding(keys: TabularStream, table: CatalogTable): TargetEncoding {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const typnames = keys.columns.map((c) => byName.get(c.name)?.typname ?? 'text');
  return {
    encoders: keys.columns.map((c, i) => fieldEncoder(c.kind, categoryOf(typnames[i] as string))),
    typnames,
    passThrough: false,
  };
}

async function append(
  ctx: StepContext,
  session: Session,
  config: WriteConfig,
  input: TabularStream,
  encoding: TargetEncoding,
  copyState: CopyState,
): Promise<WriteResult> {
  const names = input.columns.map((c) => c.name);
  const copyTarget = text(sql`${ident(config.schema, config.table)} (${list(names)})`);
  if (config.maxRejects > 0) {
    const budget: RejectBudget = { max: config.maxRejects, rejected: [] };
    const load: CopyLoader = (part, firstRow) =>
      copyInput(ctx, session, copyTarget, part, encoding, false, copyState, firstRow);
    const rowsWritten = await copyRejecting(ctx, session, input, load, budget, quoteName(config.schema, config.table));
    return { rowsWritten, rejected: budget.rejected };
  }
  const rowsWritten = await copyInput(ctx, session, copyTarget, input, encoding, false, copyState);
  return { rowsWritten };
}

async function merge(
  ctx: StepContext,
  session: Session,
  config: WriteConfig,
  input: TabularStream,
  encoding: TargetEncoding,
  table: CatalogTable,
  targetColumns: readonly CatalogColumn[],
  copyState: CopyState,
): Promise<WriteResult> {
  const names = input.columns.map((c) => c.name);
  const keys = config.mergeKeys;
  const keySet = new Set(keys);
  const updates = targetColumns.filter((c) => !keySet.has(c.name));
  let seqName = '__osiris_row_seq';
  while (names.includes(seqName)) seqName += '_';
  const stage = `osiris_stage_${randomBytes(6).toString('hex')}`;
  const target = ident(config.schema, config.table);
  const tableName = quoteName(config.schema, config.table);

  // A NULL key matches no row: merged, such rows would be folded into one by DISTINCT ON, or inserted
  // again by every run. Keys the input declares NOT NULL are NOT NULL in the staging table (COPY
  // refuses a NULL at no cost); the others are counted after the load, with one scan.
  const declaredNotNull = input.columns.filter((c) => keySet.has(c.name) && !c.nullable).map((c) => c.name);
  const mayBeNull = keys.filter((k) => !declaredNotNull.includes(k));
  await session.exec(
    [
      text(
        sql`CREATE TEMP TABLE ${ident(stage)} ON COMMIT DROP AS SELECT ${list(names)}, NULL::int8 AS ${ident(seqName)} FROM ${target} WITH NO DATA`,
      ),
      ...(declaredNotNull.length === 0
        ? []
        : [
            text(
              sql`ALTER TABLE ${ident(stage)} ${sql.join(declaredNotNull.map((k) => sql`ALTER COLUMN ${ident(k)} SET NOT NULL`))}`,
            ),
          ]),
    ].join('; '),
  );
  const copyTarget = text(sql`${ident(stage)} (${list([...names, seqName])})`);
  const budget: RejectBudget | undefined = config.maxRejects > 0 ? { max: config.maxRejects, rejected: [] } : undefined;
  const rejected = budget === undefined ? {} : { rejected: budget.rejected };
  let rowsWritten: number;
  try {
    rowsWritten =
      budget === undefined
        ? await copyInput(ctx, session, copyTarget, input, encoding, true, copyState)
        : await copyRejecting(
            ctx,
            session,
            input,
            (part, firstRow) => copyInput(ctx, session, copyTarget, part, encoding, true, copyState, firstRow),
            budget,
            tableName,
          );
  } catch (err) {
    const e = err as { code?: unknown; table?: unknown; column?: unknown; detail?: unknown };
    if (e.code !== '23502' || e.table !== stage || typeof e.column !== 'string') throw err;
    // The failing row ends with its staging row number, which is its input row number.
    const row = typeof e.detail === 'string' ? /(\d+)\)\.?$/.exec(e.detail)?.[1] : undefined;
    throw nullKeyError(
      ctx,
      tableName,
      `merge key '${e.column}' is NULL in ${row === undefined ? 'an input row' : `input row ${row}`}, though the input declares the column NOT NULL (the load stopped at that row)`,
      [e.column],
      err,
    );
  }
  if (budget !== undefined && mayBeNull.length > 0 && rowsWritten > 0) {
    const staged = { table: stage, seqColumn: seqName, columns: names };
    rowsWritten -= await rejectNullKeys(ctx, session, budget, staged, mayBeNull, tableName);
  }
  if (rowsWritten === 0) return { rowsWritten, inserted: 0, updated: 0, ...rejected };
  if (mayBeNull.length > 0 && budget === undefined)
    await refuseNullKeys(ctx, session, stage, seqName, mayBeNull, rowsWritten, tableName);
  ctx.reporter.phase?.('merging');
  const lockMerge = () =>
    advisoryLock(ctx, session, [MERGE_LOCK, table.oid | 0], `another run is merging into ${tableName}`);

  const changed = (left: string, right: string) => {
    const side = (alias: string) =>
      sql.join(
        updates.map((c) =>
          needsTextComparison(c.typname) ? sql`${ident(alias, c.name)}::text` : ident(alias, c.name),
        ),
      );
    return sql`(${side(left)}) IS DISTINCT FROM (${side(right)})`;
  };
  const deduplicated = sql`(SELECT DISTINCT ON (${list(keys)}) ${list(names)} FROM ${ident(stage)} ORDER BY ${list(keys)}, ${ident(seqName)} DESC)`;
  // With max_rejects: the staged rows lo..hi (by input row), de-duplicated, for an upsert set apart by row.
  const inRange = (lo: number, hi: number) =>
    sql`(SELECT DISTINCT ON (${list(keys)}) ${list(names)} FROM ${ident(stage)} WHERE ${ident(seqName)} BETWEEN ${sql.raw(String(Math.trunc(lo)))} AND ${sql.raw(String(Math.trunc(hi)))} ORDER BY ${list(keys)}, ${ident(seqName)} DESC)`;
  const isolated = (
    budget: RejectBudget,
    failed: unknown,
    apply: (lo: number, hi: number) => Promise<[number, number]>,
  ) =>
    upsertRejecting(
      ctx,
      session,
      budget,
      { table: stage, seqColumn: seqName, columns: names },
      apply,
      failed,
      tableName,
    );

  const unique = (await uniqueKeys(session, table.oid)).some(
    (cols) => cols.length === keySet.size && cols.every((c) => keySet.has(c)),
  );
  let counts: [number, number];
  if (unique) {
    await lockMerge();
    const action =
      updates.length === 0
        ? sql`DO NOTHING`
        : sql`DO UPDATE SET ${sql.join(updates.map((c) => sql`${ident(c.name)} = EXCLUDED.${ident(c.name)}`))} WHERE ${changed('t', 'excluded')}`;
    const upsert = (source: RawBuilder<unknown>) =>
      sql`INSERT INTO ${target} AS t (${list(names)})
  SELECT ${list(names)} FROM ${source} AS s
  ON CONFLICT (${list(keys)}) ${action}`;
    const before = await insertedSoFar(session, table);
    /** Inserted and updated rows of one upsert: from the server's own counts, else from RETURNING (slower). */
    const run = async (source: RawBuilder<unknown>, start: number | undefined): Promise<[number, number]> => {
      if (start === undefined) {
        const [row] = await session.rows<[string, string]>(
          text(sql`WITH r AS (${upsert(source)} RETURNING (t.xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM r`),
        );
        return [Number(row?.[0]), Number(row?.[1])];
      }
      const affected = await session.affected(text(upsert(source)));
      const end = (await insertedSoFar(session, table)) ?? start;
      // The statement's own row count is exact; the statistics only split it.
      const inserted = Math.min(Math.max(end - start, 0), affected);
      return [inserted, affected - inserted];
    };
    // Most loads have no duplicate keys: try without de-duplicating, and only
    // when the server says a key came twice, de-duplicate (last row wins).
    await session.exec('SAVEPOINT osiris_merge');
    try {
      counts = await run(ident(stage), before);
      await session.exec('RELEASE SAVEPOINT osiris_merge');
    } catch (err) {
      const rowError = budget !== undefined && isRowError(err);
      if (!rowError && (err as { code?: unknown }).code !== '21000') throw err;
      await session.exec('ROLLBACK TO SAVEPOINT osiris_merge');
      const byRange = (lo: number, hi: number) => run(inRange(lo, hi), undefined);
      if (rowError) {
        counts = await isolated(budget, err, byRange);
      } else {
        try {
          // The rolled-back attempt still counts in the statistics: start from here.
          counts = await run(deduplicated, before === undefined ? undefined : await insertedSoFar(session, table));
        } catch (again) {
          if (budget === undefined || !isRowError(again)) throw again;
          await session.exec('ROLLBACK TO SAVEPOINT osiris_merge');
          counts = await isolated(budget, again, byRange);
        }
      }
    }
  } else {
    // No unique index on exactly the merge keys: ON CONFLICT cannot be used.
    ctx.reporter.log(
      'info',
      `no unique index on (${keys.join(', ')}) of ${quoteName(config.schema, config.table)}: merging with UPDATE … FROM and INSERT … WHERE NOT EXISTS`,
      { step: ctx.stepId },
    );
    await session.exec(text(sql`ANALYZE ${ident(stage)}`));
    await lockMerge();
    const match = (left: string, right: string) =>
      sql.join(
        keys.map((k) => sql`${ident(left, k)} = ${ident(right, k)}`),
        sql` AND `,
      );
    const update =
      updates.length === 0
        ? sql`SELECT 1 WHERE false`
        : sql`UPDATE ${target} AS t SET ${sql.join(updates.map((c) => sql`${ident(c.name)} = s.${ident(c.name)}`))}
  FROM src AS s WHERE ${match('t', 's')} AND ${changed('t', 's')} RETURNING 1`;
    const statement = (source: RawBuilder<unknown>) =>
      text(sql`WITH src AS ${source},
upd AS (${update}),
ins AS (
  INSERT INTO ${target} (${list(names)})
  SELECT ${list(names, 's')} FROM src AS s
  WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE ${match('t', 's')})
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)`);
    const apply = async (source: RawBuilder<unknown>): Promise<[number, number]> => {
      const [row] = await session.rows<[string, string]>(statement(source));
      return [Number(row?.[0]), Number(row?.[1])];
    };
    if (budget === undefined) {
      counts = await apply(deduplicated);
    } else {
      await session.exec('SAVEPOINT osiris_merge');
      try {
        counts = await apply(deduplicated);
        await session.exec('RELEASE SAVEPOINT osiris_merge');
      } catch (err) {
        if (!isRowError(err)) throw err;
        await session.exec('ROLLBACK TO SAVEPOINT osiris_merge');
        counts = await isolated(budget, err, (lo, hi) => apply(inRange(lo, hi)));
      }
    }
  }
  return { rowsWritten, inserted: counts[0], updated: counts[1], ...rejected };
}

/**
 * Fails the merge when a key in `columns` is NULL in a staged row, saying how many rows and which
 * is the first. One scan of the staging table (about 0.1 s for a million rows), only for keys the
 * input declares nullable: a nullable column without NULLs is common (every CSV column is declared
 * nullable), so only the rows can tell.
 */
async function refuseNullKeys(
  ctx: StepContext,
  session: Session,
  stage: string,
  seqName: string,
  columns: readonly string[],
  rowsWritten: number,
  tableName: string,
): Promise<void> {
  const [row] = await session.rows<string[]>(
    text(sql`SELECT count(*), min(${ident(seqName)}), ${sql.join(columns.map((c) => sql`count(*) FILTER (WHERE ${ident(c)} IS NULL)`))}
FROM ${ident(stage)} WHERE ${sql.join(
      columns.map((c) => sql`${ident(c)} IS NULL`),
      sql` OR `,
    )}`),
  );
  const [count, first, ...perColumn] = (row ?? []).map(Number);
  if (count === undefined || count === 0) return;
  const nulls = columns.map((c, i) => [c, perColumn[i] ?? 0] as const).filter(([, n]) => n > 0);
  const what =
    nulls.length === 1
      ? `merge key '${nulls[0]?.[0]}' is NULL in ${count} of ${rowsWritten} input rows (the first is row ${first})`
      : `merge keys are NULL in ${count} of ${rowsWritten} input rows (${nulls.map(([c, n]) => `'${c}' in ${n}`).join(', ')}; the first is row ${first})`;
  throw nullKeyError(
    ctx,
    tableName,
    what,
    nulls.map(([c]) => c),
  );
}

function nullKeyError(
  ctx: StepContext,
  tableName: string,
  what: string,
  columns: readonly string[],
  cause?: unknown,
): SupabaseConnectorError {
  const filters = columns.map((c) => `{column: ${c}, op: is_not_null}`).join(', ');
  return stepError(
    ctx,
    SUPABASE_ERROR_REASONS.WRITE_FAILED,
    `${what}. A NULL key matches no row, so such a row can be neither updated nor told apart from the next run's. Leave those rows out in the source (a table source's filters: [${filters}]), or choose merge_keys whose columns hold no NULLs. The write into ${tableName} was rolled back; the table is unchanged.`,
    cause,
  );
}

/**
 * Rows this transaction has inserted into the target so far (into its
 * partitions, for a partitioned table), from the server's statistics, which
 * count every row a statement writes; undefined when the server does not keep
 * them (`track_counts` off). With the upsert's own row count, that splits it
 * into inserted and updated rows; a `RETURNING` clause over a million rows
 * costs the upsert about a fifth more time.
 */
async function insertedSoFar(session: Session, table: CatalogTable): Promise<number | undefined> {
  const relations =
    table.relkind === 'p' ? 'SELECT relid FROM pg_catalog.pg_partition_tree($1::oid) WHERE isleaf' : 'SELECT $1::oid';
  const [row] = await session.rows<[boolean, string]>(
    `SELECT current_setting('track_counts')::bool,
  coalesce(sum(pg_catalog.pg_stat_get_xact_tuples_inserted(r.relid)), 0)::int8
FROM (${relations}) AS r(relid)`,
    [table.oid],
  );
  if (row === undefined || row[0] !== true) return undefined;
  return Number(row[1]);
}
