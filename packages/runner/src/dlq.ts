// SPDX-License-Identifier: MIT
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { canonicalJson, OsirisError, OsirisErrorCode, type Redactor } from '@osiris/registry';
import { ENVELOPE_ID_PATTERN, type Envelope, TOPICS, type Topic } from './envelope';

/** One attempt to replay a dead letter. */
export interface ReplayAttempt {
  readonly at: string;
  /** The run the replay started, when it got that far. */
  readonly run_id?: string;
  readonly status: 'succeeded' | 'failed' | 'interrupted';
  readonly error?: string;
}

/** What the queue knows about an item besides its envelope. */
export interface DeadLetterRecord {
  readonly topic: Topic;
  /** `replayed` once a replay succeeded: a second replay does nothing. */
  readonly status: 'pending' | 'replayed';
  readonly dead_lettered_at: string;
  /** `failed`: a unit of work failed (a validation, a step, rejected rows); `handler`: a bus handler kept failing. */
  readonly reason: 'failed' | 'handler';
  /** Handler attempts, for `reason: handler`. */
  readonly attempts?: number;
  readonly handler_error?: string;
  readonly replayed_at?: string;
  /** The run that replayed it. */
  readonly replay_run_id?: string;
  readonly replays: readonly ReplayAttempt[];
}

/** The content of `.osiris/dlq/<topic>/<envelope-id>.json`. */
export interface DeadLetterItem {
  readonly dlq: DeadLetterRecord;
  readonly envelope: Envelope;
}

/** An item and where it lives. */
export interface StoredDeadLetter extends DeadLetterItem {
  readonly id: string;
  readonly path: string;
}

/**
 * The dead-letter folder beside a runs folder: `<root>/dlq` for `<root>/runs` (`.osiris/dlq` by
 * default, `$OSIRIS_HOME/dlq`, or next to a `--runs-dir`).
 */
export function dlqDirOf(runsDir: string): string {
  return join(dirname(runsDir), 'dlq');
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

const render = (item: DeadLetterItem, redactor: Redactor) => `${canonicalJson(redactor.value(item), 2)}\n`;

/**
 * Writes an envelope to the queue (through the redactor) and returns the item's path. Connections in
 * the payload stay `@references`; a secret that slipped into it is masked.
 */
export async function writeDeadLetter(
  dlqDir: string,
  topic: Topic,
  envelope: Envelope,
  redactor: Redactor,
  details: { readonly reason?: DeadLetterRecord['reason']; readonly attempts?: number; readonly error?: string } = {},
): Promise<string> {
  const item: DeadLetterItem = {
    dlq: {
      topic,
      status: 'pending',
      dead_lettered_at: new Date().toISOString(),
      reason: details.reason ?? 'failed',
      ...(details.attempts === undefined ? {} : { attempts: details.attempts }),
      ...(details.error === undefined ? {} : { handler_error: details.error }),
      replays: [],
    },
    envelope,
  };
  const file = join(dlqDir, topic, `${envelope.id}.json`);
  try {
    await writeAtomic(file, render(item, redactor));
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `cannot write the dead-letter item ${file}`, {
      cause: error,
      hint: 'Set OSIRIS_HOME (or --runs-dir) to a writable folder.',
    });
  }
  return file;
}

/** Every item of the queue, oldest first. A missing folder is an empty queue. */
export async function listDeadLetters(dlqDir: string): Promise<StoredDeadLetter[]> {
  const items: StoredDeadLetter[] = [];
  for (const topic of TOPICS) {
    let names: string[];
    try {
      names = await readdir(join(dlqDir, topic));
    } catch {
      continue;
    }
    for (const name of names) {
      const id = name.replace(/\.json$/, '');
      if (!name.endsWith('.json') || !ENVELOPE_ID_PATTERN.test(id)) continue;
      const path = join(dlqDir, topic, name);
      try {
        const item = JSON.parse(await readFile(path, 'utf8')) as DeadLetterItem;
        items.push({ ...item, id, path });
      } catch {
        // A half-written or foreign file is not an item.
      }
    }
  }
  return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One item by its id (the envelope's), in whichever topic it is. */
export async function readDeadLetter(dlqDir: string, id: string): Promise<StoredDeadLetter> {
  if (ENVELOPE_ID_PATTERN.test(id)) {
    for (const topic of TOPICS) {
      const path = join(dlqDir, topic, `${id}.json`);
      try {
        const item = JSON.parse(await readFile(path, 'utf8')) as DeadLetterItem;
        return { ...item, id, path };
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ENOENT') {
          throw new OsirisError(OsirisErrorCode.Config, `cannot read the dead-letter item ${path}`, { cause: error });
        }
      }
    }
  }
  throw new OsirisError(OsirisErrorCode.Config, `no dead-letter item ${id} in ${dlqDir}`, {
    hint: 'List the items with `osiris dlq list`.',
  });
}

/** Rewrites an item's record (after a replay), through the redactor. */
export async function updateDeadLetter(stored: StoredDeadLetter, record: DeadLetterRecord, redactor: Redactor) {
  await writeAtomic(stored.path, render({ dlq: record, envelope: stored.envelope }, redactor));
}

/** Removes an item. */
export async function dropDeadLetter(dlqDir: string, id: string): Promise<StoredDeadLetter> {
  const stored = await readDeadLetter(dlqDir, id);
  await rm(stored.path, { force: true });
  return stored;
}

/**
 * Takes the item's replay lock (`<item>.lock`, created exclusively), so that two replays of one
 * item never run at once; returns the release. A held lock is a configuration error (exit 5).
 */
export async function lockDeadLetter(stored: StoredDeadLetter): Promise<() => Promise<void>> {
  const lock = `${stored.path}.lock`;
  try {
    const handle = await open(lock, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `dead-letter item ${stored.id} is being replayed already`, {
      cause: error,
      hint: `Wait for the other replay, or remove ${lock} if no replay is running.`,
    });
  }
  return () => rm(lock, { force: true });
}
