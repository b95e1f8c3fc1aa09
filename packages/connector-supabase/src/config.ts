// SPDX-License-Identifier: MIT
import {
  type IncrementalOptions,
  parseIncrementalOptions,
  parseTableReadOptions,
  parseTableWriteMode,
  type TableReadOptions,
} from '@osiris/runner';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';

function invalidFor(stepId: string): (message: string) => SupabaseConnectorError {
  return (message) =>
    new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      stepId,
      `supabase.table step '${stepId}': ${message}`,
    );
}

/** A read's options; the schema defaults to `public`. */
export interface ReadConfig extends TableReadOptions {
  readonly schema: string;
  /** Read only what changed since the last run (ADR 0024). */
  readonly incremental?: IncrementalOptions;
}

/** Checks the step options of a `supabase.table` read (the registry validated them already; this guards direct callers). */
export function parseReadConfig(stepId: string, config: Readonly<Record<string, unknown>>): ReadConfig {
  const options = parseTableReadOptions(config, invalidFor(stepId));
  const incremental = parseIncrementalOptions(config.incremental, invalidFor(stepId));
  return { ...options, schema: options.schema ?? 'public', ...(incremental === undefined ? {} : { incremental }) };
}

export interface WriteConfig {
  readonly schema: string;
  readonly table: string;
  readonly writeMode: 'append' | 'merge' | 'replace';
  readonly mergeKeys: readonly string[];
  readonly createTable: boolean;
  /** Rows the database may refuse on their own before the load fails (0: none; ADR 0020). */
  readonly maxRejects: number;
  /** `types:` the user's Postgres type per column, for `create_table` and added columns (ADR 0022). */
  readonly types: Readonly<Record<string, string>>;
  /** `indexes: true`: a created table gets the source's non-unique indexes too. */
  readonly indexes: boolean;
  /** New or wider source columns: added/widened in the load's transaction, or an error. */
  readonly schemaChanges: 'add_columns' | 'fail';
  /** What happens to target rows whose key left the source (ADR 0024). Default `ignore`. */
  readonly deletes: 'ignore' | 'soft' | 'hard';
  /** The schema of the incremental state table `osiris_state`. Default `public`. */
  readonly stateSchema: string;
}

/** Checks the step options of a `supabase.table` write. */
export function parseWriteConfig(stepId: string, config: Readonly<Record<string, unknown>>): WriteConfig {
  const invalid = invalidFor(stepId);
  const optionalName = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0) throw invalid(`options.${key} must be a non-empty string.`);
    return value;
  };
  const table = optionalName('table');
  if (table === undefined) {
    throw invalid('options.table is required (the table to write), e.g. `table: orders`.');
  }
  const schema = optionalName('schema') ?? 'public';
  const { writeMode: mode, mergeKeys, createTable } = parseTableWriteMode(config, invalid);
  const deletes = config.deletes ?? 'ignore';
  if (deletes !== 'ignore' && deletes !== 'soft' && deletes !== 'hard') {
    throw invalid('options.deletes must be ignore, soft or hard.');
  }
  if (deletes !== 'ignore' && mode !== 'merge') {
    throw invalid(`options.deletes: ${deletes} compares keys, so it needs write_mode: merge and merge_keys.`);
  }
  const stateSchema = optionalName('state_schema') ?? 'public';
  const maxRejects = config.max_rejects ?? 0;
  if (typeof maxRejects !== 'number' || !Number.isSafeInteger(maxRejects) || maxRejects < 0) {
    throw invalid('options.max_rejects must be a whole number, 0 or more (0: any refused row fails the load).');
  }
  return {
    schema,
    table,
    writeMode: mode,
    mergeKeys,
    createTable,
    maxRejects,
    deletes,
    stateSchema,
    ...parseSchemaOptions(config, createTable, invalid),
  };
}

/** A type as written in SQL: a (qualified) name, words (`double precision`), a modifier, `[]`s; nothing to inject. */
const TYPE_NAME =
  /^[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?(?: [A-Za-z_]+)*(?:\(\d+(?:, ?\d+)?\))?(?: [A-Za-z_]+)*(?:\[\])*$/;

function parseSchemaOptions(
  config: Readonly<Record<string, unknown>>,
  createTable: boolean,
  invalid: (message: string) => SupabaseConnectorError,
): Pick<WriteConfig, 'types' | 'indexes' | 'schemaChanges'> {
  const rawTypes = config.types ?? {};
  if (rawTypes === null || typeof rawTypes !== 'object' || Array.isArray(rawTypes)) {
    throw invalid('options.types must map column names to Postgres types, e.g. `types: { active: boolean }`.');
  }
  const types: Record<string, string> = {};
  for (const [column, type] of Object.entries(rawTypes)) {
    if (typeof type !== 'string' || !TYPE_NAME.test(type.trim())) {
      throw invalid(
        `options.types.${column} must be a Postgres type such as boolean, text, numeric(12,2) or timestamptz, not ${JSON.stringify(type)}.`,
      );
    }
    types[column] = type.trim();
  }
  const indexes = config.indexes ?? false;
  if (typeof indexes !== 'boolean') throw invalid('options.indexes must be true or false.');
  const schemaChanges = config.schema_changes ?? (createTable ? 'add_columns' : 'fail');
  if (schemaChanges !== 'add_columns' && schemaChanges !== 'fail') {
    throw invalid('options.schema_changes must be add_columns or fail.');
  }
  return { types, indexes, schemaChanges };
}
