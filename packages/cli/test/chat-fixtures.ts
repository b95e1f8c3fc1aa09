// SPDX-License-Identifier: MIT
// Runs the chat command in process with injected dependencies (discovery, standard input).
import type { ChatDeps } from '../src/commands/chat';
import { type CliResult, runCli } from './helpers';

/**
 * Runs `osiris chat <args>` in process the way `main` does (same output, same error
 * reporting and exit codes), with dependencies `main` does not take: discovery and stdin.
 */
export async function runChat(
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> } & ChatDeps,
): Promise<CliResult> {
  const chat: ChatDeps = {
    ...(options.discover === undefined ? {} : { discover: options.discover }),
    ...(options.input === undefined ? {} : { input: options.input }),
  };
  return runCli(['chat', ...args], { cwd: options.cwd, env: options.env, chat });
}
