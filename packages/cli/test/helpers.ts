// SPDX-License-Identifier: MIT
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '@osiris/test-utils';
import type { ChatDeps } from '../src/commands/chat';
import type { CliOverrides } from '../src/composition';
import { main } from '../src/program';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const binPath = fileURLToPath(new URL('../bin/osiris.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in process with captured streams; `tty` makes stderr claim to be a terminal. */
export async function runCli(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    chat?: ChatDeps;
    tty?: boolean;
    /** What `main` is given instead of what the CLI builds itself (registry, connectors, engines). */
    overrides?: CliOverrides;
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    {
      stdout: {
        write: (text: string) => {
          stdout += text;
        },
      },
      stderr: {
        write: (text: string) => {
          stderr += text;
        },
        isTTY: options.tty ?? false,
      },
      env: options.env ?? {},
      cwd: options.cwd ?? repoRoot,
    },
    { ...options.overrides, ...(options.chat === undefined ? {} : { chat: options.chat }) },
  );
  return { code, stdout, stderr };
}

/** Runs the built `osiris` binary as a user would. */
export function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return runNode(binPath, args, { cwd: options.cwd ?? repoRoot, ...(options.env ? { env: options.env } : {}) });
}

/**
 * Runs the built binary with one of its output pipes already closed at the reading end, as
 * `osiris … | head -1` leaves it once head has exited: the binary cannot have written a byte before.
 */
export function spawnCliIntoClosedPipe(
  args: string[],
  closed: 'stdout' | 'stderr',
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  return runNode(binPath, args, {
    cwd: options.cwd ?? repoRoot,
    ...(options.env ? { env: options.env } : {}),
    onSpawn: (child) => child[closed]?.destroy(),
  });
}

export function tempDirs() {
  const made: string[] = [];
  return {
    make(prefix = 'osiris-cli-') {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    clean() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
