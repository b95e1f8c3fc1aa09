// SPDX-License-Identifier: MIT
import { CONNECTOR_ERROR_REASONS, ConnectorError, isConnectorErrorNamed } from '@osiris/registry';

/** Why the MySQL connector failed: the reasons every Osiris connector shares. */
export const MYSQL_ERROR_REASONS = {
  CONFIG_INVALID: CONNECTOR_ERROR_REASONS.CONFIG_INVALID,
  CONNECTION_FAILED: CONNECTOR_ERROR_REASONS.CONNECTION_FAILED,
  TABLE_NOT_FOUND: CONNECTOR_ERROR_REASONS.TABLE_NOT_FOUND,
  COLUMN_NOT_FOUND: CONNECTOR_ERROR_REASONS.COLUMN_NOT_FOUND,
  QUERY_FAILED: CONNECTOR_ERROR_REASONS.QUERY_FAILED,
  WRITE_FAILED: CONNECTOR_ERROR_REASONS.WRITE_FAILED,
  INPUT_FAILED: CONNECTOR_ERROR_REASONS.INPUT_FAILED,
  ABORTED: CONNECTOR_ERROR_REASONS.ABORTED,
} as const;

export type MysqlErrorReason = (typeof MYSQL_ERROR_REASONS)[keyof typeof MYSQL_ERROR_REASONS];

/**
 * Every error the MySQL connector throws: a {@link ConnectorError} (code `CONFIG`,
 * `RUN` or `INTERRUPTED`) whose message says what failed, in which step and
 * table, and how to fix it; the driver's error is the `cause`. Secrets never
 * appear in the message.
 */
export class MysqlConnectorError extends ConnectorError<MysqlErrorReason> {
  override readonly name = 'MysqlConnectorError';
}

/** True for a {@link MysqlConnectorError}, also when it comes from another copy of this package. */
export function isMysqlConnectorError(value: unknown): value is MysqlConnectorError {
  return isConnectorErrorNamed(value, 'MysqlConnectorError');
}
