// SPDX-License-Identifier: MIT

/** One note a connector reported through its step context. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

/**
 * A step context for calling a connector directly in a test (structurally the runner's `StepContext`),
 * and the notes and phases the connector reports through it.
 */
export function makeStepContext(
  connection: Record<string, string>,
  options: { chunkSize?: number; signal?: AbortSignal; stepId?: string } = {},
) {
  const logs: LogEntry[] = [];
  const phases: string[] = [];
  const ctx = {
    stepId: options.stepId ?? 'step',
    connection,
    chunkSize: options.chunkSize ?? 1000,
    signal: options.signal ?? new AbortController().signal,
    reporter: {
      log: (level: LogEntry['level'], message: string, fields?: Record<string, unknown>) => {
        logs.push({ level, message, fields });
      },
      phase: (name: string) => {
        phases.push(name);
      },
    },
  };
  return { ctx, logs, phases };
}

/** Every row of a stream and the size of each batch it came in. */
export async function collect<R>(stream: { readonly batches: AsyncIterable<readonly R[]> }) {
  const rows: R[] = [];
  const sizes: number[] = [];
  for await (const batch of stream.batches) {
    sizes.push(batch.length);
    for (const row of batch) rows.push(row);
  }
  return { rows, sizes };
}

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function caught(promise: Promise<unknown>): Promise<Error & { code?: string; reason?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; reason?: string };
  }
  throw new Error('expected a rejection');
}
