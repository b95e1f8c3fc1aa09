// SPDX-License-Identifier: MIT
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '@osiris/test-utils';

const cliPackage = new URL(import.meta.resolve('@osiris/cli/package.json'));
export const binPath = new URL('./bin/osiris.js', cliPackage).pathname;

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

/** Every file under a folder, as text (for leak searches). */
export function readAll(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(full, readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return out;
}
