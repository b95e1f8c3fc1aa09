// SPDX-License-Identifier: MIT
// Copies the repository's top-level components/ into this package so the
// published tarball carries the built-in spec cards.
import { cpSync, rmSync } from 'node:fs';

const from = new URL('../../../components/', import.meta.url);
const to = new URL('../components/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
