// SPDX-License-Identifier: MIT
import { isAbsolute, relative } from 'node:path';
import { createRedactor, type Diagnostic, type Redactor } from '@osiris/registry';

export interface Stream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP (the binary wires them to it); long commands stop cleanly. */
  readonly signal?: AbortSignal;
}

/**
 * Every byte the CLI prints goes through here, and so through the redactor:
 * results on stdout, diagnostics and progress on stderr, colour only on a
 * terminal and never under NO_COLOR.
 */
export class Output {
  #redactor: Redactor;
  readonly #secrets = new Set<string>();
  readonly color: boolean;

  constructor(readonly io: CliIo) {
    this.#redactor = createRedactor();
    this.color = Boolean(io.stderr.isTTY) && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
  }

  /** From now on, mask these secrets too (resolved connection values, API keys). */
  useSecrets(secrets: Iterable<string>): void {
    for (const secret of secrets) this.#secrets.add(secret);
    this.#redactor = createRedactor({ knownSecrets: this.#secrets });
  }

  redact(text: string): string {
    return this.#redactor.text(text);
  }

  out(text = ''): void {
    this.io.stdout.write(`${this.redact(text)}\n`);
  }

  err(text = ''): void {
    this.io.stderr.write(`${this.redact(text)}\n`);
  }

  json(value: unknown): void {
    this.io.stdout.write(`${this.redact(JSON.stringify(this.#redactor.value(value), null, 2))}\n`);
  }

  paint(code: number, text: string): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  red = (text: string) => this.paint(31, text);
  yellow = (text: string) => this.paint(33, text);
  green = (text: string) => this.paint(32, text);
  dim = (text: string) => this.paint(2, text);
  bold = (text: string) => this.paint(1, text);

  /** One block per diagnostic: `file:line:col  path  message`, then why, fix and example. */
  diagnostics(diagnostics: readonly Diagnostic[]): void {
    for (const diagnostic of diagnostics) {
      const where = [diagnostic.file, diagnostic.line, diagnostic.col].filter((part) => part !== undefined).join(':');
      const label = diagnostic.severity === 'error' ? this.red('error') : this.yellow('warning');
      const head = [where, diagnostic.path].filter(Boolean).join('  ');
      this.err(`${label} ${head ? `${this.bold(head)}  ` : ''}${diagnostic.message}`);
      this.err(`  why: ${diagnostic.why}`);
      this.err(`  fix: ${diagnostic.fix}`);
      if (diagnostic.example) {
        const [first, ...rest] = diagnostic.example.split('\n');
        this.err(`  example: ${first}`);
        for (const line of rest) this.err(`           ${line}`);
      }
    }
  }
}

/**
 * A standard stream that stops writing once its reader has gone (`osiris … | head -1`): the
 * command carries on and exits with its own code, as in a shell pipeline, with no EPIPE stack
 * trace. Any other write error still ends the process as before.
 */
export function pipeSafe(stream: NodeJS.WriteStream): Stream {
  let readerGone = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });
  return {
    write: (text: string) => !readerGone && !stream.destroyed && stream.write(text),
    isTTY: stream.isTTY,
  };
}

/** Rows as aligned columns, two spaces apart; the first row is usually the header. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** A path as a person wants to read it: relative to the working directory when inside it, else absolute. */
export function displayPath(cwd: string, path: string): string {
  const relativePath = relative(cwd, path);
  return relativePath === '' || relativePath.startsWith('..') || isAbsolute(relativePath) ? path : relativePath;
}

/** `2 errors, 1 warning` */
export function countLabel(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [plural(errors, 'error'), plural(warnings, 'warning')].join(', ');
}
