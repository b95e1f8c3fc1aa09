// SPDX-License-Identifier: MIT

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument quoted for a POSIX shell (e2b runs commands through bash). */
export function quoteArg(arg: string): string {
  if (arg !== '' && PLAIN.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A command line from its arguments. */
export function commandLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

/**
 * Splits a command line into arguments the way a POSIX shell would for plain
 * words, single quotes, double quotes and backslashes — and nothing more: no
 * variables, globs, pipes or redirections (they are an error), so that a
 * command runs without a shell and without a `PATH` from the environment.
 */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i] as string;
    if (char === ' ' || char === '\t' || char === '\n') {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote in the command');
      current += line.slice(i + 1, end);
      i = end;
    } else if (char === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j += 1) {
        const inner = line[j] as string;
        if (inner === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) {
          current += line[j + 1];
          j += 1;
        } else if (inner === '$' || inner === '`') {
          throw new Error('variables and command substitution are not supported in the command');
        } else current += inner;
      }
      if (j >= line.length) throw new Error('unterminated double quote in the command');
      i = j;
    } else if (char === '\\') {
      if (i + 1 >= line.length) throw new Error('a trailing backslash in the command');
      current += line[i + 1];
      i += 1;
    } else if ('|&;<>()$`*?[]{}~#'.includes(char)) {
      throw new Error(`"${char}" is not supported in the command: only plain arguments are`);
    } else current += char;
  }
  if (inWord) args.push(current);
  return args;
}
