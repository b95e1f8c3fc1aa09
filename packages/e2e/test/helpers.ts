// SPDX-License-Identifier: MIT
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '@osiris/test-utils';

const cliPackage = new URL(import.meta.resolve('@osiris/cli/package.json'));
export const binPath = new URL('./bin/osiris.js', cliPackage).pathname;

/** This package's folder, where `pnpm exec osiris` finds the binary. */
export const e2eDir = new URL('..', import.meta.url).pathname;

/** Runs the built `osiris` binary in a folder with exactly the given environment. */
export function osiris(args: string[], options: Parameters<typeof runNode>[2]) {
  return runNode(binPath, args, options);
}

/** A scratch folder for one test file, with helpers to write files into it. */
export function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-e2e-'));
  return {
    dir,
    write(name: string, text: string) {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
