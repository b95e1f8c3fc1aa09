// SPDX-License-Identifier: MIT
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where test/global-setup.ts builds the runner bundle with the toy connector. */
export const toyBundleDir = fileURLToPath(new URL('../node_modules/.cache/toy-runner/', import.meta.url));
export const toyBundle = join(toyBundleDir, 'osiris-runner.mjs');
