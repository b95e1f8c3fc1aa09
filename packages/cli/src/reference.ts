// SPDX-License-Identifier: MIT
import type { Command } from 'commander';
import { main } from './program';

/** One option of a command, as `--help` shows it. */
export interface OptionReference {
  readonly flags: string;
  readonly description: string;
  readonly required: boolean;
  readonly choices?: readonly string[];
  readonly default?: unknown;
  /** The environment variable that sets it when the flag is absent. */
  readonly env?: string;
}

/** One positional argument of a command. */
export interface ArgumentReference {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly variadic: boolean;
  readonly choices?: readonly string[];
}

/** One command of `osiris`, read from the command tree `--help` is printed from, so the two cannot drift. */
export interface CommandReference {
  /** The words that call it: `['runs', 'list']`. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly description: string;
  readonly usage: string;
  readonly aliases: readonly string[];
  readonly arguments: readonly ArgumentReference[];
  readonly options: readonly OptionReference[];
  /** Environment variables its options name, in the order they appear. */
  readonly env: readonly string[];
  /** `osiris <path> --help`, exactly as the command line prints it. */
  readonly help: string;
  readonly subcommands: readonly CommandReference[];
}

export interface CliReference {
  /** `osiris --help`: the commands, the environment variables and the exit codes. */
  readonly help: string;
  readonly commands: readonly CommandReference[];
}

// An option that reads a variable says so in its description: "(env OSIRIS_VALIDATION, default warn)".
const envInDescription = /\benv(?:ironment)?\s+((?:OSIRIS|NO)_[A-Z0-9_]+)/g;

async function helpOf(path: readonly string[]): Promise<{ text: string; program?: Command }> {
  let text = '';
  let program: Command | undefined;
  const sink = {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  };
  await main(
    [...path, '--help'],
    { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() },
    {
      inspect: (tree) => {
        program = tree;
      },
    },
  );
  return program === undefined ? { text } : { text, program };
}

async function describe(command: Command, path: readonly string[]): Promise<CommandReference> {
  const help = command.createHelp();
  const options: OptionReference[] = help
    .visibleOptions(command)
    .filter((option) => option.long !== '--help')
    .map((option) => ({
      flags: option.flags,
      description: option.description,
      required: option.mandatory,
      ...(option.argChoices ? { choices: option.argChoices } : {}),
      ...(option.defaultValue === undefined ? {} : { default: option.defaultValue }),
      ...(option.envVar ? { env: option.envVar } : {}),
    }));
  const env = new Set<string>();
  for (const option of options) {
    if (option.env) env.add(option.env);
    for (const match of option.description.matchAll(envInDescription)) env.add(match[1] as string);
  }
  const subcommands: CommandReference[] = [];
  for (const sub of help.visibleCommands(command)) {
    if (sub.name() === 'help') continue;
    subcommands.push(await describe(sub, [...path, sub.name()]));
  }
  return {
    path,
    summary: command.summary() || command.description().split('\n')[0] || '',
    description: command.description(),
    usage: `osiris ${path.join(' ')} ${command.usage()}`.trim(),
    aliases: command.aliases(),
    arguments: help.visibleArguments(command).map((argument) => ({
      name: argument.name(),
      description: argument.description,
      required: argument.required,
      variadic: argument.variadic,
      ...(argument.argChoices ? { choices: argument.argChoices } : {}),
    })),
    options,
    env: [...env],
    help: (await helpOf(path)).text,
    subcommands,
  };
}

/**
 * Every command of `osiris` with its arguments, options, environment variables and `--help` text, read
 * from the same commander definitions the command line parses with. `pnpm docs` writes one reference
 * page per command from it (ADR 0026).
 */
export async function cliReference(): Promise<CliReference> {
  const { text, program } = await helpOf([]);
  if (program === undefined) return { help: text, commands: [] };
  const commands: CommandReference[] = [];
  for (const command of program.createHelp().visibleCommands(program)) {
    if (command.name() === 'help') continue;
    commands.push(await describe(command, [command.name()]));
  }
  return { help: text, commands };
}
