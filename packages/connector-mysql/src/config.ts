// SPDX-License-Identifier: MIT
import {
  type IncrementalOptions,
  parseIncrementalOptions,
  parseTableReadOptions,
  type TableReadOptions,
} from '@osiris/runner';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';

/** A read's options, with `incremental` when the step reads only what changed (ADR 0024). */
export interface ReadConfig extends TableReadOptions {
  readonly incremental?: IncrementalOptions;
}

/** Checks the step options of a `mysql.table` read (the registry validated them already; this guards direct callers). */
export function parseReadConfig(stepId: string, config: Readonly<Record<string, unknown>>): ReadConfig {
  const invalid = (message: string) =>
    new MysqlConnectorError(MYSQL_ERROR_REASONS.CONFIG_INVALID, stepId, `mysql.table step '${stepId}': ${message}`);
  const options = parseTableReadOptions(config, invalid);
  const incremental = parseIncrementalOptions(config.incremental, invalid);
  return incremental === undefined ? options : { ...options, incremental };
}
