// SPDX-License-Identifier: MIT
import { isOsirisError, type OsirisErrorCode } from '@osiris/registry';

/** The one table of exit codes (SPEC §6). */
export const ExitCode = {
  Success: 0,
  /** A bug in Osiris: an error nobody raised on purpose. */
  Internal: 1,
  /** Validation errors, and command-line usage errors. */
  Validation: 2,
  Compile: 3,
  Run: 4,
  Config: 5,
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const byErrorCode: Record<OsirisErrorCode, ExitCode> = {
  VALIDATION: ExitCode.Validation,
  COMPILE: ExitCode.Compile,
  RUN: ExitCode.Run,
  CONFIG: ExitCode.Config,
  INTERRUPTED: ExitCode.Interrupted,
};

export function exitCodeOf(error: unknown): ExitCode {
  return isOsirisError(error) ? byErrorCode[error.code] : ExitCode.Internal;
}

/** For `--help`: the table as text. */
export const exitCodeHelp = `Exit codes:
  0    success
  2    validation error (pipeline, spec card or command line)
  3    compile error (e.g. the output folder cannot be written)
  4    run error (database, driver, rejected rows)
  5    configuration or secrets missing or malformed
  130  interrupted (Ctrl-C)
  1    internal error (a bug: please report it)`;
