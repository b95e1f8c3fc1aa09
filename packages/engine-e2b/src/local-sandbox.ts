// SPDX-License-Identifier: MIT
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import { splitCommandLine } from './internal/shell';
import type {
  Sandbox,
  SandboxCommandOptions,
  SandboxCommandResult,
  SandboxCommands,
  SandboxFactory,
  SandboxFiles,
} from './sandbox';

export interface LocalProcessSandboxOptions {
  /** Folder in which the sandbox's temporary root is made. Default: the system's temporary folder. */
  readonly tmpdir?: string;
  /** The Node.js binary that runs `node …` commands. Default: the one running this process. */
  readonly nodePath?: string;
  /** Kill the sandbox after this long, as e2b does. Default: never. */
  readonly timeoutMs?: number;
}

/** The home folder of the sandbox user, where relative paths start (as in e2b). */
const HOME = '/home/user';

/**
 * A command that exited with a non-zero code: rejected like e2b's `CommandExitError`. The engine reads
 * its `exitCode` (the remote runner's); its own code only says a command failed.
 */
class LocalCommandExitError extends OsirisError implements SandboxCommandResult {
  override readonly name = 'CommandExitError';
  readonly error?: string;
  constructor(
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
    error: string | undefined,
  ) {
    super(OsirisErrorCode.Run, `the command exited with code ${exitCode}${error === undefined ? '' : `: ${error}`}`);
    if (error !== undefined) this.error = error;
  }
}

/**
 * A sandbox on this machine, for offline development and tests
 * (`OSIRIS_E2B_SANDBOX=local`). Its file system is a fresh temporary folder
 * standing in for `/`: `/tmp/osiris/x` lives at `<root>/tmp/osiris/x`, and
 * relative paths start at `/home/user`. A command runs as a child process
 * without a shell and with exactly the environment it is given — not this
 * process's — with `node` meaning this Node.js binary. `kill()` ends every
 * command with SIGKILL and deletes the folder.
 *
 * It is no security boundary: the child can read the whole machine. It only
 * reproduces what the e2b engine relies on, so that the same bytes run the
 * same way as in e2b.
 *
 * @example
 * const sandbox = await LocalProcessSandbox.create();
 * await sandbox.files.write('/tmp/job/hello.mjs', "console.log('hi')");
 * const { stdout } = await sandbox.commands.run('node hello.mjs', { cwd: '/tmp/job' });
 * await sandbox.kill();
 */
export class LocalProcessSandbox implements Sandbox {
  readonly files: SandboxFiles;
  readonly commands: SandboxCommands;
  readonly #running = new Set<ChildProcess>();
  readonly #nodePath: string;
  #killed = false;
  #timer: NodeJS.Timeout | undefined;

  /** Creates the temporary root folder and returns the sandbox. */
  static async create(options: LocalProcessSandboxOptions = {}): Promise<LocalProcessSandbox> {
    const root = await mkdtemp(join(options.tmpdir ?? tmpdir(), 'osiris-sandbox-'));
    return new LocalProcessSandbox(root, options);
  }

  /** Use {@link LocalProcessSandbox.create}. */
  private constructor(
    /** The folder on this machine that stands for the sandbox's `/`. */
    readonly root: string,
    options: LocalProcessSandboxOptions,
  ) {
    this.#nodePath = options.nodePath ?? process.execPath;
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      this.#timer = setTimeout(() => void this.kill(), options.timeoutMs);
      this.#timer.unref();
    }
    this.files = {
      write: async (path, data) => {
        const file = this.hostPath(path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, data);
        return { path: posix.resolve(HOME, path) };
      },
      read: (path) => readFile(this.hostPath(path), 'utf8'),
    };
    this.commands = { run: (cmd, commandOptions) => this.#run(cmd, commandOptions ?? {}) };
  }

  /** Where a path of the sandbox lives on this machine (never outside {@link root}). */
  hostPath(path: string): string {
    this.#assertAlive();
    return join(this.root, posix.resolve(HOME, path));
  }

  async kill(): Promise<void> {
    if (this.#killed) return;
    this.#killed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const exits = [...this.#running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
    await rm(this.root, { recursive: true, force: true });
  }

  #assertAlive(): void {
    if (this.#killed) throw new Error('the sandbox was killed');
  }

  async #run(cmd: string, options: SandboxCommandOptions): Promise<SandboxCommandResult> {
    this.#assertAlive();
    const [program, ...args] = splitCommandLine(cmd);
    if (program === undefined) throw new Error('empty command');
    const cwd = this.hostPath(options.cwd ?? HOME);
    await mkdir(cwd, { recursive: true });
    this.#assertAlive();
    const child = spawn(program === 'node' ? this.#nodePath : program, args, {
      cwd,
      env: { ...options.envs },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#running.add(child);
    let stdout = '';
    let stderr = '';
    const deliver = (callback: ((data: string) => void | Promise<void>) | undefined, data: string) => {
      if (callback === undefined) return;
      try {
        void Promise.resolve(callback(data)).catch(() => undefined);
      } catch {
        // A failing output callback must not break the command, as with e2b.
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      stdout += data;
      deliver(options.onStdout, data);
    });
    child.stderr.on('data', (data: string) => {
      stderr += data;
      deliver(options.onStderr, data);
    });

    return new Promise<SandboxCommandResult>((resolve, reject) => {
      let timedOut = false;
      const timer =
        options.timeoutMs !== undefined && options.timeoutMs > 0
          ? setTimeout(() => {
              timedOut = true;
              child.kill('SIGKILL');
            }, options.timeoutMs)
          : undefined;
      child.once('error', (error) => {
        if (timer !== undefined) clearTimeout(timer);
        this.#running.delete(child);
        reject(error);
      });
      child.once('close', (code, signal) => {
        if (timer !== undefined) clearTimeout(timer);
        this.#running.delete(child);
        if (this.#killed) return reject(new Error('the sandbox was killed while the command ran'));
        if (timedOut) return reject(new Error(`the command timed out after ${options.timeoutMs} ms`));
        const exitCode = code ?? (signal === null ? 1 : 128 + signalNumber(signal));
        if (exitCode === 0) return resolve({ exitCode, stdout, stderr });
        reject(
          new LocalCommandExitError(exitCode, stdout, stderr, signal === null ? undefined : `killed by ${signal}`),
        );
      });
    });
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

/** A {@link SandboxFactory} that makes a {@link LocalProcessSandbox}; the API key and template are ignored. */
export function localProcessSandboxFactory(
  options: Omit<LocalProcessSandboxOptions, 'timeoutMs'> = {},
): SandboxFactory {
  return (create) => LocalProcessSandbox.create({ ...options, timeoutMs: create.timeoutMs });
}
