// SPDX-License-Identifier: MIT

/** One note a connector reported through its step context. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/**
 * A step context for calling a connector directly in a test (structurally the runner's `StepContext`),
 * and the notes the connector reports through it.
 */
export function makeStepContext(
  connection: Record<string, string>,
  options: { chunkSize?: number; signal?: AbortSignal; stepId?: string } = {},
) {
  const logs: LogEntry[] = [];
  const ctx = {
    stepId: options.stepId ?? 'step',
    connection,
    chunkSize: options.chunkSize ?? 1000,
    signal: options.signal ?? new AbortController().signal,
    reporter: {
      log: (level: LogEntry['level'], message: string, fields?: Record<string, unknown>) => {
        logs.push({ level, message, fields });
      },
    },
  };
  return { ctx, logs };
}
