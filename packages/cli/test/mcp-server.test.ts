// SPDX-License-Identifier: MIT
// The MCP server in process, over the SDK's in-memory transport: the error model (why/fix/exit code, no stack),
// credential refusal in any input, input checked against the declared schema. The real databases and both real
// transports are exercised in packages/e2e/test/mcp.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composition } from '../src/composition';
import { createMcpServer } from '../src/mcp/server';
import { mcpTools } from '../src/mcp/tools';

const dir = mkdtempSync(join(tmpdir(), 'osiris-mcp-'));
let stderr = '';
let client: Client;
const secret = 'Zq77zSecretPart';

beforeAll(async () => {
  writeFileSync(
    join(dir, 'secrets.yaml'),
    `connections:\n  shop:\n    url: "mysql://app:${secret}@127.0.0.1:1/shop"\n`,
  );
  const server = createMcpServer({
    deps: composition({}),
    io: {
      stdout: { write: () => expect.fail('nothing may reach stdout') },
      stderr: {
        write: (text: string) => {
          stderr += text;
        },
      },
      env: { OSIRIS_HOME: join(dir, 'home') },
      cwd: dir,
    },
    secretsFile: 'secrets.yaml',
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'test', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
});

afterAll(async () => {
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (result.content[0] as { text: string }).text;
  return { result, text, json: JSON.parse(text) as { error?: Record<string, unknown> } & Record<string, unknown> };
}

describe('osiris mcp tools', () => {
  it('declares an object input and output schema, a title and a description for every tool', () => {
    for (const tool of mcpTools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema.type, tool.name).toBe('object');
      expect(tool.description.length, tool.name).toBeGreaterThan(20);
    }
  });

  it.each([
    ['discover', { connection: 'postgresql://u:pw1@db/x' }, undefined],
    ['connections_test', { connection: 'mysql://root:hunter2@127.0.0.1/shop' }, undefined],
    [
      'validate',
      { oml: 'version: 0.0.1\nname: x\nsources:\n  - connection: "mysql://a:b@h/db"\n' },
      { line: 4, col: 18 },
    ],
    ['run', { oml: 'x', params: { note: 'see https://me:tok@example.com/' }, confirm: true }, undefined],
  ])('refuses a credential in %s input with the words of OML validation', async (name, args, located) => {
    const { result, json } = await call(name, args);
    expect(result.isError).toBe(true);
    expect(json.error).toMatchObject({
      code: 'VALIDATION',
      exit_code: 2,
      message: 'connection holds credentials inline instead of an @reference',
      example: 'connection: "@supabase"',
    });
    if (located) expect((json.error?.diagnostics as unknown[])[0]).toMatchObject(located);
  });

  it('checks the input against the declared schema, with friendly diagnostics', async () => {
    const { result, json } = await call('components_spec', { type: 3 });
    expect(result.isError).toBe(true);
    expect(json.error).toMatchObject({ exit_code: 2, message: 'components_spec: the input does not match its schema' });
    expect(JSON.stringify(json)).not.toMatch(/instancePath|\bat .*\.ts:/);
  });

  it('answers an unknown component and an unknown tool with why and fix, never a stack', async () => {
    const unknown = await call('components_spec', { type: 'mysql.tabel' });
    expect(unknown.json.error).toMatchObject({ message: expect.stringContaining('did you mean "mysql.table"') });
    const tool = await call('dlq_list', {});
    expect(tool.json.error).toMatchObject({ exit_code: 2, fix: expect.stringContaining('components_list') });
    expect(`${unknown.text}${tool.text}`).not.toMatch(/\n\s+at /);
  });

  it('names connections and their fields but never a value, and masks the secret in errors', async () => {
    const listed = await call('connections_list', {});
    expect(listed.json).toEqual({
      connections: [
        { connection: '@shop', origin: 'file', component: 'mysql.table', family: 'mysql', fields_set: ['url'] },
      ],
    });
    // Port 1 refuses: the driver's error passes the redactor.
    const tested = await call('connections_test', { connection: '@shop' });
    expect(tested.json).toMatchObject({ ok: false, connection: '@shop' });
    expect(`${listed.text}${tested.text}${stderr}`).not.toContain(secret);
  });

  it('refuses to run without confirm: true', async () => {
    const { result, json } = await call('run', { pipeline: 'pipeline.yaml', confirm: false });
    expect(result.isError).toBe(true);
    expect(json.error).toMatchObject({ message: 'run changes data and needs confirm: true', exit_code: 2 });
  });
});
