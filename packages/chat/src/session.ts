// SPDX-License-Identifier: MIT
import type { Oml } from '@osiris/compiler';
import {
  canonicalJson,
  createRedactor,
  type Diagnostic,
  OsirisError,
  OsirisErrorCode,
  type Redactor,
  type Registry,
} from '@osiris/registry';
import type { OpenAI } from 'openai';
import type {
  ChatCompletionMessage,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { LlmConfig } from './config';
import {
  type DiscoveredTable,
  type DiscoverFunction,
  type DiscoverRequest,
  DiscoveryFacts,
  discoveryTargets,
} from './discovery';
import { draftFromToolArguments, extractYamlDraft } from './draft';
import { type ClientSettings, createClient, llmError, refusesTools } from './internal/llm';
import { chatTools, NUDGE, systemPrompt, TOOL_DISCOVER, TOOL_SPEC, TOOL_SUBMIT } from './internal/prompt';
import { newSessionId } from './session-id';
import { diagnosticsForModel, roundSummary, validateDraft } from './validate-draft';

/**
 * Where a chat session stands: the user states an intent, the agent may
 * discover schemas, the model drafts, the draft is validated, the caller
 * saves it. `failed` when the repairs ran out; a new request starts again
 * from `intent`.
 */
export type ChatState = 'intent' | 'discovery' | 'draft' | 'validated' | 'saved' | 'failed';

/** The allowed moves of the state machine. */
export const CHAT_TRANSITIONS: Readonly<Record<ChatState, readonly ChatState[]>> = {
  intent: ['discovery', 'draft', 'failed'],
  discovery: ['draft', 'intent', 'failed'],
  draft: ['discovery', 'validated', 'intent', 'failed'],
  validated: ['saved', 'intent'],
  saved: ['intent'],
  failed: ['intent'],
};

/** One validated draft: the account the user sees and the report written to the session folder. */
export interface ChatRound {
  /** Which user request of the session (1-based). */
  readonly turn: number;
  /** Which draft of that request (1-based); round 1 is the first draft, each later one a repair. */
  readonly round: number;
  /** How the draft came: a `submit_pipeline` tool call or a fenced block in a message. */
  readonly via: 'tool' | 'message';
  readonly ok: boolean;
  readonly yaml: string;
  readonly diagnostics: readonly Diagnostic[];
  /** `round 1: 2 problems: …` or `round 2: valid`. */
  readonly summary: string;
}

export type ChatEvent =
  | { readonly type: 'state'; readonly from: ChatState; readonly to: ChatState }
  | { readonly type: 'request'; readonly call: number; readonly tools: boolean }
  | { readonly type: 'tools-unsupported'; readonly status: number | undefined }
  | { readonly type: 'tool'; readonly name: string; readonly detail: string }
  | {
      readonly type: 'discovery';
      readonly connection: string;
      readonly request: DiscoverRequest;
      /** True when the agent checked a draft's tables on its own, not asked by the model. */
      readonly auto: boolean;
      readonly tables?: number;
      readonly error?: string;
    }
  | { readonly type: 'round'; readonly round: ChatRound };

export type ChatTurnResult =
  | {
      readonly status: 'valid';
      readonly yaml: string;
      readonly oml: Oml;
      readonly rounds: readonly ChatRound[];
      /** What the model said beside the pipeline (assumptions), if anything. */
      readonly note?: string;
    }
  | {
      readonly status: 'invalid';
      readonly rounds: readonly ChatRound[];
      /** The problems of the last draft. */
      readonly diagnostics: readonly Diagnostic[];
    }
  | {
      /** The model answered in prose without a pipeline (a question, a refusal). */
      readonly status: 'reply';
      readonly reply: string;
      readonly rounds: readonly ChatRound[];
    };

export interface TranscriptEntry {
  readonly at: string;
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  readonly toolCalls?: readonly { readonly id: string; readonly name: string; readonly arguments: string }[];
  readonly toolCallId?: string;
}

/** Everything a session said and found, redacted: written to `.osiris/sessions/<id>/` by the CLI. */
export interface ChatTranscript {
  readonly format: 'osiris.chat.v1';
  readonly session: string;
  readonly startedAt: string;
  readonly model: string;
  readonly baseURL: string;
  readonly registry: string;
  /** Whether the server took tool calls (undefined before the first request). */
  readonly tools: boolean | undefined;
  readonly state: ChatState;
  readonly saved: readonly string[];
  readonly messages: readonly TranscriptEntry[];
  /** The validation report of every draft. */
  readonly rounds: readonly ChatRound[];
}

export interface ChatOptions {
  readonly registry: Registry;
  readonly llm: LlmConfig;
  /** Schema discovery; without it the model is offered no `discover_schema` tool and names are not checked. */
  readonly discover?: DiscoverFunction;
  /** Configured connection references (`@mysql`), names only: told to the model. */
  readonly connections?: readonly string[];
  /** Repairs after the first draft of a request (default 3). */
  readonly maxRepairs?: number;
  /** Model calls per request, tool calls included (default 16). */
  readonly maxModelCalls?: number;
  /** Per model request (default 120 000 ms). */
  readonly timeoutMs?: number;
  /** Retries on 408/409/429/5xx and lost connections, with backoff (default 2). */
  readonly maxRetries?: number;
  /** More values never to write or send (resolved connection secrets); the API key is always masked. */
  readonly secrets?: Iterable<string>;
  /** File name used in diagnostics (default `pipeline.yaml`). */
  readonly file?: string;
  readonly onEvent?: (event: ChatEvent) => void;
  readonly sessionId?: string;
  readonly now?: () => Date;
}

export interface AskOptions {
  /** When the model answers in prose without a pipeline, ask once more for the file (default true). */
  readonly insist?: boolean;
  readonly signal?: AbortSignal;
}

/** A conversation that turns requests into valid pipelines. */
export interface ChatSession {
  readonly id: string;
  readonly state: ChatState;
  /**
   * Sends one user request (or a follow-up change) and runs the loop: tool
   * calls, drafts, strict validation, at most `maxRepairs` repairs. Never
   * returns an invalid pipeline as `valid`.
   */
  ask(request: string, options?: AskOptions): Promise<ChatTurnResult>;
  /** Records that the caller saved the last valid pipeline (`validated` → `saved`). */
  markSaved(path: string): void;
  /** The redacted transcript and validation reports, as data. */
  transcript(): ChatTranscript;
}

const SPEC_FIELDS = ['name', 'version', 'title', 'modes', 'capabilities', 'configSchema', 'constraints', 'examples'];
const MAX_TABLES_SHOWN = 100;

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Discovery as the model reads it: compact, with primary keys spelt out. */
function tablesForModel(tables: readonly DiscoveredTable[]): string {
  const shown = tables.slice(0, MAX_TABLES_SHOWN).map((table) => ({
    schema: table.schema,
    table: table.name,
    approx_rows: table.approxRows,
    primary_key: table.columns.filter((c) => c.primaryKey).map((c) => c.name),
    columns: table.columns.map((c) => `${c.name} ${c.nativeType}${c.nullable ? '' : ' not null'}`),
  }));
  return JSON.stringify({
    tables: shown,
    ...(tables.length > MAX_TABLES_SHOWN ? { more: tables.length - MAX_TABLES_SHOWN } : {}),
  });
}

/** Text of a message beside its fenced YAML block: the model's stated assumptions. */
function noteBeside(content: string | null | undefined): string | undefined {
  const text = (content ?? '').replace(/```[\s\S]*?```/g, '').trim();
  return text === '' ? undefined : text;
}

class Session implements ChatSession {
  readonly id: string;
  readonly #options: ChatOptions;
  readonly #client: OpenAI;
  readonly #settings: ClientSettings;
  readonly #redactor: Redactor;
  readonly #facts = new DiscoveryFacts();
  readonly #messages: ChatCompletionMessageParam[] = [];
  readonly #entries: TranscriptEntry[] = [];
  readonly #rounds: ChatRound[] = [];
  readonly #saved: string[] = [];
  readonly #tools: ChatCompletionTool[];
  readonly #now: () => Date;
  readonly #startedAt: string;
  #state: ChatState = 'intent';
  #turn = 0;
  #calls = 0;
  /** undefined until the server has answered a request that offered tools, or refused one. */
  #toolsSupported: boolean | undefined;

  constructor(options: ChatOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#startedAt = this.#now().toISOString();
    this.id = options.sessionId ?? newSessionId(this.#now());
    this.#settings = { timeoutMs: options.timeoutMs ?? 120_000, maxRetries: options.maxRetries ?? 2 };
    this.#client = createClient(options.llm, this.#settings);
    this.#redactor = createRedactor({
      knownSecrets: [...(options.llm.apiKey === undefined ? [] : [options.llm.apiKey]), ...(options.secrets ?? [])],
    });
    const discovery = options.discover !== undefined;
    this.#tools = chatTools(options.registry, discovery);
    this.#push({
      role: 'system',
      content: systemPrompt({
        registry: options.registry,
        discovery,
        ...(options.connections === undefined ? {} : { connections: options.connections }),
      }),
    });
  }

  get state(): ChatState {
    return this.#state;
  }

  #emit(event: ChatEvent): void {
    this.#options.onEvent?.(event);
  }

  #move(to: ChatState): void {
    const from = this.#state;
    if (from === to) return;
    if (!CHAT_TRANSITIONS[from].includes(to)) {
      throw new Error(`chat state machine: ${from} → ${to} is not a valid move`);
    }
    this.#state = to;
    this.#emit({ type: 'state', from, to });
  }

  #push(message: ChatCompletionMessageParam): void {
    // What the model reads passes the redactor too: no secret is sent to a model server.
    const content = typeof message.content === 'string' ? this.#redactor.text(message.content) : null;
    this.#messages.push({ ...message, content } as ChatCompletionMessageParam);
    const toolCalls =
      message.role === 'assistant'
        ? (message.tool_calls ?? []).flatMap((call) =>
            call.type === 'function'
              ? [{ id: call.id, name: call.function.name, arguments: this.#redactor.text(call.function.arguments) }]
              : [],
          )
        : [];
    this.#entries.push({
      at: this.#now().toISOString(),
      role: message.role === 'developer' || message.role === 'function' ? 'system' : message.role,
      content: content ?? '',
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(message.role === 'tool' ? { toolCallId: message.tool_call_id } : {}),
    });
  }

  async #complete(signal: AbortSignal | undefined): Promise<ChatCompletionMessage> {
    for (;;) {
      const tools = this.#toolsSupported !== false;
      this.#calls += 1;
      this.#emit({ type: 'request', call: this.#calls, tools });
      try {
        const response = await this.#client.chat.completions.create(
          {
            model: this.#options.llm.model,
            messages: this.#messages,
            ...(tools ? { tools: this.#tools } : {}),
          },
          signal === undefined ? {} : { signal },
        );
        if (tools) this.#toolsSupported = true;
        const message = response.choices?.[0]?.message;
        if (!message) {
          throw new OsirisError(OsirisErrorCode.Run, 'the LLM server answered without a message', {
            hint: 'The server returned no choices; check that OSIRIS_LLM_MODEL is a chat model.',
          });
        }
        return message;
      } catch (error) {
        if (tools && this.#toolsSupported === undefined && refusesTools(error)) {
          // Many local servers take no `tools`: ask again with plain messages; drafts then come as ```yaml blocks.
          this.#toolsSupported = false;
          this.#emit({ type: 'tools-unsupported', status: (error as { status?: number }).status });
          continue;
        }
        throw llmError(error, this.#options.llm, this.#settings, this.#redactor);
      }
    }
  }

  async #discover(connection: string, request: DiscoverRequest, auto: boolean): Promise<string> {
    const discover = this.#options.discover;
    if (!discover) return 'discovery is not available';
    try {
      const tables = await discover(connection, request);
      const safe = this.#redactor.value(tables);
      this.#facts.add(connection, request, safe);
      this.#emit({ type: 'discovery', connection, request, auto, tables: safe.length });
      return tablesForModel(safe);
    } catch (error) {
      this.#facts.markFailed(connection);
      const message = this.#redactor.text(error instanceof Error ? error.message : String(error));
      this.#emit({ type: 'discovery', connection, request, auto, error: message });
      return `discovery of ${connection} failed: ${message}`;
    }
  }

  /** Discovers the tables a draft names that no earlier discovery covered, so names can be checked. */
  async #discoverFor(oml: unknown): Promise<void> {
    if (!this.#options.discover) return;
    const asked = new Set<string>();
    for (const target of discoveryTargets(oml, this.#options.registry)) {
      if (this.#facts.failed(target.connection)) continue;
      if (this.#facts.lookup(target.connection, target.schema, target.table).status !== 'unknown') continue;
      const key = `${target.connection}\u0000${target.schema ?? ''}`;
      if (asked.has(key)) continue;
      asked.add(key);
      await this.#discover(
        target.connection,
        {
          ...(target.schema === undefined ? {} : { schema: target.schema }),
          ...(target.component === undefined ? {} : { component: target.component }),
        },
        true,
      );
    }
  }

  async #runTool(call: ChatCompletionMessageFunctionToolCall): Promise<string> {
    const args = parseArguments(call.function.arguments);
    const record = (args !== null && typeof args === 'object' ? args : {}) as Record<string, unknown>;
    if (call.function.name === TOOL_SPEC) {
      const type = optionalString(record.type) ?? '';
      this.#emit({ type: 'tool', name: TOOL_SPEC, detail: type });
      const spec = this.#options.registry.get(type);
      if (!spec) {
        const suggestion = this.#options.registry.suggest(type);
        const known = this.#options.registry
          .list()
          .map((s) => s.name)
          .join(', ');
        return `unknown component "${type}"${suggestion ? `; did you mean "${suggestion}"?` : ''} Known: ${known}.`;
      }
      const card = Object.fromEntries(
        SPEC_FIELDS.map((field) => [field, (spec as unknown as Record<string, unknown>)[field]]),
      );
      return canonicalJson(card);
    }
    if (call.function.name === TOOL_DISCOVER && this.#options.discover) {
      const connection = optionalString(record.connection);
      if (connection === undefined || !/^@[A-Za-z0-9_-]+$/.test(connection)) {
        return 'discover_schema needs a connection reference such as "@mysql".';
      }
      const schema = optionalString(record.schema);
      const table = optionalString(record.table);
      this.#move('discovery');
      this.#emit({ type: 'tool', name: TOOL_DISCOVER, detail: [connection, schema, table].filter(Boolean).join(' ') });
      return this.#discover(
        connection,
        { ...(schema === undefined ? {} : { schema }), ...(table === undefined ? {} : { table }) },
        false,
      );
    }
    this.#emit({ type: 'tool', name: call.function.name, detail: 'unknown tool' });
    return `unknown tool "${call.function.name}"; the tools are: ${this.#tools
      .flatMap((tool) => (tool.type === 'function' ? [tool.function.name] : []))
      .join(', ')}.`;
  }

  async #check(
    yaml: string,
    via: 'tool' | 'message',
    rounds: ChatRound[],
  ): Promise<{ round: ChatRound; oml: unknown }> {
    this.#move('draft');
    const registry = this.#options.registry;
    const file = this.#options.file ?? 'pipeline.yaml';
    let checked = validateDraft(yaml, { registry, file });
    // Discover what the draft names and nobody discovered yet, so the model hears of every problem at once.
    if (this.#options.discover && checked.oml !== null && typeof checked.oml === 'object') {
      await this.#discoverFor(checked.oml);
      if (this.#facts.size > 0) checked = validateDraft(yaml, { registry, file, facts: this.#facts });
    }
    const number = rounds.length + 1;
    const round: ChatRound = {
      turn: this.#turn,
      round: number,
      via,
      ok: checked.ok,
      yaml,
      diagnostics: checked.diagnostics,
      summary: roundSummary(number, checked.diagnostics),
    };
    rounds.push(round);
    this.#rounds.push(round);
    this.#emit({ type: 'round', round });
    return { round, oml: checked.oml };
  }

  async ask(request: string, options: AskOptions = {}): Promise<ChatTurnResult> {
    const maxRepairs = this.#options.maxRepairs ?? 3;
    const maxCalls = this.#options.maxModelCalls ?? 16;
    this.#turn += 1;
    this.#move('intent');
    this.#push({ role: 'user', content: request });
    const rounds: ChatRound[] = [];
    let nudged = false;
    const failed = (): ChatTurnResult => {
      this.#move('failed');
      return { status: 'invalid', rounds, diagnostics: rounds.at(-1)?.diagnostics ?? [] };
    };

    try {
      for (let call = 0; call < maxCalls; call++) {
        const message = await this.#complete(options.signal);
        const toolCalls = (message.tool_calls ?? []).filter(
          (c): c is ChatCompletionMessageFunctionToolCall => c.type === 'function',
        );
        this.#push({
          role: 'assistant',
          content: message.content ?? (toolCalls.length > 0 ? null : ''),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        });

        if (toolCalls.length > 0) {
          const submits = toolCalls.filter((c) => c.function.name === TOOL_SUBMIT);
          const submit = submits.at(-1);
          for (const c of toolCalls) {
            if (c === submit) continue;
            const content =
              c.function.name === TOOL_SUBMIT ? 'superseded by a later submit_pipeline call' : await this.#runTool(c);
            this.#push({ role: 'tool', tool_call_id: c.id, content });
          }
          if (!submit) continue;
          const yaml = draftFromToolArguments(parseArguments(submit.function.arguments));
          if (yaml === undefined) {
            this.#push({
              role: 'tool',
              tool_call_id: submit.id,
              content: 'submit_pipeline needs {"yaml": "<the whole pipeline file>"}.',
            });
            continue;
          }
          const { round, oml } = await this.#check(yaml, 'tool', rounds);
          this.#push({
            role: 'tool',
            tool_call_id: submit.id,
            content: round.ok
              ? 'Valid: the pipeline passed strict validation and is shown to the user.'
              : diagnosticsForModel(round.diagnostics),
          });
          if (round.ok) return this.#valid(round, oml, rounds, message.content);
          if (rounds.length > maxRepairs) return failed();
          continue;
        }

        const content = message.content ?? '';
        const yaml = extractYamlDraft(content);
        if (yaml !== undefined) {
          const { round, oml } = await this.#check(yaml, 'message', rounds);
          if (round.ok) return this.#valid(round, oml, rounds, noteBeside(content));
          if (rounds.length > maxRepairs) return failed();
          this.#push({ role: 'user', content: diagnosticsForModel(round.diagnostics) });
          continue;
        }

        if (options.insist !== false && !nudged) {
          nudged = true;
          this.#push({ role: 'user', content: NUDGE });
          continue;
        }
        this.#move('intent');
        return { status: 'reply', reply: this.#redactor.text(content), rounds };
      }
      return failed();
    } catch (error) {
      if (CHAT_TRANSITIONS[this.#state].includes('failed')) this.#move('failed');
      throw error;
    }
  }

  #valid(round: ChatRound, oml: unknown, rounds: ChatRound[], note: string | null | undefined): ChatTurnResult {
    this.#move('validated');
    const text = note === null || note === undefined ? undefined : this.#redactor.text(note).trim();
    return {
      status: 'valid',
      yaml: round.yaml,
      oml: oml as Oml,
      rounds,
      ...(text ? { note: text } : {}),
    };
  }

  markSaved(path: string): void {
    this.#move('saved');
    this.#saved.push(path);
  }

  transcript(): ChatTranscript {
    return this.#redactor.value({
      format: 'osiris.chat.v1' as const,
      session: this.id,
      startedAt: this.#startedAt,
      model: this.#options.llm.model,
      baseURL: this.#options.llm.baseURL,
      registry: this.#options.registry.fingerprint(),
      tools: this.#toolsSupported,
      state: this.#state,
      saved: [...this.#saved],
      messages: [...this.#entries],
      rounds: [...this.#rounds],
    });
  }
}

/**
 * Starts a chat session on an OpenAI-compatible server.
 *
 * @example
 * const session = createChatSession({ registry: loadRegistry(), llm: llmConfigFromEnv(process.env) });
 * const result = await session.ask('copy public.events from @app_db into analytics.events on @warehouse');
 * if (result.status === 'valid') writeFileSync('pipeline.yaml', result.yaml);
 */
export function createChatSession(options: ChatOptions): ChatSession {
  return new Session(options);
}
