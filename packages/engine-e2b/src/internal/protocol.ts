// SPDX-License-Identifier: MIT
import { parseArgs } from 'node:util';
// What the host engine and the remote runner agree on: file names, folders and flags.

/** The runner bundle inside the sandbox: its name carries the version it was built for. */
export function runnerFileName(version: string): string {
  return `osiris-runner-${version}.mjs`;
}

/** Files the remote runner leaves for the host, relative to its working folder. */
export const OUT_DIR = 'out';
export const OUT_METRICS = `${OUT_DIR}/metrics.json`;
export const OUT_STATUS = `${OUT_DIR}/status.json`;
/** Written when the run did not succeed or never started: `{ code, message, hint? }`, already redacted. */
export const OUT_ERROR = `${OUT_DIR}/error.json`;
/** The remote runner's own run folders (the sandbox is thrown away afterwards). */
export const REMOTE_RUNS_DIR = 'runs';

/** The content of `out/error.json`. */
export interface RemoteError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

/**
 * The run settings (`RunSettings` of `@osiris/runner`, as JSON), uploaded beside the manifest and read
 * back by the remote runner with `parseRunSettings`: a new setting travels without a change here.
 */
export const SETTINGS_FILE = 'settings.json';

/** What identifies the run, on the remote command line (never secrets: those travel as environment variables). */
export interface RemoteRun {
  /** The engine's version: the bundle refuses to run for another. */
  readonly expectVersion: string;
  /** The host's run id, which the remote runner's log lines carry. */
  readonly runId: string;
  readonly correlationId: string;
}

/** The command-line flags for {@link RemoteRun}, in a fixed order. */
export function runToArgs(run: RemoteRun): string[] {
  return ['--expect-version', run.expectVersion, '--run-id', run.runId, '--correlation-id', run.correlationId];
}

/**
 * Reads {@link RemoteRun} back from the flags {@link runToArgs} wrote; a missing or unknown flag is an
 * OsirisError (Config) raised through `usage`.
 */
export function runFromArgs(argv: readonly string[], usage: (message: string) => Error): RemoteRun {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        'expect-version': { type: 'string' },
        'run-id': { type: 'string' },
        'correlation-id': { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const required = (name: string): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw usage(`--${name} is required`);
    return value;
  };
  return {
    expectVersion: required('expect-version'),
    runId: required('run-id'),
    correlationId: required('correlation-id'),
  };
}
