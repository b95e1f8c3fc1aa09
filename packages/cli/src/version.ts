// SPDX-License-Identifier: MIT
import { version as packageVersion } from '../package.json';

/** The CLI's own version, inlined from its package.json at build time (the binary is a bundle in `dist/bin/`). */
export const version: string = packageVersion;
