// SPDX-License-Identifier: MIT
import type { RunManifest, StepConfig } from '@osiris/compiler';
import { isOsirisError, OsirisError, OsirisErrorCode, type Redactor, type Registry } from '@osiris/registry';
import { type DeadLetterRecord, lockDeadLetter, type StoredDeadLetter, updateDeadLetter } from './dlq';
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
  }): Promise<SupervisedRunResult>;
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
 * Rejected rows (`max_rejects`): re-sent through the sink's append or merge path by `replayRejects`
 * of the rejects feature (feat/rejects), which is not in this build. When it is merged, this body
 * becomes a call to it with what the item holds — `payload.run_dir` + `payload.rejects_file` (the
 * rows), `payload.step`, `payload.replay.manifest` / `payload.replay.configs` (the sink's step with
 * `@references`) — and the context (`registry`, `env`, `secretsFile`, `runsDir`, `signal`) to resolve
 * the connections; it returns the run it made (`SupervisedRunResult`).
 */
const replayRejectsItem: Replayer = (item) => {
  throw new OsirisError(
    OsirisErrorCode.Config,
    `dead-letter item ${item.id} holds rejected rows, and replaying them is not available in this build`,
    { hint: 'Load the rows of the rejects file named by `osiris dlq show` yourself, or use a build with row rejects.' },
  );
};

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
