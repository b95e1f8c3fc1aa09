// SPDX-License-Identifier: MIT

/**
 * Every error Osiris raises on purpose carries one of these codes; the CLI maps
 * each code to one exit code in one table.
 */
export const OsirisErrorCode = {
  /** A pipeline, spec card or step config broke a rule (exit 2). */
  Validation: 'VALIDATION',
  /** Compiling failed for a reason other than validation, e.g. an unwritable folder (exit 3). */
  Compile: 'COMPILE',
  /** A run failed: driver errors, rejected rows, lost connections (exit 4). */
  Run: 'RUN',
  /** Configuration or secrets are missing or malformed (exit 5). */
  Config: 'CONFIG',
  /** The user interrupted the run (exit 130). */
  Interrupted: 'INTERRUPTED',
} as const;

export type OsirisErrorCode = (typeof OsirisErrorCode)[keyof typeof OsirisErrorCode];

const brand = Symbol.for('osiris.error');

export interface OsirisErrorOptions {
  readonly cause?: unknown;
  /** Structured diagnostics behind a validation error. */
  readonly diagnostics?: readonly import('./diagnostics').Diagnostic[];
  /** How to fix it, printed after the message. */
  readonly hint?: string;
}

/** The base of every deliberate Osiris error. */
export class OsirisError extends Error {
  override readonly name: string = 'OsirisError';
  readonly code: OsirisErrorCode;
  readonly diagnostics: readonly import('./diagnostics').Diagnostic[];
  readonly hint: string | undefined;
  readonly [brand] = true;

  constructor(code: OsirisErrorCode, message: string, options: OsirisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.diagnostics = options.diagnostics ?? [];
    this.hint = options.hint;
  }
}

/**
 * True for any Osiris error, also one thrown by another copy of this package
 * (the check is a brand, not `instanceof`).
 */
export function isOsirisError(value: unknown): value is OsirisError {
  return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
}

/** The one table of process exit codes (SPEC §6). */
export const ExitCode = {
  Success: 0,
  /** An error nobody raised on purpose: a bug. */
  Internal: 1,
  /** Validation errors, and command-line usage errors. */
  Validation: 2,
  Compile: 3,
  Run: 4,
  Config: 5,
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One row of {@link EXIT_CODES}. */
export interface ExitCodeInfo {
  readonly code: ExitCode;
  /** Its key in {@link ExitCode}. */
  readonly name: keyof typeof ExitCode;
  /** What it means, as `osiris --help` and the README say it. */
  readonly description: string;
}

const descriptions: Record<keyof typeof ExitCode, string> = {
  Success: 'success',
  Internal: 'internal error (a bug: please report it)',
  Validation: 'validation error (pipeline, spec card or command line)',
  Compile: 'compile error (e.g. the output folder cannot be written)',
  Run: 'run error (database, driver, rejected rows)',
  Config: 'configuration or secrets missing or malformed',
  Interrupted: 'interrupted (Ctrl-C, SIGTERM, SIGHUP); the target is left unchanged',
};

/**
 * Every exit code with its name and description, lowest code first: what
 * `osiris --help` prints and the README's table is generated from.
 */
export const EXIT_CODES: readonly ExitCodeInfo[] = (Object.keys(ExitCode) as (keyof typeof ExitCode)[])
  .map((name) => ({ code: ExitCode[name], name, description: descriptions[name] }))
  .sort((a, b) => a.code - b.code);

const exitCodes: Record<OsirisErrorCode, ExitCode> = {
  VALIDATION: ExitCode.Validation,
  COMPILE: ExitCode.Compile,
  RUN: ExitCode.Run,
  CONFIG: ExitCode.Config,
  INTERRUPTED: ExitCode.Interrupted,
};

/**
 * The exit code for an error: its code's entry in the table, or `fallback`
 * for an error that is not an Osiris error (a bug in the CLI; a driver error
 * inside a run, where the runner passes `ExitCode.Run`).
 */
export function exitCodeOf(error: unknown, fallback: ExitCode = ExitCode.Internal): ExitCode {
  return isOsirisError(error) ? exitCodes[error.code] : fallback;
}

/** The error code an exit code stands for: the table read backwards (anything unknown is a run error). */
export function errorCodeOfExit(exitCode: number): OsirisErrorCode {
  const found = Object.entries(exitCodes).find(([, exit]) => exit === exitCode);
  return found === undefined ? OsirisErrorCode.Run : (found[0] as OsirisErrorCode);
}
