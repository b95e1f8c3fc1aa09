// SPDX-License-Identifier: MIT
import {
  type IncrementalOptions,
  parseIncrementalOptions,
  parseTableReadOptions,
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
  readonly writeMode: 'append' | 'merge';
  readonly mergeKeys: readonly string[];
  readonly createTable: boolean;
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
  const mode = config.write_mode ?? 'append';
  if (mode !== 'append' && mode !== 'merge') {
    throw invalid('options.write_mode must be append or merge.');
  }
  const rawKeys = config.merge_keys;
  let mergeKeys: string[] = [];
  if (rawKeys !== undefined) {
    if (
      !Array.isArray(rawKeys) ||
      rawKeys.length === 0 ||
      !rawKeys.every((k): k is string => typeof k === 'string' && k.length > 0) ||
      new Set(rawKeys).size !== rawKeys.length
    ) {
      throw invalid('options.merge_keys must be a non-empty list of distinct column names.');
    }
    mergeKeys = rawKeys;
  }
  if (mode === 'merge' && mergeKeys.length === 0) {
    throw invalid('options.merge_keys is required when write_mode is merge, e.g. `merge_keys: [id]`.');
  }
  const createTable = config.create_table ?? false;
  if (typeof createTable !== 'boolean') {
    throw invalid('options.create_table must be true or false.');
  }
  const deletes = config.deletes ?? 'ignore';
  if (deletes !== 'ignore' && deletes !== 'soft' && deletes !== 'hard') {
    throw invalid('options.deletes must be ignore, soft or hard.');
  }
  if (deletes !== 'ignore' && mode !== 'merge') {
    throw invalid(`options.deletes: ${deletes} compares keys, so it needs write_mode: merge and merge_keys.`);
  }
  const stateSchema = optionalName('state_schema') ?? 'public';
  return { schema, table, writeMode: mode, mergeKeys, createTable, deletes, stateSchema };
}
