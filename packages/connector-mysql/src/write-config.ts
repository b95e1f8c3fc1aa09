// SPDX-License-Identifier: MIT
import { parseTableWriteMode } from '@osiris/runner';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';

/** The options of a `mysql.table` write. */
export interface WriteConfig {
  /** The database (schema) of the table; the connection's database when absent. */
  readonly schema: string | undefined;
  readonly table: string;
  readonly writeMode: 'append' | 'merge' | 'replace';
  readonly mergeKeys: readonly string[];
  readonly createTable: boolean;
}

/** Checks the step options of a `mysql.table` write (the registry validated them already; this guards direct callers). */
export function parseWriteConfig(stepId: string, config: Readonly<Record<string, unknown>>): WriteConfig {
  const invalid = (message: string) =>
    new MysqlConnectorError(MYSQL_ERROR_REASONS.CONFIG_INVALID, stepId, `mysql.table step '${stepId}': ${message}`);
  const name = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0) throw invalid(`options.${key} must be a non-empty string.`);
    return value;
  };
  const table = name('table');
  if (table === undefined) throw invalid('options.table is required (the table to write), e.g. `table: orders`.');
  for (const key of ['columns', 'filters']) {
    if (config[key] !== undefined) {
      throw invalid(`options.${key} only applies to read steps; a write takes the columns its input has.`);
    }
  }
  const { writeMode: mode, mergeKeys, createTable } = parseTableWriteMode(config, invalid);
  return { schema: name('schema'), table, writeMode: mode, mergeKeys, createTable };
}
