// SPDX-License-Identifier: MIT
// A local chat-completions server for tests: speaks POST /v1/chat/completions (plain messages and tool
// calls, streaming off) on 127.0.0.1, replays scripted model turns and records every request it got.
// The real `openai` client talks to it through OSIRIS_LLM_BASE_URL; nothing leaves the machine.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedMessage {
  readonly role: string;
  readonly content: string | null;
  readonly tool_calls?: readonly { id: string; type: string; function: { name: string; arguments: string } }[];
  readonly tool_call_id?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    readonly model?: string;
    readonly stream?: boolean;
    readonly messages: readonly RecordedMessage[];
    readonly tools?: readonly { type: string; function: { name: string; parameters?: unknown } }[];
  };
  readonly raw: string;
}

/** One scripted model answer. */
export type Turn =
  | { readonly content: string }
  | { readonly toolCalls: readonly { readonly name: string; readonly arguments: unknown }[]; readonly content?: string }
  | {
      readonly status: number;
      readonly error?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly delayMs: number; readonly then: Turn };

export interface LlmServerOptions {
  /** Answer 400 to every request that offers `tools`, as many local servers do. */
  readonly rejectTools?: boolean;
}

export interface LlmServer {
  /** `http://127.0.0.1:<port>/v1`: what OSIRIS_LLM_BASE_URL should say. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** Turns not yet played. */
  remaining(): number;
  close(): Promise<void>;
}

/** A plain assistant message carrying the pipeline in a fenced block, as local models answer. */
export function fenced(yaml: string, before = 'Here is the pipeline:'): Turn {
  return { content: `${before}\n\n\`\`\`yaml\n${yaml.trimEnd()}\n\`\`\`\n` };
}

/** A `submit_pipeline` tool call. */
export function submit(yaml: string): Turn {
  return { toolCalls: [{ name: 'submit_pipeline', arguments: { yaml } }] };
}

export function callTool(name: string, args: unknown): Turn {
  return { toolCalls: [{ name, arguments: args }] };
}

/** The text of the last message of a request (the user's words, a tool result or diagnostics). */
export function lastMessage(request: RecordedRequest | undefined): string {
  return request?.body.messages.at(-1)?.content ?? '';
}

/** All text the model was sent in a request after the system prompt. */
export function conversation(request: RecordedRequest | undefined): string {
  return (request?.body.messages ?? [])
    .filter((m) => m.role !== 'system')
    .map((m) => m.content ?? '')
    .join('\n');
}

function openAiError(message: string, status: number) {
  return {
    error: { message, type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', param: null, code: null },
  };
}

export async function startLlmServer(script: readonly Turn[], options: LlmServerOptions = {}): Promise<LlmServer> {
  const turns = [...script];
  const requests: RecordedRequest[] = [];
  let calls = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: RecordedRequest['body'] = { messages: [] };
      try {
        body = raw === '' ? body : (JSON.parse(raw) as RecordedRequest['body']);
      } catch {
        // recorded as is; answered 400 below
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw });
      const send = (status: number, payload: unknown, headers: Readonly<Record<string, string>> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        send(404, openAiError(`no route ${req.method} ${req.url}`, 404));
        return;
      }
      if (body.stream === true) {
        send(400, openAiError('the scripted server does not stream', 400));
        return;
      }
      if (options.rejectTools && body.tools !== undefined) {
        send(400, openAiError('tools are not supported by this model', 400));
        return;
      }
      const play = (turn: Turn | undefined) => {
        if (turn === undefined) {
          send(400, openAiError('scripted server: no turn left in the script', 400));
          return;
        }
        if ('delayMs' in turn) {
          setTimeout(() => play(turn.then), turn.delayMs);
          return;
        }
        if ('status' in turn) {
          send(turn.status, openAiError(turn.error ?? `scripted ${turn.status}`, turn.status), turn.headers);
          return;
        }
        calls += 1;
        const toolCalls =
          'toolCalls' in turn
            ? turn.toolCalls.map((call, index) => ({
                id: `call_${calls}_${index}`,
                type: 'function',
                function: { name: call.name, arguments: JSON.stringify(call.arguments) },
              }))
            : undefined;
        send(200, {
          id: `chatcmpl-${calls}`,
          object: 'chat.completion',
          created: 1_764_000_000 + calls,
          model: body.model ?? 'scripted',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: 'content' in turn ? (turn.content ?? null) : null,
                refusal: null,
                ...(toolCalls ? { tool_calls: toolCalls } : {}),
              },
              logprobs: null,
              finish_reason: toolCalls ? 'tool_calls' : 'stop',
            },
          ],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        });
      };
      play(turns.shift());
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    remaining: () => turns.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
