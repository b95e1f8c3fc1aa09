// SPDX-License-Identifier: MIT
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isOsirisError, loadRegistry } from '@osiris/registry';
import {
  APPEND,
  callTool,
  fenced,
  fixedDiscovery,
  type LlmServer,
  lastMessage,
  MERGE,
  MYSQL_MERGE,
  startLlmServer,
  submit,
  type Turn,
} from '@osiris/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { LlmConfig } from '../src/config';
import type { DiscoverFunction } from '../src/discovery';
import { type ChatEvent, type ChatOptions, createChatSession } from '../src/session';

const registry = loadRegistry();
const API_KEY = 'sk-canary-3f9a1c77d2e845b0';
const servers: LlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(turns: Turn[], options: { rejectTools?: boolean } = {}) {
  const server = await startLlmServer(turns, options);
  servers.push(server);
  return server;
}

function sessionOn(server: LlmServer, options: Partial<ChatOptions> & { discover?: DiscoverFunction } = {}) {
  const events: ChatEvent[] = [];
  const llm: LlmConfig = { baseURL: server.baseURL, apiKey: API_KEY, model: 'scripted-model' };
  const session = createChatSession({
    registry,
    llm,
    maxRetries: 0,
    onEvent: (event) => events.push(event),
    ...options,
  });
  const states = () => events.flatMap((e) => (e.type === 'state' ? [e.to] : []));
  return { session, events, states };
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('the agent loop on a chat-completions server', () => {
  it('discovers, drafts through submit_pipeline and stops at the first valid draft', async () => {
    const server = await serve([
      callTool('discover_schema', { connection: '@app_db', schema: 'public' }),
      submit(APPEND),
    ]);
    const { discover, calls } = fixedDiscovery();
    const { session, states } = sessionOn(server, { discover });

    const result = await session.ask('copy public.events from @app_db into analytics.events on @warehouse');

    expect(result).toMatchObject({ status: 'valid', yaml: APPEND, oml: { name: 'events_append' } });
    expect(result.rounds.map((r) => r.summary)).toEqual(['round 1: valid']);
    const first = server.requests[0];
    expect(first?.body.model).toBe('scripted-model');
    expect(first?.body.stream).toBeUndefined();
    expect(first?.body.tools?.map((t) => t.function.name).sort()).toEqual([
      'discover_schema',
      'get_component_spec',
      'submit_pipeline',
    ]);
    const system = first?.body.messages[0]?.content ?? '';
    expect(system).toContain('OML rules');
    expect(system).toContain('"name":"supabase.table"');
    expect(system).toContain('submit_pipeline');
    expect(system).not.toContain('***');
    expect(first?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(lastMessage(server.requests[1])).toContain('"table":"events"');
    expect(lastMessage(server.requests[1])).toContain('"primary_key":["id"]');
    expect(calls[0]).toEqual({ connection: '@app_db', request: { schema: 'public' } });
    expect(states()).toEqual(['discovery', 'draft', 'validated']);
    session.markSaved('events.yaml');
    expect(session.state).toBe('saved');
  });

  it('sends the diagnostics of an invented field back to the model and takes the repair', async () => {
    const invented = APPEND.replace('write_mode: append', 'write_mode: append, batch_size: 500');
    const server = await serve([submit(invented), submit(APPEND)]);
    const { session, events } = sessionOn(server);

    const result = await session.ask('copy events');

    expect(result.status).toBe('valid');
    expect(result.rounds.map((r) => r.ok)).toEqual([false, true]);
    expect(result.rounds[0]?.summary).toBe(
      'round 1: 1 problem: events_out.options.batch_size: unknown field "batch_size"',
    );
    const feedback = server.requests[1]?.body.messages.at(-1);
    expect(feedback?.role).toBe('tool');
    expect(feedback?.content).toContain('unknown field "batch_size"');
    expect(feedback?.content).toContain('why: supabase.table options does not define "batch_size"');
    expect(feedback?.content).toContain('fix: Remove it.');
    expect(events.filter((e) => e.type === 'round')).toHaveLength(2);
  });

  it('gives up after three repairs: invalid, nothing valid returned, state failed', async () => {
    const wrong = MERGE.replace('write_mode: merge', 'write_mode: upsert');
    const server = await serve([submit(wrong), submit(wrong), fenced(wrong), submit(wrong), submit(APPEND)]);
    const { session } = sessionOn(server);

    const result = await session.ask('upsert customers');

    expect(result.status).toBe('invalid');
    expect(result.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4]);
    expect(result.status === 'invalid' && result.diagnostics[0]?.rule).toBe('enum');
    expect(server.requests).toHaveLength(4);
    expect(server.remaining()).toBe(1);
    expect(session.state).toBe('failed');
    expect(() => session.markSaved('x.yaml')).toThrow(/failed → saved/);
  });

  it('falls back to plain messages when the server answers 400 to tools, and reads a fenced draft', async () => {
    const server = await serve([fenced(MERGE)], { rejectTools: true });
    const { session, events } = sessionOn(server);

    const result = await session.ask('upsert active customers into the warehouse by id');

    expect(result).toMatchObject({ status: 'valid', yaml: MERGE, note: 'Here is the pipeline:' });
    expect(server.requests.map((r) => r.body.tools !== undefined)).toEqual([true, false]);
    expect(events).toContainEqual({ type: 'tools-unsupported', status: 400 });
    expect(session.transcript().tools).toBe(false);
  });

  it('repairs through plain messages too: the diagnostics arrive as the next user message', async () => {
    const server = await serve([fenced(MERGE.replace(', merge_keys: [id]', '')), fenced(MERGE)], { rejectTools: true });
    const { session } = sessionOn(server);

    const result = await session.ask('upsert customers');

    expect(result.status).toBe('valid');
    const feedback = server.requests.at(-1)?.body.messages.at(-1);
    expect(feedback?.role).toBe('user');
    expect(feedback?.content).toContain('merge_keys is required when write_mode is merge');
    expect(feedback?.content).toContain('example: merge_keys: [id]');
  });

  it('asks once more when the model answers in prose, or hands the question to the user', async () => {
    const server = await serve([{ content: 'Which schema should I write to?' }, fenced(APPEND)]);
    const { session } = sessionOn(server);
    expect((await session.ask('copy events')).status).toBe('valid');
    expect(lastMessage(server.requests[1])).toContain('Please answer with the complete pipeline file now');

    const second = await serve([{ content: 'Which schema should I write to?' }]);
    const { session: interactive, states } = sessionOn(second);
    expect(await interactive.ask('copy events', { insist: false })).toEqual({
      status: 'reply',
      reply: 'Which schema should I write to?',
      rounds: [],
    });
    expect(states()).toEqual([]);
  });

  it('checks the names of a draft against discovery the model never asked for', async () => {
    const server = await serve([fenced(MYSQL_MERGE.replace('amount,', 'amount_usd,')), fenced(MYSQL_MERGE)]);
    const { discover, calls } = fixedDiscovery();
    const { session, events } = sessionOn(server, { discover });

    const result = await session.ask('upsert shop.orders from @mysql into public.orders on @supabase by id');

    expect(result.status).toBe('valid');
    expect(result.rounds[0]?.diagnostics).toEqual([
      expect.objectContaining({ rule: 'discovery', path: 'src.options.columns[2]', suggestion: 'amount' }),
    ]);
    const feedback = lastMessage(server.requests[1]);
    expect(feedback).toContain('"amount_usd" is not a column of shop.orders on @mysql');
    expect(feedback).toContain('did you mean "amount"?');
    expect(calls).toEqual([
      { connection: '@mysql', request: { schema: 'shop', component: 'mysql.table' } },
      { connection: '@supabase', request: { schema: 'public', component: 'supabase.table' } },
    ]);
    expect(events.filter((e) => e.type === 'discovery').every((e) => e.type === 'discovery' && e.auto)).toBe(true);
  });

  it('keeps going when discovery fails, without judging that connection', async () => {
    const server = await serve([fenced(MYSQL_MERGE)]);
    const discover: DiscoverFunction = async () => {
      throw new Error('connection @mysql: OSIRIS_CONN__MYSQL__URL is not set');
    };
    const { session, events } = sessionOn(server, { discover });
    expect((await session.ask('orders')).status).toBe('valid');
    expect(events).toContainEqual(expect.objectContaining({ type: 'discovery', connection: '@mysql', auto: true }));
  });

  it('never hands an inline connection to discovery', async () => {
    const inline = MYSQL_MERGE.replace('"@mysql"', '"mysql://shop:pw-canary@db/shop"');
    const server = await serve([fenced(inline), fenced(MYSQL_MERGE)]);
    const { discover, calls } = fixedDiscovery();
    const { session } = sessionOn(server, { discover });
    expect((await session.ask('orders')).status).toBe('valid');
    expect(calls.map((c) => c.connection)).toEqual(['@supabase', '@mysql']);
  });

  it('answers get_component_spec with the spec card', async () => {
    const server = await serve([callTool('get_component_spec', { type: 'supabase.table' }), submit(APPEND)]);
    const { session } = sessionOn(server);
    await session.ask('copy events');
    const card = JSON.parse(lastMessage(server.requests[1])) as Record<string, unknown>;
    expect(Object.keys(card)).toEqual(expect.arrayContaining(['configSchema', 'constraints', 'examples', 'modes']));
    expect(server.requests[0]?.body.tools?.map((t) => t.function.name)).not.toContain('discover_schema');
  });

  it('keeps the conversation for a follow-up change', async () => {
    const server = await serve([submit(APPEND), fenced(MERGE)]);
    const { session, states } = sessionOn(server);
    await session.ask('copy events');
    session.markSaved('p.yaml');
    const second = await session.ask('now upsert customers instead');
    expect(second.status).toBe('valid');
    expect(second.rounds[0]).toMatchObject({ turn: 2, round: 1 });
    const roles = server.requests[1]?.body.messages.map((m) => m.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'user']);
    expect(states()).toEqual(['draft', 'validated', 'saved', 'intent', 'draft', 'validated']);
  });

  it('retries 503 and 429 answers with the client backoff', async () => {
    const server = await serve([
      { status: 503, headers: { 'retry-after-ms': '5' } },
      { status: 429, headers: { 'retry-after-ms': '5' } },
      submit(APPEND),
    ]);
    const { session } = sessionOn(server, { maxRetries: 2 });
    expect((await session.ask('copy events')).status).toBe('valid');
    expect(server.requests).toHaveLength(3);
  });

  it.each([
    [
      'a refused API key (401)',
      [{ status: 401, error: `Incorrect API key provided: ${API_KEY}` }] as Turn[],
      'CONFIG',
      /refused the API key \(401\)/,
    ],
    [
      'a server that stays overloaded (503)',
      [{ status: 503, headers: { 'retry-after-ms': '1' } }] as Turn[],
      'RUN',
      /answered 503 after 1 attempts/,
    ],
    ['a slow model', [{ delayMs: 400, then: submit(APPEND) }] as Turn[], 'RUN', /did not answer within 0.1 s/],
  ])('wraps %s into an Osiris error that never shows the key', async (_, turns, code, message) => {
    const server = await serve(turns);
    // Only the slow model's case waits for the timeout; the others answer at once, even on a busy machine.
    const slow = message.source.includes('did not answer');
    const { session } = sessionOn(server, { timeoutMs: slow ? 100 : 10_000 });
    const error = await rejection(session.ask('copy events'));
    expect(isOsirisError(error)).toBe(true);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(JSON.stringify({ m: (error as Error).message, h: (error as { hint?: string }).hint })).not.toContain(
      API_KEY,
    );
    expect(session.state).toBe('failed');
  });

  it('says the server cannot be reached (configuration, exit 5)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const session = createChatSession({
      registry,
      llm: { baseURL: `http://127.0.0.1:${port}/v1`, model: 'm' },
      maxRetries: 0,
    });
    const error = await rejection(session.ask('copy events'));
    expect(error).toMatchObject({ code: 'CONFIG', message: expect.stringContaining('cannot reach the LLM server') });
  });

  it('never lets the API key or a connection secret into the transcript or to the model', async () => {
    const secret = 'postgresql://app:s3cr3t-canary-pw@db.internal:5432/app';
    const server = await serve([
      fenced(APPEND.replace('"@app_db"', `"${secret}"`), `My key is ${API_KEY}; I inlined the connection.`),
      fenced(APPEND),
    ]);
    const { session } = sessionOn(server, { secrets: [secret] });
    const result = await session.ask(`copy events; the database is ${secret}`);
    expect(result.status).toBe('valid');
    expect(result.rounds[0]?.diagnostics).toContainEqual(expect.objectContaining({ rule: 'inlineConnection' }));

    const transcript = JSON.stringify(session.transcript());
    for (const canary of [API_KEY, secret, 's3cr3t-canary-pw']) {
      expect(transcript).not.toContain(canary);
      for (const request of server.requests) expect(request.raw).not.toContain(canary);
    }
    expect(transcript).toContain('***');
  });
});
