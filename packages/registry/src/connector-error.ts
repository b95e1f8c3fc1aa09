// SPDX-License-Identifier: MIT
import { isOsirisError, OsirisError, OsirisErrorCode } from './errors';

/**
 * Why a connector failed: the reasons every connector shares. A connector may
 * add reasons of its own (any string); each reason maps onto one
 * {@link OsirisErrorCode}, and so one exit code: a bad config is `CONFIG`, an
 * abort `INTERRUPTED`, anything else `RUN`, unless the error says otherwise.
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

/** One of the {@link CONNECTOR_ERROR_REASONS} every connector shares. */
export type ConnectorErrorReason = (typeof CONNECTOR_ERROR_REASONS)[keyof typeof CONNECTOR_ERROR_REASONS];

export interface ConnectorErrorOptions {
  readonly cause?: unknown;
  /** `false` when retrying could apply the change twice (the runner then never retries). */
  readonly retryable?: boolean;
  /**
   * The Osiris error code, for a reason of the connector's own that is not a run error
   * (e.g. `CONFIG` for a path outside the allowed folder). Default: from the reason.
   */
  readonly code?: OsirisErrorCode;
  /** How to fix it, printed after the message. */
  readonly hint?: string;
}

/** The Osiris error code of a reason: `CONFIG` for a bad config, `INTERRUPTED` for an abort, else `RUN`. */
function connectorErrorCode(reason: string): OsirisErrorCode {
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
 *
 * A connector names its reasons as the type parameter and extends this class;
 * its name identifies it across copies of its package ({@link isConnectorErrorNamed}).
 *
 * @example
 * type CsvReason = ConnectorErrorReason | 'CONNECTOR_PARSE_FAILED';
 * class CsvError extends ConnectorError<CsvReason> {
 *   override readonly name = 'CsvError';
 * }
 * throw new CsvError('CONNECTOR_PARSE_FAILED', 'src', "csv step 'src': line 3 has 4 fields, not 3");
 */
export class ConnectorError<Reason extends string = string> extends OsirisError {
  override readonly name: string = 'ConnectorError';
  /** The precise reason, e.g. `CONNECTOR_TABLE_NOT_FOUND`. */
  readonly reason: Reason;
  /** The step id the error belongs to. */
  readonly stepId: string;
  /** `false` when retrying could apply the change twice (the runner then never retries). */
  readonly retryable: boolean | undefined;

  constructor(reason: Reason, stepId: string, message: string, options: ConnectorErrorOptions = {}) {
    super(options.code ?? connectorErrorCode(reason), message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    });
    this.reason = reason;
    this.stepId = stepId;
    this.retryable = options.retryable;
  }
}

/** True for a connector error of the given class name, also one from another copy of its package. */
export function isConnectorErrorNamed(value: unknown, name: string): value is ConnectorError {
  return isOsirisError(value) && value.name === name;
}
