// SPDX-License-Identifier: MIT
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';

/** A FIFO lock: one PGlite instance has one connection, so one transaction at a time. */
export class Lock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  /** Resolves with the release function once the lock is ours; rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const next = this.#waiters.shift();
        if (next === undefined) this.#held = false;
        else next();
      };
      if (!this.#held) {
        this.#held = true;
        resolve(release);
        return;
      }
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        const index = this.#waiters.indexOf(grant);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      this.#waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Why an embedded database could not be opened: `in_use` by another process, or `not_a_database` folder. */
export class EmbeddedOpenError extends OsirisError {
  override readonly name = 'EmbeddedOpenError';
  readonly problem: 'in_use' | 'not_a_database' | 'failed';

  constructor(problem: EmbeddedOpenError['problem'], message: string, options: { cause?: unknown } = {}) {
    // A folder that is no database is the configuration's fault; the others may pass (the step wraps it alike).
    super(problem === 'not_a_database' ? OsirisErrorCode.Config : OsirisErrorCode.Run, message, options);
    this.problem = problem;
  }
}

/** One PGlite database open in this process, shared by every step that names its folder. */
export interface EmbeddedDatabase {
  readonly db: PGlite;
  /** Held by a session for the length of its transaction. */
  readonly lock: Lock;
  /** The OIDs PGlite has parsers of its own for (see `ClientTypes.parserTable`). */
  readonly knownTypes: readonly number[];
}

/** A use of a shared database; the last `release` closes it. */
export interface EmbeddedHandle {
  readonly database: EmbeddedDatabase;
  /** Idempotent; resolves once the database is closed when this was its last user. */
  release(): Promise<void>;
}

/** Written inside the data folder while this process has it open. */
export const FOLDER_LOCK_FILE = 'osiris.pid';

/**
 * Output settings for the whole session (not `SET LOCAL`): a `WITH HOLD`
 * cursor formats its rows when they are fetched, after its transaction.
 */
const SESSION_SETTINGS =
  "SET DateStyle TO 'ISO, YMD'; SET IntervalStyle TO 'postgres'; SET TimeZone TO 'UTC'; SET extra_float_digits TO 3; SET bytea_output TO 'hex'";

interface Entry {
  readonly key: string;
  users: number;
  readonly opened: Promise<OpenDatabase>;
  closed?: Promise<void>;
}

interface OpenDatabase extends EmbeddedDatabase {
  readonly lockFile: string | undefined;
}

const MEMORY = 'memory';
const entries = new Map<string, Entry>();

/**
 * Opens (or joins) the PGlite database in `dataDir`, or the in-memory one
 * when `dataDir` is undefined. Two steps of one process naming the same
 * folder share one instance: PGlite must not open a folder twice. The
 * in-memory database lives while someone uses it.
 */
export async function acquireEmbedded(dataDir: string | undefined): Promise<EmbeddedHandle> {
  const folder = dataDir === undefined ? undefined : createFolder(dataDir);
  const key = folder ?? MEMORY;
  let entry = entries.get(key);
  if (entry === undefined || entry.closed !== undefined) {
    // A database still closing is closed before it is opened again.
    const previous = entry?.closed;
    const opened = (async () => {
      await previous;
      if (folder !== undefined) checkFolder(folder);
      return openDatabase(folder);
    })();
    opened.catch(() => {});
    entry = { key, users: 0, opened };
    entries.set(key, entry);
  }
  const current = entry;
  current.users += 1;
  let database: OpenDatabase;
  try {
    database = await current.opened;
  } catch (err) {
    await releaseEntry(current);
    throw err;
  }
  let released: Promise<void> | undefined;
  return {
    database,
    release: () => {
      released ??= releaseEntry(current);
      return released;
    },
  };
}

/** How many users the database of `dataDir` (undefined: memory) has in this process; 0 when it is closed. */
export function embeddedUsers(dataDir: string | undefined): number {
  const key = dataDir === undefined ? MEMORY : canonical(dataDir);
  const entry = entries.get(key);
  return entry === undefined || entry.closed !== undefined ? 0 : entry.users;
}

function releaseEntry(entry: Entry): Promise<void> {
  entry.users -= 1;
  if (entry.users > 0) return Promise.resolve();
  entry.closed = entry.opened
    .then(closeDatabase, () => {})
    .finally(() => {
      if (entries.get(entry.key) === entry) entries.delete(entry.key);
    });
  return entry.closed;
}

function canonical(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return folder;
  }
}

/** Creates the folder when missing; its real path is the key of its database. */
function createFolder(dataDir: string): string {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new EmbeddedOpenError('failed', `could not create the folder ${dataDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return canonical(dataDir);
}

/** Refuses a folder that holds something other than a database (before PGlite writes into it). */
function checkFolder(folder: string): void {
  const names = readdirSync(folder).filter((name) => name !== FOLDER_LOCK_FILE);
  if (names.length > 0 && !names.includes('PG_VERSION')) {
    throw new EmbeddedOpenError(
      'not_a_database',
      `the folder ${folder} is not empty and holds no database (no PG_VERSION). Name an empty or new folder for pglite://, or one an earlier run created.`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

/** PGlite does not stop a second process from opening the folder (and corrupting it); this file does. */
function takeFolderLock(folder: string): string {
  const file = join(folder, FOLDER_LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return file;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST' || attempt > 0) {
        throw new EmbeddedOpenError('failed', `could not lock the folder ${folder}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      // removed in between: try again
    }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new EmbeddedOpenError(
        'in_use',
        `the database folder ${folder} is in use by process ${pid}; an embedded database can be open in one process at a time. Wait for that run to end (if no such run exists, delete ${file}).`,
      );
    }
    // Left behind by a process that has ended.
    rmSync(file, { force: true });
  }
}

async function openDatabase(folder: string | undefined): Promise<OpenDatabase> {
  const lockFile = folder === undefined ? undefined : takeFolderLock(folder);
  let db: PGlite | undefined;
  try {
    // Loaded on first use: steps on a server never parse PGlite.
    const { PGlite } = await import('@electric-sql/pglite');
    db = await PGlite.create(folder === undefined ? {} : { dataDir: folder });
    await db.exec(SESSION_SETTINGS);
    const knownTypes = Object.keys(db.parsers)
      .map(Number)
      .filter((oid) => Number.isInteger(oid));
    return { db, lock: new Lock(), knownTypes, lockFile };
  } catch (err) {
    if (db !== undefined) await db.close().catch(() => {});
    if (lockFile !== undefined) rmSync(lockFile, { force: true });
    if (err instanceof EmbeddedOpenError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new EmbeddedOpenError(
      'failed',
      `PGlite could not open ${folder === undefined ? 'an in-memory database' : `the folder ${folder}`}: ${message}${folder === undefined ? '' : ' (a folder created by another PGlite version, or damaged, cannot be opened)'}`,
      { cause: err },
    );
  }
}

async function closeDatabase(database: OpenDatabase): Promise<void> {
  try {
    await database.db.close();
  } catch {
    // Closing is best effort: committed data is in the write-ahead log already.
  } finally {
    if (database.lockFile !== undefined) rmSync(database.lockFile, { force: true });
  }
}
