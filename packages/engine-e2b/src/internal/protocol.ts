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

/** Settings the host passes on the remote command line (never secrets: those travel as environment variables). */
export interface RemoteSettings {
  readonly expectVersion: string;
  readonly runId: string;
  readonly correlationId: string;
  readonly logLevel?: 'info' | 'debug';
  readonly redactionStrategy?: 'fixed' | 'hash';
  readonly progressIntervalMs?: number;
  readonly idleTimeoutMs?: number;
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
    ['--idle-timeout-ms', settings.idleTimeoutMs],
    ['--retry-attempts', settings.retryAttempts],
    ['--retry-base-delay-ms', settings.retryBaseDelayMs],
    ['--retry-max-delay-ms', settings.retryMaxDelayMs],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, String(value));
  return args;
}

/**
 * Reads {@link RemoteSettings} back from the flags {@link settingsToArgs} wrote; a bad flag is an
 * OsirisError (Config) raised through `usage`.
 */
export function settingsFromArgs(argv: readonly string[], usage: (message: string) => Error): RemoteSettings {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        'expect-version': { type: 'string' },
        'run-id': { type: 'string' },
        'correlation-id': { type: 'string' },
        'log-level': { type: 'string' },
        'redaction-strategy': { type: 'string' },
        'progress-interval-ms': { type: 'string' },
        'idle-timeout-ms': { type: 'string' },
        'retry-attempts': { type: 'string' },
        'retry-base-delay-ms': { type: 'string' },
        'retry-max-delay-ms': { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const required = (name: string): string => {
    const value = text(name);
    if (value === undefined || value === '') throw usage(`--${name} is required`);
    return value;
  };
  const integer = (name: string): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw usage(`--${name} must be a whole number`);
    return Number(value);
  };
  const logLevel = text('log-level');
  if (logLevel !== undefined && logLevel !== 'info' && logLevel !== 'debug')
    throw usage('--log-level is info or debug');
  const strategy = text('redaction-strategy');
  if (strategy !== undefined && strategy !== 'fixed' && strategy !== 'hash') {
    throw usage('--redaction-strategy is fixed or hash');
  }
  const attempts = integer('retry-attempts');
  const baseDelayMs = integer('retry-base-delay-ms');
  const maxDelayMs = integer('retry-max-delay-ms');
  const progressIntervalMs = integer('progress-interval-ms');
  const idleTimeoutMs = integer('idle-timeout-ms');
  return {
    expectVersion: required('expect-version'),
    runId: required('run-id'),
    correlationId: required('correlation-id'),
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(strategy === undefined ? {} : { redactionStrategy: strategy }),
    ...(progressIntervalMs === undefined ? {} : { progressIntervalMs }),
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    ...(attempts === undefined ? {} : { retryAttempts: attempts }),
    ...(baseDelayMs === undefined ? {} : { retryBaseDelayMs: baseDelayMs }),
    ...(maxDelayMs === undefined ? {} : { retryMaxDelayMs: maxDelayMs }),
  };
}
