// SPDX-License-Identifier: MIT

/** Options of one command in a sandbox: the subset of e2b's `CommandStartOpts` the engine uses. */
export interface SandboxCommandOptions {
  /** The command's whole environment besides the sandbox's own defaults. */
  readonly envs?: Record<string, string>;
  /** Working folder of the command (a path inside the sandbox). */
  readonly cwd?: string;
  /** Longest time the command may run. */
  readonly timeoutMs?: number;
  /** Called with each chunk of standard output as it arrives (chunks may cut lines). */
  readonly onStdout?: (data: string) => void | Promise<void>;
  readonly onStderr?: (data: string) => void | Promise<void>;
}

/** How a command ended. A non-zero exit may instead reject with an error that carries these fields. */
export interface SandboxCommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: string;
}

/** The sandbox file system, as far as the engine needs it. */
export interface SandboxFiles {
  /** Writes a text file, creating its folders. */
  write(path: string, data: string): Promise<unknown>;
  /** Reads a text file; rejects when it does not exist. */
  read(path: string): Promise<string>;
}

export interface SandboxCommands {
  /** Runs a command to its end. A non-zero exit code may resolve or reject (e2b rejects). */
  run(cmd: string, options?: SandboxCommandOptions): Promise<SandboxCommandResult>;
}

/**
 * The small part of a remote sandbox the e2b engine depends on. The `e2b`
 * SDK's `Sandbox` satisfies it as is (a type-level test keeps it so), and
 * {@link LocalProcessSandbox} implements it with a child process.
 */
export interface Sandbox {
  readonly files: SandboxFiles;
  readonly commands: SandboxCommands;
  /** Stops everything in the sandbox and throws it away. */
  kill(): Promise<unknown>;
}

/** What the engine asks of a sandbox factory. */
export interface SandboxCreateOptions {
  /** e2b API key; `undefined` for factories that need none (the local one). */
  readonly apiKey: string | undefined;
  /** Sandbox template name or id. */
  readonly template: string;
  /** Lifetime of the sandbox; it is killed when it runs out. */
  readonly timeoutMs: number;
}

/** Creates a sandbox. Rejections are reported as a run error (exit 4) with their reason, redacted. */
export type SandboxFactory = (options: SandboxCreateOptions) => Promise<Sandbox>;

/**
 * The default factory: a real e2b sandbox from `Sandbox.create(template, { apiKey, timeoutMs })`.
 * The SDK is loaded on first use, so the local engine and the CLI's start-up never pay for it.
 */
export const e2bSandboxFactory: SandboxFactory = async (options) => {
  const { Sandbox: E2bSandbox } = await import('e2b');
  // Typed as our interface: a breaking change in the SDK fails this package's type check.
  const sandbox: Sandbox = await E2bSandbox.create(options.template, {
    timeoutMs: options.timeoutMs,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  });
  return sandbox;
};
