// SPDX-License-Identifier: MIT

import { join } from 'node:path';
import type { RunManifest, StepConfig } from '@osiris/compiler';
import { isOsirisError, OsirisError, OsirisErrorCode, type Redactor, type Registry } from '@osiris/registry';
import type { Connector } from './contracts';
import { type DeadLetterRecord, lockDeadLetter, type StoredDeadLetter, updateDeadLetter } from './dlq';
import type { Engine } from './engine';
import { replayRejects } from './rejects';
import type { SupervisedRunResult } from './supervisor';

/** What a replay can do; the command line composes it (engines, registry, secrets). */
export interface ReplayContext {
  /** Runs a manifest under the supervisor, without dead-lettering it again. */
  run(request: {
    readonly manifest: RunManifest;
    readonly configs: Readonly<Record<string, StepConfig>>;
    readonly correlationId: string;
    readonly replayOf: string;
    readonly origin: 'pipeline' | 'manifest';
    /** Runs on this engine instead of the manifest's (the replay of rejected rows). */
    readonly engine?: Engine;
  }): Promise<SupervisedRunResult>;
  /** The connectors of this build, for a replayer that writes through one itself. */
  connectors(): Promise<readonly Connector[]>;
  /** Compiles (or reads) and validates a pipeline or manifest file again; throws an `OsirisError(Validation)` when it still fails. */
  load(request: { readonly file: string; readonly params: readonly string[]; readonly mode?: string }): {
    readonly manifest: RunManifest;
    readonly configs: Readonly<Record<string, StepConfig>>;
    readonly fromManifest: boolean;
  };
  /** Masks what the queue writes back. */
  readonly redactor: Redactor;
  /** What a replayer that resolves connections itself needs (rejects): the cards, the environment, `--secrets-file`. */
  readonly registry: Registry;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secretsFile?: string;
  readonly runsDir: string;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** Replays one item of one payload kind; returns the run it started. */
export type Replayer = (item: StoredDeadLetter, context: ReplayContext) => Promise<SupervisedRunResult>;

/** What `osiris dlq replay` reports for one item. */
export interface ReplayReport {
  readonly id: string;
  /** `already`: the item was replayed before and nothing ran. */
  readonly outcome: 'succeeded' | 'failed' | 'interrupted' | 'already';
  readonly runId?: string;
  readonly exitCode: number;
  readonly error?: string;
}

const payloadOf = (item: StoredDeadLetter) => item.envelope.payload as Record<string, unknown>;

function replayPart<T>(item: StoredDeadLetter, key: string): T {
  const replay = payloadOf(item).replay as Record<string, unknown> | undefined;
  const value = replay?.[key];
  if (value === undefined) {
    throw new OsirisError(OsirisErrorCode.Config, `dead-letter item ${item.id} has no replay.${key}`, {
      hint: 'The item was written by another version of Osiris or edited; run the pipeline again instead.',
    });
  }
  return value as T;
}

/** A validation failure: the file is read (and validated) again, as it is now, then run. */
const replayValidation: Replayer = (item, context) => {
  const file = replayPart<string>(item, 'file');
  const { params, mode: validationMode } = payloadOf(item).replay as { params?: string[]; mode?: string };
  const plan = context.load({
    file,
    params: params ?? [],
    ...(validationMode === undefined ? {} : { mode: validationMode }),
  });
  return context.run({
    manifest: plan.manifest,
    configs: plan.configs,
    correlationId: item.envelope.correlation_id,
    replayOf: item.id,
    origin: plan.fromManifest ? 'manifest' : 'pipeline',
  });
};

/** A failed step: its pipe (source and sink) runs again from the manifest and configs kept in the item. */
const replayStep: Replayer = (item, context) =>
  context.run({
    manifest: replayPart<RunManifest>(item, 'manifest'),
    configs: replayPart<Record<string, StepConfig>>(item, 'configs'),
    correlationId: item.envelope.correlation_id,
    replayOf: item.id,
    origin: 'manifest',
  });

/**
 * Rejected rows (`max_rejects`): a run whose engine re-sends the rows of the item's rejects file through
 * the sink's own append or merge path (`replayRejects`, with `max_rejects: 0`: a cause that is not fixed
 * fails and changes nothing). A merge makes the replay idempotent. The run is supervised like any other,
 * so it has a run folder, states and a run id that the item records.
 */
const replayRejectsItem: Replayer = async (item, context) => {
  const payload = payloadOf(item);
  const step = String(payload.step);
  const file = join(String(payload.run_dir), String(payload.rejects_file));
  const connectors = await context.connectors();
  return context.run({
    manifest: replayPart<RunManifest>(item, 'manifest'),
    configs: replayPart<Record<string, StepConfig>>(item, 'configs'),
    correlationId: item.envelope.correlation_id,
    replayOf: item.id,
    origin: 'manifest',
    engine: rejectsEngine(file, step, connectors),
  });
};

/** An engine that runs one thing: the replay of a rejects file into its sink step. */
function rejectsEngine(file: string, stepId: string, connectors: readonly Connector[]): Engine {
  return {
    name: 'replay',
    async run(manifest, configs, context) {
      const step = manifest.steps.find((candidate) => candidate.id === stepId);
      const config = configs instanceof Map ? configs.get(stepId) : (configs as Record<string, StepConfig>)[stepId];
      const connector = connectors.find((candidate) => candidate.type === config?.component);
      const connection = config?.connection === undefined ? undefined : context.connections.get(config.connection);
      if (step === undefined || config === undefined || connector === undefined || connection === undefined) {
        const error = new OsirisError(
          OsirisErrorCode.Config,
          `the rejects of step "${stepId}" cannot be replayed here`,
          {
            hint: 'The item names a step, component or connection this build does not have; load the rejects file yourself.',
          },
        );
        return { status: 'failed', steps: [], error };
      }
      const started = performance.now();
      const base = {
        id: stepId,
        component: step.component,
        componentVersion: step.component_version,
        mode: step.mode,
        attempts: 1,
      } as const;
      context.events({ type: 'start', level: 'info', step: stepId, payload: {} });
      try {
        const result = await replayRejects({ file, config, connector, connection, signal: context.signal });
        const durationMs = Math.round(performance.now() - started);
        context.events({
          type: 'end',
          level: 'info',
          step: stepId,
          payload: { rowsRead: result.rowsReplayed, rowsWritten: result.rowsWritten, durationMs },
        });
        return {
          status: 'succeeded',
          steps: [
            {
              ...base,
              status: 'succeeded',
              rowsRead: result.rowsReplayed,
              rowsWritten: result.rowsWritten,
              ...(result.inserted === undefined ? {} : { inserted: result.inserted }),
              ...(result.updated === undefined ? {} : { updated: result.updated }),
              durationMs,
            },
          ],
        };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        context.events({ type: 'error', level: 'error', step: stepId, payload: { error: message } });
        return {
          status: 'failed',
          steps: [
            {
              ...base,
              status: 'failed',
              rowsRead: 0,
              rowsWritten: 0,
              durationMs: Math.round(performance.now() - started),
              error: message,
            },
          ],
          error: isOsirisError(error)
            ? error
            : new OsirisError(OsirisErrorCode.Run, `replaying the rejects of step "${stepId}" failed: ${message}`, {
                cause: error,
                hint: 'Fix the cause (a constraint, a type), then replay the item again; nothing was written.',
              }),
        };
      }
    },
  };
}

// The one dispatch table: payload kind → how to replay it.
const replayers = new Map<string, Replayer>([
  ['validation', replayValidation],
  ['step', replayStep],
  ['rejects', replayRejectsItem],
]);

/** Registers (or replaces) how items of a payload kind are replayed. */
export function registerReplayer(kind: string, replayer: Replayer): void {
  replayers.set(kind, replayer);
}

/** The payload kinds that can be replayed. */
export function replayableKinds(): string[] {
  return [...replayers.keys()];
}

/**
 * Replays one dead-letter item with today's secrets and code: dispatches on `payload.kind`, records
 * the attempt (and on success `replayed` with the new run id) in the item. An item already replayed
 * is not run again (`outcome: already`); two replays of one item never run at once (a lock file).
 */
export async function replayDeadLetter(item: StoredDeadLetter, context: ReplayContext): Promise<ReplayReport> {
  if (item.dlq.status === 'replayed') {
    return {
      id: item.id,
      outcome: 'already',
      exitCode: 0,
      ...(item.dlq.replay_run_id === undefined ? {} : { runId: item.dlq.replay_run_id }),
    };
  }
  const kind = String(payloadOf(item).kind);
  const replayer = replayers.get(kind);
  if (replayer === undefined) {
    throw new OsirisError(
      OsirisErrorCode.Config,
      `dead-letter item ${item.id} is of kind "${kind}", which has no replay`,
      {
        hint: `Replayable kinds: ${replayableKinds().join(', ')}. Drop it with \`osiris dlq drop ${item.id}\` once handled.`,
      },
    );
  }
  const release = await lockDeadLetter(item);
  const at = new Date().toISOString();
  try {
    let result: SupervisedRunResult;
    try {
      result = await replayer(item, context);
    } catch (error) {
      const message = context.redactor.text(isOsirisError(error) ? error.message : String(error));
      const record: DeadLetterRecord = {
        ...item.dlq,
        replays: [...item.dlq.replays, { at, status: 'failed', error: message }],
      };
      await updateDeadLetter(item, record, context.redactor);
      throw error;
    }
    const succeeded = result.status === 'succeeded';
    const record: DeadLetterRecord = {
      ...item.dlq,
      ...(succeeded ? { status: 'replayed', replayed_at: new Date().toISOString(), replay_run_id: result.runId } : {}),
      replays: [
        ...item.dlq.replays,
        {
          at,
          run_id: result.runId,
          status: result.status,
          ...(result.error === undefined ? {} : { error: result.error.message }),
        },
      ],
    };
    await updateDeadLetter(item, record, context.redactor);
    return {
      id: item.id,
      outcome: result.status,
      runId: result.runId,
      exitCode: result.exitCode,
      ...(result.error === undefined ? {} : { error: result.error.message }),
    };
  } finally {
    await release();
  }
}
