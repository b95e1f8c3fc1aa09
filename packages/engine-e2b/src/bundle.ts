// SPDX-License-Identifier: MIT
import { fileURLToPath } from 'node:url';
import { version } from '../package.json';

/** The version of this package; the runner bundle is built from the same commit and carries the same. */
export const ENGINE_VERSION: string = version;

/**
 * Where the self-contained runner bundle is: `dist/remote/osiris-runner.mjs`
 * next to the built `dist/index.js`, or in `dist/` of this package when the
 * source runs (tests), which `pnpm build` makes.
 */
export function defaultRunnerBundlePath(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(
    new URL(fromSource ? '../dist/remote/osiris-runner.mjs' : './remote/osiris-runner.mjs', import.meta.url),
  );
}
