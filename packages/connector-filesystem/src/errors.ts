// SPDX-License-Identifier: MIT
import { CONNECTOR_ERROR_REASONS, ConnectorError, isConnectorErrorNamed, OsirisErrorCode } from '@osiris/registry';

/**
 * Why the filesystem connector failed: the reasons every Osiris connector
 * shares, and a few of its own. A bad option, or a path outside the
 * connection's base_dir, is a configuration error (exit 5); an abort is an
 * interruption (130); anything else, a missing file included, a run error (4).
 */
export const FILESYSTEM_ERROR_REASONS = {
  CONFIG_INVALID: CONNECTOR_ERROR_REASONS.CONFIG_INVALID,
  /** A path (options.path, a discovered file or folder) resolves outside the connection's base_dir. */
  PATH_OUTSIDE_BASE_DIR: 'CONNECTOR_PATH_OUTSIDE_BASE_DIR',
  FILE_NOT_FOUND: 'CONNECTOR_FILE_NOT_FOUND',
  COLUMN_NOT_FOUND: CONNECTOR_ERROR_REASONS.COLUMN_NOT_FOUND,
  /** The file is not well-formed CSV: a bad quote, a row with the wrong number of fields. */
  PARSE_FAILED: 'CONNECTOR_PARSE_FAILED',
  /** The file is not valid UTF-8 (and options.on_invalid_utf8 is fail). */
  INVALID_UTF8: 'CONNECTOR_INVALID_UTF8',
  /** A field does not hold a value of its column's type. */
  VALUE_INVALID: 'CONNECTOR_VALUE_INVALID',
  READ_FAILED: 'CONNECTOR_READ_FAILED',
  WRITE_FAILED: CONNECTOR_ERROR_REASONS.WRITE_FAILED,
  /** The rows to write could not be read: the source failed. */
  INPUT_FAILED: CONNECTOR_ERROR_REASONS.INPUT_FAILED,
  ABORTED: CONNECTOR_ERROR_REASONS.ABORTED,
} as const;

export type FilesystemErrorReason = (typeof FILESYSTEM_ERROR_REASONS)[keyof typeof FILESYSTEM_ERROR_REASONS];

/** Where in a file an error happened. */
export interface FilesystemErrorLocation {
  /** The file, as resolved (absolute). */
  readonly file?: string;
  /** 1-based line where the offending record starts. */
  readonly line?: number;
}

/**
 * Every error the filesystem connector throws: a {@link ConnectorError} (code
 * `CONFIG`, `RUN` or `INTERRUPTED`) whose message says what failed, in which
 * file and on which line, and how to fix it; the precise `reason` is one of
 * {@link FILESYSTEM_ERROR_REASONS} and the underlying error is the `cause`.
 */
export class FilesystemConnectorError extends ConnectorError<FilesystemErrorReason> {
  override readonly name = 'FilesystemConnectorError';
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(
    reason: FilesystemErrorReason,
    stepId: string,
    message: string,
    options?: { cause?: unknown } & FilesystemErrorLocation,
  ) {
    super(reason, stepId, message, {
      // A file error is never worth retrying as a connection problem.
      retryable: false,
      // A path outside base_dir is the configuration's fault; the shared mapping covers the other reasons.
      ...(reason === FILESYSTEM_ERROR_REASONS.PATH_OUTSIDE_BASE_DIR ? { code: OsirisErrorCode.Config } : {}),
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
    this.file = options?.file;
    this.line = options?.line;
  }
}

/** True for a {@link FilesystemConnectorError}, also when it comes from another copy of this package. */
export function isFilesystemConnectorError(value: unknown): value is FilesystemConnectorError {
  return isConnectorErrorNamed(value, 'FilesystemConnectorError');
}
