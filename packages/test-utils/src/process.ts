// SPDX-License-Identifier: MIT
import { spawn } from 'node:child_process';

export interface ProcessResult {
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a Node.js script as a child process with exactly the given environment
 * (plus PATH) and collects its output. `onStderr` sees stderr as it arrives,
 * so a test can react to progress (e.g. send SIGINT mid-run).
 */
export function runNode(
  script: string,
  args: readonly string[],
  options: {
    cwd: string;
    env?: Readonly<Record<string, string>>;
    onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
    /** Called once the child runs (e.g. to send it a signal later). */
    onSpawn?: (child: ReturnType<typeof spawn>) => void;
  },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr += text;
      options.onStderr?.(text, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? 128, signal, stdout, stderr }));
  });
}
