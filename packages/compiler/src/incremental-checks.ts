// SPDX-License-Identifier: MIT
import type { Diagnostic } from '@osiris/registry';
import type { ResolvedStep } from './validate';

/**
 * Pipeline-level checks of incremental sources (ADR 0024): a sink fed by an incremental source
 * should merge. Every run re-reads the lag's overlap (and a retried or repeated run its whole
 * window), which `merge` makes idempotent and `append` would load twice.
 */
export function incrementalDiagnostics(sources: readonly ResolvedStep[], sinks: readonly ResolvedStep[]): Diagnostic[] {
  const incremental = new Map(
    sources.filter((s) => s.options.incremental !== undefined).map((s) => [s.step.id, s] as const),
  );
  if (incremental.size === 0) return [];
  const diagnostics: Diagnostic[] = [];
  for (const sink of sinks) {
    const input = sink.step.from ?? (sources.length === 1 ? sources[0]?.step.id : undefined);
    if (input === undefined || !incremental.has(input)) continue;
    const mode = sink.options.write_mode ?? 'append';
    if (mode === 'merge') continue;
    diagnostics.push({
      severity: 'warning',
      path: `${sink.step.id}.options.write_mode`,
      pointer: `${sink.pointer}/options/write_mode`,
      rule: 'incrementalAppend',
      message: `sink "${sink.step.id}" appends the rows of incremental source "${input}"`,
      why: 'Each incremental run reads again the rows inside the lag (and a repeated window after a failure); appended, they become duplicates.',
      fix: 'Set write_mode: merge with merge_keys, so the overlap updates rows instead of adding them.',
      example: 'options: { write_mode: merge, merge_keys: [id] }',
      stepId: sink.step.id,
    });
  }
  return diagnostics;
}
