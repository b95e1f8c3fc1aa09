// SPDX-License-Identifier: MIT
import { ExitCode, exitCodeOf, isOsirisError } from '@osiris/registry';
import { Command, CommanderError } from 'commander';
import { registerChat } from './commands/chat';
import { registerCompile } from './commands/compile';
import { registerComponents } from './commands/components';
import { discoverConnection, registerDiscover } from './commands/discover';
import { registerDlq } from './commands/dlq';
import { registerMcp } from './commands/mcp';
import { registerPrompts } from './commands/prompts';
import { registerRun } from './commands/run';
import { registerRuns } from './commands/runs';
import { registerSchema } from './commands/schema';
import { registerState } from './commands/state';
import { registerUpgrade } from './commands/upgrade';
import { type CliOverrides, composition } from './composition';
import { exitCodeHelp } from './exit-codes';
import { type CliIo, Output } from './output';
import { version } from './version';

/** Wraps a command handler: it gets the output first and returns an exit code. */
export type Action = <Args extends unknown[]>(
  handler: (output: Output, ...args: Args) => number | Promise<number>,
) => (...args: Args) => Promise<void>;

const environmentHelp = `Environment (a flag beats the environment beats the default):
  OSIRIS_VALIDATION           warn | strict | off (default warn)
  OSIRIS_ENGINE               local | e2b: the engine osiris compile records (default local)
  OSIRIS_LOG_LEVEL            info | debug (default info)
  OSIRIS_REDACTION_STRATEGY   fixed | hash (default: the component's, else fixed)
  OSIRIS_HOME                 root of .osiris/ (runs, cache, sessions; default ./.osiris)
  OSIRIS_IDLE_TIMEOUT         seconds a run waits for a silent source before it fails (default 600; 0 never)
  OSIRIS_CONN__<NAME>__<FIELD> a connection field for "@name", e.g. OSIRIS_CONN__MYSQL__URL
  OSIRIS_E2B_API_KEY          API key of the e2b engine
  OSIRIS_E2B_SANDBOX          e2b (default) | local: run the e2b engine's job in a local process
  OSIRIS_E2B_TEMPLATE         e2b sandbox template (default base)
  OSIRIS_E2B_TIMEOUT_MS       e2b sandbox lifetime (default one hour)
  OSIRIS_LLM_BASE_URL         OpenAI-compatible server for chat
  OSIRIS_LLM_API_KEY          its API key (or OPENAI_API_KEY)
  OSIRIS_LLM_MODEL            the model to ask
  NO_COLOR                    no colours even on a terminal`;

/**
 * Runs the `osiris` command line with the given arguments (without `node` and
 * the script) and returns the exit code. Never calls `process.exit`.
 * `overrides` replace what commands would otherwise build themselves (tests,
 * embedders): the component cards, the connectors, the engines, chat's tools.
 *
 * @example
 * // A command line that also knows a connector of one's own (and its card):
 * const code = await main(argv, io, { connectors: [...builtinConnectors, mine], registry });
 */
export async function main(argv: readonly string[], io: CliIo, overrides: CliOverrides = {}): Promise<number> {
  const output = new Output(io);
  const deps = composition(overrides);
  let exitCode: number = ExitCode.Success;

  const action: Action =
    (handler) =>
    async (...args) => {
      exitCode = await handler(output, ...args);
    };

  const program = new Command('osiris')
    .description('Turn a plain-language request into a deterministic, audited data pipeline.')
    .version(version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\n${environmentHelp}\n\n${exitCodeHelp}\n\nDocs: https://github.com/osiris-pipelines/osiris#readme`,
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(output.redact(text)),
      writeErr: (text) => io.stderr.write(output.redact(text)),
      outputError: (text, write) => write(output.red(text)),
    });

  registerComponents(program, action, deps);
  registerCompile(program, action, deps);
  registerSchema(program, action, deps);
  registerRun(program, action, deps);
  registerRuns(program, action);
  registerDlq(program, action, deps);
  registerState(program, action, deps);
  registerUpgrade(program, action, deps);
  registerDiscover(program, action, deps);
  registerPrompts(program, action, deps);
  registerMcp(program, action, deps);
  registerChat(
    program,
    action,
    {
      // The agent's discover_schema tool: the same cached discovery as `osiris discover`, an hour fresh.
      discover: async (ref, request) =>
        (await discoverConnection(io, ref, { ...request, ttlMs: 3_600_000 }, deps)).tables,
      ...overrides.chat,
    },
    deps,
  );
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  overrides.inspect?.(program);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is a usage error.
      return error.exitCode === 0 ? ExitCode.Success : ExitCode.Validation;
    }
    report(output, error);
    return exitCodeOf(error);
  }
}

function report(output: Output, error: unknown): void {
  if (isOsirisError(error)) {
    if (error.diagnostics.length > 0) output.diagnostics(error.diagnostics);
    output.err(`${output.red('error')} ${error.message}`);
    if (error.hint) output.err(`  ${error.hint}`);
    return;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  output.err(`${output.red('internal error')} ${message}`);
  output.err('  This is a bug in Osiris; please report it with the command you ran.');
}
