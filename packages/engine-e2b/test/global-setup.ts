// SPDX-License-Identifier: MIT
import { mkdir, rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { runnerBundle } from '../tsup.config';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the runner bundle from the current source before any test uploads it, so no test runs a
 * stale one. It is built aside and moved into `dist/remote/` in one rename, so that a concurrent
 * reader (a pack, another test run) never finds the file missing.
 */
export async function setup(): Promise<void> {
  const aside = `${packageDir}node_modules/.cache/osiris-runner-bundle`;
  await rm(aside, { recursive: true, force: true });
  await build({ ...runnerBundle, outDir: aside, clean: false, config: false, silent: true });
  await mkdir(`${packageDir}dist/remote`, { recursive: true });
  await rename(`${aside}/osiris-runner.mjs`, `${packageDir}dist/remote/osiris-runner.mjs`);
  await rm(aside, { recursive: true, force: true });
}
