// SPDX-License-Identifier: MIT
import { isOsirisError, OsirisError, OsirisErrorCode } from '@osiris/registry';

/**
 * Why a connector failed, shared by every connector. Each reason maps onto one
 * {@link OsirisErrorCode} (and so one exit code): a bad config is `CONFIG`, an
 * abort `INTERRUPTED`, anything else `RUN`.
 */
export const CONNECTOR_ERROR_REASONS = {
  CONFIG_INVALID: 'CONNECTOR_CONFIG_INVALID',
  CONNECTION_FAILED: 'CONNECTOR_CONNECTION_FAILED',
  TABLE_NOT_FOUND: 'CONNECTOR_TABLE_NOT_FOUND',
  COLUMN_NOT_FOUND: 'CONNECTOR_COLUMN_NOT_FOUND',
  QUERY_FAILED: 'CONNECTOR_QUERY_FAILED',
  WRITE_FAILED: 'CONNECTOR_WRITE_FAILED',
  /** The rows to write could not be read: the source failed. */
  INPUT_FAILED: 'CONNECTOR_INPUT_FAILED',
  ABORTED: 'CONNECTOR_ABORTED',
} as const;

export type ConnectorErrorReason = (typeof CONNECTOR_ERROR_REASONS)[keyof typeof CONNECTOR_ERROR_REASONS];

function codeOf(reason: ConnectorErrorReason): OsirisErrorCode {
  switch (reason) {
    case CONNECTOR_ERROR_REASONS.CONFIG_INVALID:
      return OsirisErrorCode.Config;
    case CONNECTOR_ERROR_REASONS.ABORTED:
      return OsirisErrorCode.Interrupted;
    default:
      return OsirisErrorCode.Run;
  }
}

/**
 * The base of the errors connectors throw: an {@link OsirisError} whose message
 * says what failed, in which step and table, and how to fix it, with the
 * driver's error as `cause`. Secrets never belong in the message.
 */
export class ConnectorError extends OsirisError {
  override readonly name: string = 'ConnectorError';
  /** The precise reason, e.g. `CONNECTOR_TABLE_NOT_FOUND`. */
  readonly reason: ConnectorErrorReason;
  /** The step id the error belongs to. */
  readonly stepId: string;
  /** `false` when retrying could apply the change twice (the runner then never retries). */
  readonly retryable: boolean | undefined;

  constructor(
    reason: ConnectorErrorReason,
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

/** True for a connector error of the given class name, also one from another copy of its package. */
export function isConnectorErrorNamed(value: unknown, name: string): value is ConnectorError {
  return isOsirisError(value) && value.name === name;
}
