// SPDX-License-Identifier: MIT
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError } from '../errors';

/**
 * Where a step's files may be. With a `base_dir` in the connection, every
 * file read, written or discovered must be inside it, by its lexical path
 * (`..`, absolute paths) and by its real path (symbolic links): the chat
 * agent writes these paths, so base_dir is a boundary. Without one, paths
 * resolve against the working directory and may go anywhere.
 *
 * The check runs before the file is opened and the real path is what gets
 * opened, but a link swapped in between (a race) is not guarded against.
 */
type Connection = Readonly<Record<string, string>>;

/** The folder relative paths resolve against: the connection's `base_dir`, else the working directory. */
export function baseDirOf(connection: Connection): string {
  const base = connection.base_dir;
  return base === undefined || base === '' ? process.cwd() : resolve(base);
}

function confined(connection: Connection): boolean {
  return connection.base_dir !== undefined && connection.base_dir !== '';
}

/** True when `path` is `folder` or inside it (both absolute and normalized). */
function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function configError(stepId: string, message: string, file?: string): FilesystemConnectorError {
  return new FilesystemConnectorError(
    FILESYSTEM_ERROR_REASONS.CONFIG_INVALID,
    stepId,
    `filesystem.csv step '${stepId}': ${message}`,
    file === undefined ? {} : { file },
  );
}

function outside(stepId: string, base: string, what: string, path: string, found: string, link: boolean) {
  const how = link ? `leads through a symbolic link to ${found}` : `resolves to ${found}`;
  return new FilesystemConnectorError(
    FILESYSTEM_ERROR_REASONS.PATH_OUTSIDE_BASE_DIR,
    stepId,
    `filesystem.csv step '${stepId}': ${what} ${JSON.stringify(path)} ${how}, outside the connection's base_dir ${base}. ` +
      'Only files inside base_dir can be read, written or discovered: use a path relative to base_dir without "..", ' +
      'or point base_dir at a folder that holds the file.',
    { file: found },
  );
}

/**
 * `path` resolved against `from` (the base folder by default), refused when
 * it holds a NUL byte or, with a base_dir, leads outside it. Touches no disk.
 */
export function resolveInside(
  stepId: string,
  connection: Connection,
  path: string,
  what = 'options.path',
  from?: string,
): string {
  if (path.includes('\0') || (connection.base_dir ?? '').includes('\0')) {
    throw configError(stepId, `${what} (or the connection's base_dir) contains a NUL byte; no file name can.`);
  }
  const base = baseDirOf(connection);
  const file = resolve(from ?? base, path);
  if (confined(connection) && !isInside(base, file)) throw outside(stepId, base, what, path, file, false);
  return file;
}

async function realOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** The real path of the connection's base_dir; a base_dir that is missing or not a folder is a configuration error. */
async function realBase(stepId: string, connection: Connection): Promise<string> {
  const base = baseDirOf(connection);
  const real = await realOrUndefined(base);
  if (real === undefined || !(await stat(real)).isDirectory()) {
    throw configError(
      stepId,
      `the connection's base_dir ${base} does not exist or is not a folder. Create the folder, or fix base_dir in the ` +
        'connection (the secrets file, or OSIRIS_CONN__<NAME>__BASE_DIR).',
      base,
    );
  }
  return real;
}

/**
 * The real path to open for a file resolved by {@link resolveInside}:
 * symbolic links followed, and with a base_dir checked to stay inside its
 * real path. A file that does not exist yet (a write's target) is placed in
 * its folder's real path; when that folder is missing too, the path is
 * returned as it is, for the caller's "does not exist" error.
 */
export async function realPathFor(
  stepId: string,
  connection: Connection,
  file: string,
  path: string,
  what = 'options.path',
): Promise<string> {
  const real =
    (await realOrUndefined(file)) ??
    (await realOrUndefined(dirname(file)).then((folder) =>
      folder === undefined ? undefined : join(folder, basename(file)),
    ));
  if (!confined(connection)) return real ?? file;
  const base = await realBase(stepId, connection);
  if (real === undefined) return file;
  if (!isInside(base, real)) throw outside(stepId, baseDirOf(connection), what, path, real, true);
  return real;
}
