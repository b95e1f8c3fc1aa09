// SPDX-License-Identifier: MIT
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type {
  AskOptions,
  ChatEvent,
  ChatRound,
  ChatSession,
  ChatTranscript,
  ChatTurnResult,
  DiscoverFunction,
} from '@osiris/chat';
import { isCredentialField, isOsirisError, OsirisError, OsirisErrorCode } from '@osiris/registry';
import { osirisPaths } from '@osiris/runner';
import type { Command } from 'commander';
import { chatPublisher } from '../chat-envelopes';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import { diagnosticsJson } from '../json';
import type { Output } from '../output';
import type { Action } from '../program';
import { dlqBus } from '../supervise';
import { runPipeline } from './run';

/** What `osiris chat` takes from its caller rather than building itself. */
export interface ChatDeps {
  /** Schema discovery (the runner's, cached); without it the model gets no discover_schema tool. */
  readonly discover?: DiscoverFunction;
  /** Where the interactive session reads the user's lines (default: standard input). */
  readonly input?: NodeJS.ReadableStream;
}

interface ChatOptions {
  message?: string;
  out?: string;
  json?: boolean;
  force?: boolean;
  timeout: string;
}

const examples = `
Examples:
  $ osiris chat
      interactive: describe the data to move, review the drafted pipeline, save it
  $ osiris chat --message "copy public.events from @app_db into analytics.events on @warehouse" --out events.yaml
  $ osiris chat -m "upsert shop.orders from @mysql into public.orders on @supabase by id" --json > result.json

The model is configured by OSIRIS_LLM_BASE_URL, OSIRIS_LLM_API_KEY (or OPENAI_API_KEY) and OSIRIS_LLM_MODEL;
any OpenAI-compatible server works (OpenAI, Ollama, LM Studio, vLLM). Every draft is validated strictly and
repaired at most 3 times; nothing invalid is saved. Transcripts go to <OSIRIS_HOME or .osiris>/sessions/<id>/.
Exit codes: 0 a valid pipeline, 2 no valid pipeline (nothing written), 5 no LLM configured.`;

const CONNECTION_VARIABLE = /^OSIRIS_CONN__([A-Za-z0-9_-]+?)__([A-Za-z0-9_]+)$/;

/** Connection references configured in the environment, and the secret values among their fields. */
function environmentConnections(env: Readonly<Record<string, string | undefined>>) {
  const names = new Set<string>();
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    const match = CONNECTION_VARIABLE.exec(name);
    if (!match?.[1] || !match[2]) continue;
    names.add(`@${match[1].toLowerCase()}`);
    if (value && isCredentialField(match[2])) secrets.push(value);
  }
  return { connections: [...names].sort(), secrets };
}

function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new OsirisError(OsirisErrorCode.Validation, `--timeout ${value} is not a positive number of seconds`, {
      hint: 'For example: --timeout 300 for a slow local model.',
    });
  }
  return Math.round(seconds * 1000);
}

function writeAtomically(path: string, text: string, shown: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `cannot write ${shown}`, {
      cause: error,
      hint: 'Choose a writable path with --out.',
    });
  }
}

/** Writes the session folder: session.json, transcript.jsonl, validation.json. Redacted twice over. */
function writeSession(output: Output, dir: string, transcript: ChatTranscript): void {
  const { messages, rounds, ...session } = transcript;
  const json = (value: unknown) => `${output.redact(JSON.stringify(value, null, 2))}\n`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'session.json'), json(session));
  writeFileSync(
    join(dir, 'transcript.jsonl'),
    messages.map((message) => `${output.redact(JSON.stringify(message))}\n`).join(''),
  );
  writeFileSync(join(dir, 'validation.json'), json({ session: transcript.session, rounds }));
}

function progress(output: Output): (event: ChatEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'tools-unsupported':
        output.err(output.dim(`the server takes no tools (HTTP ${event.status ?? '?'}); asking for \`\`\`yaml drafts`));
        return;
      case 'discovery': {
        const where = [event.connection, event.request.schema, event.request.table].filter(Boolean).join(' ');
        if (event.error !== undefined) {
          output.err(output.yellow(`discovery of ${where} failed: ${event.error}; its names are not checked`));
        } else output.err(output.dim(`discovered ${where}: ${event.tables ?? 0} table(s)`));
        return;
      }
      case 'round':
        output.err(event.round.ok ? output.green(event.round.summary) : output.red(event.round.summary));
        return;
      default:
        return;
    }
  };
}

/** Ask options with the CLI's Ctrl-C signal, when it has one. */
function signalled(output: Output, options: AskOptions): AskOptions {
  const { signal } = output.io;
  return signal === undefined ? options : { ...options, signal };
}

function roundsForJson(rounds: readonly ChatRound[]) {
  return rounds.map(({ round, via, ok, summary, diagnostics }) => ({
    round,
    via,
    ok,
    summary,
    diagnostics: diagnosticsJson(diagnostics),
  }));
}

function failureLine(result: ChatTurnResult, what: string): string {
  const count = result.rounds.length;
  return `✗ no valid pipeline after ${count} round${count === 1 ? '' : 's'}; ${what}`;
}

export function registerChat(program: Command, action: Action, deps: ChatDeps, composition: Composition): void {
  program
    .command('chat')
    .description('Draft a pipeline from a plain-language request with an LLM; every draft is validated strictly.')
    .option('-m, --message <text>', 'one shot: the request; prints the pipeline (or --json) and exits')
    .option('-o, --out <file>', 'save the valid pipeline here (interactive default: pipeline.yaml)')
    .option('--json', 'one shot: print the result as JSON')
    .option('--force', 'one shot: overwrite --out when it exists')
    .option('--timeout <seconds>', 'how long to wait for each model answer', '120')
    .addHelpText('after', examples)
    .action(
      action(async (output: Output, options: ChatOptions) => {
        const { env, cwd } = output.io;
        // Loaded here, not at start-up: the LLM client is only needed by this command.
        const { createChatSession, llmConfigFromEnv } = await import('@osiris/chat');
        const llm = llmConfigFromEnv(env);
        const timeoutMs = parseTimeout(options.timeout);
        const { connections, secrets } = environmentConnections(env);
        output.useSecrets([...(llm.apiKey ? [llm.apiKey] : []), ...secrets]);

        const oneShot = options.message !== undefined;
        if (oneShot && options.message?.trim() === '') {
          throw new OsirisError(OsirisErrorCode.Validation, '--message is empty', {
            hint: 'Say what data should move where, e.g. --message "copy public.events from @app_db to @warehouse".',
          });
        }
        if (!oneShot && (options.json || options.force)) {
          throw new OsirisError(OsirisErrorCode.Validation, `--${options.json ? 'json' : 'force'} needs --message`, {
            hint: 'The interactive session asks before it saves; --json and --force are for the one-shot form.',
          });
        }
        const target = options.out === undefined ? undefined : resolve(cwd, options.out);
        if (oneShot && target !== undefined && existsSync(target) && !options.force) {
          throw new OsirisError(OsirisErrorCode.Validation, `${options.out} already exists`, {
            hint: 'Pass --force to overwrite it, or choose another --out.',
          });
        }

        const registry = composition.registry();
        const shown = progress(output);
        const envelopes = chatPublisher(
          composition.bus ?? dlqBus(osirisPaths({ env, cwd }).runsDir, env),
          () => session.id,
          output,
        );
        const session = createChatSession({
          registry,
          llm,
          connections,
          secrets,
          timeoutMs,
          file: options.out ?? 'pipeline.yaml',
          onEvent: (event) => {
            shown(event);
            envelopes.onEvent(event);
          },
          ...(deps.discover === undefined ? {} : { discover: deps.discover }),
        });
        const sessionDir = join(osirisPaths({ env, cwd }).home, 'sessions', session.id);
        const shownDir = relative(cwd, sessionDir) || sessionDir;
        try {
          if (oneShot) {
            envelopes.intent(options.message ?? '');
            return await oneShotChat(output, session, options.message ?? '', options, target, shownDir);
          }
          return await interactiveChat(
            output,
            session,
            deps.input ?? process.stdin,
            options.out ?? 'pipeline.yaml',
            composition,
            envelopes.intent,
          );
        } finally {
          try {
            writeSession(output, sessionDir, session.transcript());
            output.err(output.dim(`transcript: ${shownDir}/`));
          } catch (error) {
            output.err(output.yellow(`could not write the transcript to ${shownDir}/: ${(error as Error).message}`));
          }
        }
      }),
    );
}

async function oneShotChat(
  output: Output,
  session: ChatSession,
  message: string,
  options: ChatOptions,
  target: string | undefined,
  sessionDir: string,
) {
  const result = await session.ask(message, signalled(output, { insist: true }));
  if (result.status === 'valid') {
    if (target !== undefined && options.out !== undefined) {
      writeAtomically(target, result.yaml, options.out);
      session.markSaved(options.out);
    }
    if (options.json) {
      output.json({
        ok: true,
        session: session.id,
        session_dir: sessionDir,
        file: options.out ?? null,
        yaml: result.yaml,
        note: result.note ?? null,
        rounds: roundsForJson(result.rounds),
      });
    } else {
      output.out(result.yaml.trimEnd());
      if (result.note) output.err(output.dim(result.note));
      if (options.out !== undefined) output.err(output.green(`✓ saved ${options.out}`));
    }
    return ExitCode.Success;
  }
  const last = result.status === 'invalid' ? result.diagnostics : [];
  if (options.json) {
    output.json({
      ok: false,
      session: session.id,
      session_dir: sessionDir,
      file: null,
      rounds: roundsForJson(result.rounds),
      diagnostics: diagnosticsJson(last),
      ...(result.status === 'reply' ? { reply: result.reply } : {}),
    });
  } else if (result.status === 'reply') {
    output.err(`the model answered without a pipeline:\n${result.reply}`);
  } else {
    output.diagnostics(last);
  }
  output.err(output.red(failureLine(result, 'nothing written')));
  return ExitCode.Validation;
}

/** Reads lines one at a time; `undefined` at the end of input. */
function lineReader(input: NodeJS.ReadableStream) {
  const lines = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    async next(): Promise<string | undefined> {
      const { value, done } = await iterator.next();
      return done ? undefined : (value as string);
    },
    close: () => lines.close(),
  };
}

async function interactiveChat(
  output: Output,
  session: ChatSession,
  input: NodeJS.ReadableStream,
  defaultOut: string,
  composition: Composition,
  onIntent: (text: string) => void = () => {},
) {
  const { cwd } = output.io;
  const reader = lineReader(input);
  const ask = async (question: string) => {
    output.io.stdout.write(output.redact(question));
    return reader.next();
  };
  const saved = new Set<string>();
  output.out('osiris chat: describe the data to move and where to (an empty line or Ctrl-D ends).');
  try {
    for (;;) {
      const request = await ask('> ');
      if (request === undefined || ['', 'exit', 'quit'].includes(request.trim())) break;
      let result: ChatTurnResult;
      try {
        onIntent(request.trim());
        result = await session.ask(request.trim(), signalled(output, { insist: false }));
      } catch (error) {
        // A slow or overloaded model need not end the session; the user can simply try again.
        if (!isOsirisError(error) || error.code !== OsirisErrorCode.Run) throw error;
        output.err(`${output.red('error')} ${error.message}`);
        if (error.hint) output.err(`  ${error.hint}`);
        continue;
      }
      if (result.status === 'reply') {
        output.out(result.reply);
        continue;
      }
      if (result.status === 'invalid') {
        output.diagnostics(result.diagnostics);
        output.err(output.red(failureLine(result, 'nothing saved. Add detail or rephrase.')));
        continue;
      }
      output.out();
      output.out(result.yaml.trimEnd());
      output.out();
      if (result.note) output.out(result.note);
      const answer = (await ask(`Save to ${defaultOut}? [Y/n, or another path] `))?.trim();
      if (answer === undefined) break;
      if (/^(n|no)$/i.test(answer)) {
        output.out('Not saved. Describe a change, or press Enter to end.');
        continue;
      }
      const path = answer === '' || /^(y|yes)$/i.test(answer) ? defaultOut : answer;
      const absolute = resolve(cwd, path);
      if (existsSync(absolute) && !saved.has(absolute)) {
        const overwrite = (await ask(`${path} exists; overwrite? [y/N] `))?.trim();
        if (!overwrite || !/^(y|yes)$/i.test(overwrite)) {
          output.out('Not saved. Describe a change, or press Enter to end.');
          continue;
        }
      }
      writeAtomically(absolute, result.yaml, path);
      saved.add(absolute);
      session.markSaved(path);
      output.out(`${output.green('✓')} saved ${path}.`);
      // The last state of a session: compile and run the saved pipeline, only when the user says so.
      const run = (await ask('Run it now? [y/N, or the path of a secrets file] '))?.trim() ?? '';
      const withFile = run !== '' && existsSync(resolve(cwd, run));
      if (withFile || /^(y|yes)$/i.test(run)) {
        const secretsFile = withFile ? { secretsFile: run } : {};
        const code = await runPipeline(output, path, { param: [], ...secretsFile }, composition);
        if (code !== ExitCode.Success) output.err(`The run ended with exit code ${code}; the pipeline stays saved.`);
      } else {
        output.out(`Next: osiris validate ${path} · osiris compile ${path} --out build/ · osiris run ${path}`);
      }
      output.out('Describe a change, or press Enter to end.');
    }
  } finally {
    reader.close();
  }
  return ExitCode.Success;
}
