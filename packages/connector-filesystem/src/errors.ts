// SPDX-License-Identifier: MIT

/**
 * Error codes the filesystem connector raises. The `CONNECTOR_*` strings are
 * shared with the other Osiris connectors, so that the CLI can map them to
 * exit codes in one table.
 */
export const FILESYSTEM_ERROR_CODES = {
  CONFIG_INVALID: 'CONNECTOR_CONFIG_INVALID',
  FILE_NOT_FOUND: 'CONNECTOR_FILE_NOT_FOUND',
  COLUMN_NOT_FOUND: 'CONNECTOR_COLUMN_NOT_FOUND',
  /** The file is not well-formed CSV: a bad quote, a row with the wrong number of fields. */
  PARSE_FAILED: 'CONNECTOR_PARSE_FAILED',
  /** A field does not hold a value of its column's type. */
  VALUE_INVALID: 'CONNECTOR_VALUE_INVALID',
  READ_FAILED: 'CONNECTOR_READ_FAILED',
  WRITE_FAILED: 'CONNECTOR_WRITE_FAILED',
  /** The rows to write could not be read: the source failed. */
  INPUT_FAILED: 'CONNECTOR_INPUT_FAILED',
  ABORTED: 'CONNECTOR_ABORTED',
} as const;

export type FilesystemConnectorErrorCode = (typeof FILESYSTEM_ERROR_CODES)[keyof typeof FILESYSTEM_ERROR_CODES];

const BRAND = Symbol.for('@osiris/error');

/** Where in a file an error happened. */
export interface FilesystemErrorLocation {
  /** The file, as resolved (absolute). */
  readonly file?: string;
  /** 1-based line where the offending record starts. */
  readonly line?: number;
}

/**
 * Every error the filesystem connector throws: what failed, in which file and
 * on which line, and how to fix it; the underlying error is kept as `cause`.
 */
export class FilesystemConnectorError extends Error {
  override readonly name = 'FilesystemConnectorError';
  readonly code: FilesystemConnectorErrorCode;
  /** The step id the error belongs to. */
  readonly stepId: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** A file error is never worth retrying as a connection problem. */
  readonly retryable = false;
  readonly [BRAND] = true;

  constructor(
    code: FilesystemConnectorErrorCode,
    stepId: string,
    message: string,
    options?: { cause?: unknown } & FilesystemErrorLocation,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.stepId = stepId;
    this.file = options?.file;
    this.line = options?.line;
  }
}

/** True for a {@link FilesystemConnectorError}, also when it comes from another copy of this package. */
export function isFilesystemConnectorError(value: unknown): value is FilesystemConnectorError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    (value as { name?: unknown }).name === 'FilesystemConnectorError'
  );
}
