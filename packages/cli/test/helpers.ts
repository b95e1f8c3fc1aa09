// SPDX-License-Identifier: MIT
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/program';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const binPath = fileURLToPath(new URL('../bin/osiris.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in process with captured streams. */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
    env: options.env ?? {},
    cwd: options.cwd ?? repoRoot,
  });
  return { code, stdout, stderr };
}

/** Runs the built `osiris` binary as a user would. */
export function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return new Promise<CliResult>((resolve) => {
    execFile(
      process.execPath,
      [binPath, ...args],
      { cwd: options.cwd ?? repoRoot, env: { PATH: process.env.PATH ?? '', ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
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
