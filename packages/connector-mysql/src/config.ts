// SPDX-License-Identifier: MIT
import { parseTableReadOptions, type TableReadOptions } from '@osiris/runner';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';

/** Checks the step options of a `mysql.table` read (the registry validated them already; this guards direct callers). */
export function parseReadConfig(stepId: string, config: Readonly<Record<string, unknown>>): TableReadOptions {
  return parseTableReadOptions(
    config,
    (message) =>
      new MysqlConnectorError(MYSQL_ERROR_REASONS.CONFIG_INVALID, stepId, `mysql.table step '${stepId}': ${message}`),
  );
}
