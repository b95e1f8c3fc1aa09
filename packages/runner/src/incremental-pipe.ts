// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { StepContext, TabularStream } from './contracts';
import type { IncrementalRead, StateKey, StateRecord } from './incremental';
import type { Pipe } from './plan';
import type { RunSettings } from './settings';

/** Who runs a pipe: what the state row records besides the watermark. */
export interface RunIdentity {
  readonly pipeline: string;
  readonly runId: string;
  /** The manifest's OML fingerprint. */
  readonly fingerprint: string;
}

/** What an incremental pipe carries from before the read to the sink's commit. */
export interface IncrementalPlan {
  readonly key: StateKey;
  readonly read: IncrementalRead;
}

/** The state key of a source: its pipeline, its step id and the table it reads (`schema.table`). */
export function stateKeyOf(pipe: Pipe, pipeline: string): StateKey {
  const options = pipe.source.config.options;
  const table = typeof options.table === 'string' ? options.table : '';
  const schema = typeof options.schema === 'string' ? `${options.schema}.` : '';
  return { pipeline, step: pipe.source.step.id, table: `${schema}${table}` };
}

/**
 * Before an incremental source reads: finds its sink's state row (the watermark) through the sink's
 * connector, and combines it with the run's flags. Undefined for a source without `incremental`.
 * A source whose sink cannot keep state (or that has no sink) is a configuration error: reading
 * incrementally without keeping the watermark would read everything every time, or lose rows.
 */
export async function prepareIncremental(
  pipe: Pipe,
  sinkContext: () => StepContext,
  run: RunIdentity | undefined,
  settings: RunSettings,
): Promise<IncrementalPlan | undefined> {
  if (pipe.source.config.options.incremental === undefined) return undefined;
  const where = `step "${pipe.source.step.id}" (${pipe.source.step.component})`;
  const { sink } = pipe;
  if (sink === undefined || sink.connector.readState === undefined) {
    throw new OsirisError(
      OsirisErrorCode.Config,
      sink === undefined
        ? `${where} reads incrementally but feeds no sink, which would keep its watermark`
        : `${where} reads incrementally, but its sink "${sink.step.id}" (${sink.step.component}) cannot keep incremental state`,
      {
        hint: 'Feed an incremental source into a sink that keeps state in its target (supabase.table), or remove options.incremental.',
      },
    );
  }
  const key = stateKeyOf(pipe, run?.pipeline ?? 'pipeline');
  const before = await sink.connector.readState(sinkContext(), sink.config.options, key);
  return {
    key,
    read: {
      watermark: before?.watermark ?? undefined,
      fullRefresh: settings.fullRefresh,
      since: settings.since ?? undefined,
      until: settings.until ?? undefined,
    },
  };
}

/**
 * The state row the sink commits with the rows: the new watermark as the source reports it.
 * Undefined after a backfill window (the watermark stays as it was). A source that was told to
 * read incrementally and says nothing about it would be trusted with a watermark it never kept:
 * that is a run error.
 */
export function stateToWrite(
  plan: IncrementalPlan | undefined,
  stream: TabularStream,
  pipe: Pipe,
  run: RunIdentity | undefined,
): StateRecord | undefined {
  if (plan === undefined) return undefined;
  const report = stream.incremental;
  if (report === undefined) {
    throw new OsirisError(
      OsirisErrorCode.Config,
      `step "${pipe.source.step.id}" (${pipe.source.step.component}) has options.incremental, but its connector does not read incrementally`,
      { hint: 'Use a source component whose card offers incremental (mysql.table, supabase.table).' },
    );
  }
  if (!report.moveWatermark) return undefined;
  return {
    ...plan.key,
    cursor: report.cursor,
    watermark: report.watermarkAfter ?? null,
    runId: run?.runId ?? '',
    fingerprint: run?.fingerprint ?? '',
  };
}
