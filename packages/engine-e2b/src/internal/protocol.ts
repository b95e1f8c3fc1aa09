// SPDX-License-Identifier: MIT
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

/** Settings the host passes on the remote command line (never secrets: those travel as environment variables). */
export interface RemoteSettings {
  readonly expectVersion: string;
  readonly runId: string;
  readonly correlationId: string;
  readonly logLevel?: 'info' | 'debug';
  readonly redactionStrategy?: 'fixed' | 'hash';
  readonly progressIntervalMs?: number;
  readonly retryAttempts?: number;
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

/** The command-line flags for {@link RemoteSettings}, in a fixed order. */
export function settingsToArgs(settings: RemoteSettings): string[] {
  const args = [
    '--expect-version',
    settings.expectVersion,
    '--run-id',
    settings.runId,
    '--correlation-id',
    settings.correlationId,
  ];
  const optional: [string, string | number | undefined][] = [
    ['--log-level', settings.logLevel],
    ['--redaction-strategy', settings.redactionStrategy],
    ['--progress-interval-ms', settings.progressIntervalMs],
    ['--retry-attempts', settings.retryAttempts],
    ['--retry-base-delay-ms', settings.retryBaseDelayMs],
    ['--retry-max-delay-ms', settings.retryMaxDelayMs],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, String(value));
  return args;
}
