// SPDX-License-Identifier: MIT
// `osiris mcp` driven by the official SDK client, over stdio and over streamable HTTP, against the real
// MariaDB and PostgreSQL: validate → compile → discover → run (refused without confirm) → the run's resources;
// canary secrets (secrets file and environment) must appear in no byte the server sends, stderr included.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  callTool,
  createMysqlDatabase,
  createPgDatabase,
  type MysqlDatabase,
  type PgDatabase,
  startLlmServer,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, workspace } from './helpers';

let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();
const home = join(ws.dir, 'home');
const user = `osiris_mcp_${randomBytes(4).toString('hex')}`;
// Passwords made of canaries joined by characters URLs give a meaning to: no canary may ever be seen.
const fileCanaries = ['Fq10z', 'Fq11z', 'Fq12z', 'Fq13z'];
const envCanaries = ['Eq20z', 'Eq21z', 'Eq22z'];
const filePassword = `${fileCanaries[0]}@${fileCanaries[1]}:/${fileCanaries[2]}"\\${fileCanaries[3]}`;
const envPassword = `${envCanaries[0]}#${envCanaries[1]}%${envCanaries[2]}`;
const apiKey = `sk-Kq30z${randomBytes(6).toString('hex')}`;
const canaries = [...fileCanaries, ...envCanaries, 'Kq30z'];

/** Everything the server sent, as text: every result and notification, and its stderr. */
const seen: string[] = [];
const record = <T>(value: T): T => {
  seen.push(JSON.stringify(value));
  return value;
};

const sink = (extra = '') => `  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { schema: public, table: orders, write_mode: merge${extra} }
`;
const pipeline = (extra: string) => `version: 0.0.1
name: orders_copy
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: orders }
sinks:
${sink(extra)}`;
const broken = pipeline('');
const fixed = pipeline(', merge_keys: [id]');

function env(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    OSIRIS_HOME: home,
    OSIRIS_CONN__WAREHOUSE__URL: `postgresql://postgres:${encodeURIComponent(envPassword)}@127.0.0.1:5432/${pg.name}`,
    OSIRIS_LLM_API_KEY: apiKey,
  };
}

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query(
    'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount DECIMAL(10,2) NOT NULL)',
  );
  await mysql.connection.query("INSERT INTO orders VALUES (1, 'ada', 10.50), (2, 'bob', 7.25), (3, 'cy', 99.99)");
  await mysql.connection.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', filePassword]);
  await mysql.connection.query(`GRANT SELECT ON \`${mysql.name}\`.* TO ?@?`, [user, '%']);
  await pg.client.query(
    'CREATE TABLE orders (id INT PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(10,2) NOT NULL)',
  );
  await pg.client.query("INSERT INTO orders VALUES (2, 'old', 1.00)");
  const url = `mysql://${user}:${encodeURIComponent(filePassword)}@127.0.0.1:3306/${mysql.name}`;
  ws.write('secrets.yaml', `connections:\n  shop:\n    url: ${JSON.stringify(url)}\n`);
});

afterAll(async () => {
  await mysql?.connection.query('DROP USER IF EXISTS ?@?', [user, '%']);
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
  // Checked once both transports and the agent are done: every byte any server sent.
  expect(seen.length).toBeGreaterThan(40);
  for (const canary of canaries) for (const text of seen) expect(text).not.toContain(canary);
});

async function connectStdio(): Promise<{ client: Client; close: () => Promise<void> }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [binPath, 'mcp', '--secrets-file', 'secrets.yaml'],
    cwd: ws.dir,
    env: env(),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => seen.push(chunk.toString('utf8')));
  const client = new Client({ name: 'osiris-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, close: () => client.close() };
}

async function connectHttp(): Promise<{ client: Client; close: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [binPath, 'mcp', '--http', '--port', '0', '--secrets-file', 'secrets.yaml'],
    {
      cwd: ws.dir,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => seen.push(chunk.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen.push(chunk.toString('utf8'));
      text += chunk.toString('utf8');
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(text);
      if (found?.[1]) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`osiris mcp --http exited ${code}: ${text}`)));
  });
  const client = new Client({ name: 'osiris-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    client,
    close: async () => {
      await client.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type Structured = Record<string, unknown> & { error?: Record<string, unknown> };
async function call(client: Client, name: string, args: Record<string, unknown>, onprogress?: () => void) {
  const result = record(
    (await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress } : {})) as CallToolResult,
  );
  // Success carries structured content; a tool error carries its fields as JSON text.
  const text = (result.content as { text?: string }[])[0]?.text ?? '{}';
  return { ...result, data: (result.structuredContent ?? JSON.parse(text)) as Structured };
}

describe.each([
  ['stdio', connectStdio],
  ['streamable HTTP', connectHttp],
])('osiris mcp over %s', (_transport, connect) => {
  let session: Awaited<ReturnType<typeof connectStdio>>;
  beforeAll(async () => {
    session = await connect();
  });
  afterAll(async () => {
    await session?.close();
  });

  it('lists exactly the tools of the issue, each with input and output schemas', async () => {
    const { tools } = record(await session.client.listTools());
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'compile',
        'components_list',
        'components_spec',
        'connections_list',
        'connections_test',
        'discover',
        'oml_schema',
        'run',
        'runs_list',
        'runs_view',
        'validate',
      ].sort(),
    );
    for (const tool of tools) expect(tool.outputSchema?.type, tool.name).toBe('object');
  });

  it('validates a broken pipeline into located diagnostics, then compiles it once fixed', async () => {
    const bad = await call(session.client, 'validate', { oml: broken });
    expect(bad.isError).toBeFalsy();
    expect(bad.data.ok).toBe(false);
    const errors = (bad.data.diagnostics as Record<string, unknown>[]).filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    // The sink's options (line 14) ask for a merge without merge_keys: said there, with why and fix.
    expect(errors[0]).toMatchObject({
      line: 14,
      col: expect.any(Number),
      why: expect.any(String),
      fix: expect.any(String),
    });
    expect(JSON.stringify(errors)).toMatch(/merge_keys/);

    const good = await call(session.client, 'compile', { oml: fixed });
    expect(good.isError).toBeFalsy();
    expect(good.data.manifest).toMatch(/kind: RunManifest/);
    expect(Object.keys(good.data.configs as object).sort()).toEqual(['cfg/dst.json', 'cfg/src.json']);

    const refused = await call(session.client, 'compile', { oml: broken });
    expect(refused.isError).toBe(true);
    expect(refused.data.error).toMatchObject({ exit_code: 2, message: 'pipeline.yaml did not compile' });
    expect(JSON.stringify(refused)).not.toMatch(/\n\s+at /); // never a stack trace
  });

  it('discovers a real MariaDB table through the connection of the secrets file', async () => {
    const found = await call(session.client, 'discover', { connection: '@shop', table: 'orders', refresh: true });
    expect(found.isError, JSON.stringify(found)).toBeFalsy();
    const table = (found.data.tables as { name: string; columns: { name: string; primary_key: boolean }[] }[])[0];
    expect(table?.name).toBe('orders');
    expect(table?.columns.map((c) => c.name)).toEqual(['id', 'customer', 'amount']);
    expect(table?.columns[0]?.primary_key).toBe(true);
    const listed = await call(session.client, 'connections_list', {});
    expect(listed.data.connections).toEqual([
      { connection: '@shop', origin: 'file', component: 'mysql.table', family: 'mysql', fields_set: ['url'] },
      { connection: '@warehouse', origin: 'env', component: 'supabase.table', family: 'supabase', fields_set: ['url'] },
    ]);
    const tested = await call(session.client, 'connections_test', { connection: '@shop' });
    expect(tested.data).toMatchObject({ ok: true, component: 'mysql.table', tables: 1 });
  });

  it('refuses a credential in the input with the words of OML validation', async () => {
    const refused = await call(session.client, 'discover', {
      connection: `mysql://${user}:${encodeURIComponent(filePassword)}@127.0.0.1:3306/x`,
    });
    expect(refused.isError).toBe(true);
    expect(refused.data.error?.message).toBe('connection holds credentials inline instead of an @reference');
  });

  it('runs a MySQL → Postgres merge only with confirm: true, with progress, and serves its metrics', async () => {
    const refused = await call(session.client, 'run', { oml: fixed, confirm: false });
    expect(refused.isError).toBe(true);
    expect(refused.data.error?.message).toMatch(/confirm: true/);

    let progress = 0;
    const ran = await call(session.client, 'run', { oml: fixed, confirm: true }, () => {
      progress += 1;
    });
    expect(ran.isError, JSON.stringify(ran)).toBeFalsy();
    expect(ran.data).toMatchObject({ ok: true, status: 'succeeded', exit_code: 0, rows_read: 3 });
    expect(progress).toBeGreaterThan(0);
    const rows = await pg.client.query('SELECT id, customer, amount::text FROM orders ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, customer: 'ada', amount: '10.50' },
      { id: 2, customer: 'bob', amount: '7.25' },
      { id: 3, customer: 'cy', amount: '99.99' },
    ]);

    const runId = ran.data.run_id as string;
    const metrics = record(await session.client.readResource({ uri: `osiris://runs/${runId}/metrics` }));
    const content = metrics.contents[0] as { text: string };
    expect(JSON.parse(content.text)).toMatchObject({ status: 'succeeded', exit_code: 0 });
    const manifest = record(await session.client.readResource({ uri: `osiris://runs/${runId}/manifest` }));
    expect((manifest.contents[0] as { text: string }).text).toMatch(/pipeline: orders_copy/);
    record(await session.client.readResource({ uri: `osiris://runs/${runId}/log` }));
    const view = await call(session.client, 'runs_view', { run_id: runId });
    expect(view.data).toMatchObject({ run_id: runId, status: 'succeeded' });
    const list = await call(session.client, 'runs_list', {});
    expect((list.data.runs as { run_id: string }[]).map((run) => run.run_id)).toContain(runId);
  });

  it('serves the component cards, the OML schema, the context and the draft prompt', async () => {
    const { resources } = record(await session.client.listResources());
    expect(resources.map((r) => r.uri)).toEqual(
      expect.arrayContaining(['osiris://components/mysql.table', 'osiris://schema/oml', 'osiris://context']),
    );
    const card = record(await session.client.readResource({ uri: 'osiris://components/supabase.table' }));
    expect(JSON.parse((card.contents[0] as { text: string }).text)).toMatchObject({ name: 'supabase.table' });
    const prompt = record(
      await session.client.getPrompt({ name: 'draft_pipeline', arguments: { request: 'copy orders' } }),
    );
    expect(JSON.stringify(prompt)).toMatch(/osiris\.context\.v1/);
    const spec = await call(session.client, 'components_spec', { type: 'supabase.table', compact: true });
    expect(spec.data).toMatchObject({ type: 'supabase.table', compact: true });
  });
});

describe('a scripted agent', () => {
  it('goes from "copy shop.orders into public.orders by id" to a finished run using only MCP tools', async () => {
    await pg.client.query('DELETE FROM orders');
    const llm = await startLlmServer([
      callTool('connections_list', {}),
      callTool('discover', { connection: '@shop', table: 'orders' }),
      callTool('validate', { oml: broken }),
      callTool('validate', { oml: fixed }),
      callTool('run', { oml: fixed, confirm: true }),
      { content: 'Copied shop.orders into public.orders (merge by id).' },
    ]);
    const { client, close } = await connectStdio();
    try {
      const { tools } = await client.listTools();
      const messages: Record<string, unknown>[] = [
        { role: 'system', content: 'You move data with the Osiris tools.' },
        { role: 'user', content: 'copy shop.orders into public.orders by id' },
      ];
      const calls: string[] = [];
      for (let turn = 0; turn < 10; turn++) {
        const response = await fetch(`${llm.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'scripted',
            messages,
            tools: tools.map((tool) => ({
              type: 'function',
              function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
            })),
          }),
        });
        const message = ((await response.json()) as { choices: { message: Record<string, unknown> }[] }).choices[0]
          ?.message as {
          content: string | null;
          tool_calls?: { id: string; function: { name: string; arguments: string } }[];
        };
        messages.push(message);
        if (!message.tool_calls) break;
        for (const toolCall of message.tool_calls) {
          calls.push(toolCall.function.name);
          const result = record(
            await client.callTool({ name: toolCall.function.name, arguments: JSON.parse(toolCall.function.arguments) }),
          );
          const text = (result.content as { type: string; text: string }[])[0]?.text ?? '';
          messages.push({ role: 'tool', tool_call_id: toolCall.id, content: text });
        }
      }
      expect(calls).toEqual(['connections_list', 'discover', 'validate', 'validate', 'run']);
      expect(llm.remaining()).toBe(0);
      // The model saw the validator's own diagnostics for the draft, and then a finished run.
      const toolResults = llm.requests.flatMap((r) => r.body.messages.filter((m) => m.role === 'tool'));
      expect(toolResults.some((m) => /merge_keys/.test(m.content ?? ''))).toBe(true);
      const last = JSON.parse(toolResults.at(-1)?.content ?? '{}') as Record<string, unknown>;
      expect(last).toMatchObject({ ok: true, status: 'succeeded', rows_read: 3 });
      const rows = await pg.client.query('SELECT count(*)::int AS n FROM orders');
      expect(rows.rows[0]).toEqual({ n: 3 });
      for (const request of llm.requests) seen.push(request.raw);
    } finally {
      await close();
      await llm.close();
    }
  });
});
