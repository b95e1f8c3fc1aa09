// SPDX-License-Identifier: MIT
import { isOsirisError, OsirisError, OsirisErrorCode } from '@osiris/registry';

/**
 * Why a connector failed. The same strings are used by every Osiris
 * connector; each maps onto one {@link OsirisErrorCode} (and so one exit code).
 */
export const MYSQL_ERROR_REASONS = {
  CONFIG_INVALID: 'CONNECTOR_CONFIG_INVALID',
  CONNECTION_FAILED: 'CONNECTOR_CONNECTION_FAILED',
  TABLE_NOT_FOUND: 'CONNECTOR_TABLE_NOT_FOUND',
  COLUMN_NOT_FOUND: 'CONNECTOR_COLUMN_NOT_FOUND',
  QUERY_FAILED: 'CONNECTOR_QUERY_FAILED',
  ABORTED: 'CONNECTOR_ABORTED',
} as const;

export type MysqlErrorReason = (typeof MYSQL_ERROR_REASONS)[keyof typeof MYSQL_ERROR_REASONS];

function codeOf(reason: MysqlErrorReason): OsirisErrorCode {
  switch (reason) {
    case MYSQL_ERROR_REASONS.CONFIG_INVALID:
      return OsirisErrorCode.Config;
    case MYSQL_ERROR_REASONS.ABORTED:
      return OsirisErrorCode.Interrupted;
    default:
      return OsirisErrorCode.Run;
  }
}

/**
 * Every error the MySQL connector throws: an {@link OsirisError} (code `CONFIG`,
 * `RUN` or `INTERRUPTED`) whose message says what failed, in which step and
 * table, and how to fix it; the driver's error is the `cause`. Secrets never
 * appear in the message.
 */
export class MysqlConnectorError extends OsirisError {
  override readonly name = 'MysqlConnectorError';
  /** The precise reason, e.g. `CONNECTOR_TABLE_NOT_FOUND`. */
  readonly reason: MysqlErrorReason;
  /** The step id the error belongs to. */
  readonly stepId: string;
  /** `false` when retrying could apply the change twice (the runner then never retries). */
  readonly retryable: boolean | undefined;

  constructor(
    reason: MysqlErrorReason,
    stepId: string,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(codeOf(reason), message, options.cause === undefined ? {} : { cause: options.cause });
    this.reason = reason;
    this.stepId = stepId;
    this.retryable = options.retryable;
  }
}

/** True for a {@link MysqlConnectorError}, also when it comes from another copy of this package. */
export function isMysqlConnectorError(value: unknown): value is MysqlConnectorError {
  return isOsirisError(value) && value.name === 'MysqlConnectorError';
}
