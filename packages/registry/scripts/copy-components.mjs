// SPDX-License-Identifier: MIT
// Copies the repository's top-level components/ into this package so the
// published tarball carries the built-in spec cards, then lints them and
// stamps them as verified (a broken card fails the build).
import { cpSync, rmSync } from 'node:fs';

const from = new URL('../../../components/', import.meta.url);
const to = new URL('../components/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });

const { stampBuiltinComponents } = await import('../dist/index.js');
const { diagnostics } = stampBuiltinComponents();
const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
if (errors.length > 0) {
  for (const error of errors) console.error(`${error.file}:${error.line}:${error.col} ${error.path} ${error.message}`);
  process.exit(1);
}
