// SPDX-License-Identifier: MIT
import { isAbsolute, join, resolve } from 'node:path';

export interface OsirisPaths {
  /** `$OSIRIS_HOME`, or `<cwd>/.osiris`. */
  readonly home: string;
  /** `<home>/runs`: one folder per run. */
  readonly runsDir: string;
  /** `<home>/cache`: discovery results and other caches (never secrets). */
  readonly cacheDir: string;
}

/**
 * Where Osiris keeps its files. `OSIRIS_HOME` takes the place of `.osiris/`;
 * a `--runs-dir` flag, when the caller has one, beats both for runs.
 */
export function osirisPaths(options: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly runsDir?: string;
}): OsirisPaths {
  const fromEnv = options.env.OSIRIS_HOME;
  const home = fromEnv !== undefined && fromEnv !== '' ? resolve(options.cwd, fromEnv) : join(options.cwd, '.osiris');
  const runsDir =
    options.runsDir === undefined
      ? join(home, 'runs')
      : isAbsolute(options.runsDir)
        ? options.runsDir
        : resolve(options.cwd, options.runsDir);
  return { home, runsDir, cacheDir: join(home, 'cache') };
}
