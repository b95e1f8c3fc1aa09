// SPDX-License-Identifier: MIT
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  APPEND,
  callTool,
  conversation,
  createPgDatabase,
  fenced,
  fixedDiscovery,
  type LlmServer,
  lastMessage,
  MERGE,
  MYSQL_MERGE,
  type PgDatabase,
  type RecordedRequest,
  readTree,
  startLlmServer,
  submit,
  type Turn,
} from '@osiris/test-utils';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runChat } from './chat-fixtures';
import { runCli, tempDirs } from './helpers';

const API_KEY = 'sk-canary-9d1e5b7a40c2f3e8';
const MYSQL_URL = 'mysql://shop:mysql-canary-pw@mysql.internal:3306/shop';
const SUPABASE_URL = 'postgresql://postgres.abc:supa-canary-pw@pooler.supabase.com:6543/postgres';
const dirs = tempDirs();
const servers: LlmServer[] = [];
const databases: PgDatabase[] = [];
afterEach(async () => {
  await Promise.all([...servers.splice(0).map((s) => s.close()), ...databases.splice(0).map((db) => db.drop())]);
});
afterAll(() => dirs.clean());

async function setup(turns: Turn[], options: { rejectTools?: boolean } = {}) {
  const server = await startLlmServer(turns, options);
  servers.push(server);
  const cwd = dirs.make('osiris-chat-');
  const env = {
    OSIRIS_LLM_BASE_URL: server.baseURL,
    OSIRIS_LLM_API_KEY: API_KEY,
    OSIRIS_LLM_MODEL: 'scripted-model',
    OSIRIS_CONN__MYSQL__URL: MYSQL_URL,
    OSIRIS_CONN__SUPABASE__URL: SUPABASE_URL,
    NO_COLOR: '1',
  };
  return { server, cwd, env };
}

function sessionFiles(cwd: string) {
  const sessions = join(cwd, '.osiris', 'sessions');
  const files = readTree(sessions);
  const [id] = Object.keys(files)
    .map((path) => path.split('/')[0] ?? '')
    .filter(Boolean);
  const read = (name: string) => files[`${id}/${name}`] ?? '';
  return {
    id,
    files,
    session: JSON.parse(read('session.json')) as { state: string; saved: string[]; model: string; tools: boolean },
    validation: JSON.parse(read('validation.json')) as { rounds: { round: number; ok: boolean; summary: string }[] },
    transcript: read('transcript.jsonl')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { role: string; content: string }),
  };
}

/** The diagnostics the model was sent after draft n (1-based). */
function feedbackAfter(requests: readonly RecordedRequest[], draftRequest: number): string {
  return lastMessage(requests[draftRequest]);
}

describe('osiris chat --message: the three guided requests, each repaired through diagnostics', () => {
  it('Supabase → Supabase append: an invented field is removed after the diagnostics reach the model', async () => {
    const invented = APPEND.replace('write_mode: append', 'write_mode: append, batch_size: 5000');
    const { server, cwd, env } = await setup([
      callTool('discover_schema', { connection: '@app_db', schema: 'public', table: 'events' }),
      submit(invented),
      submit(APPEND),
    ]);
    const { discover } = fixedDiscovery();

    const { code, stdout, stderr } = await runChat(
      [
        '--message',
        'Copy every row of public.events from @app_db into analytics.events on @warehouse',
        '--out',
        'events.yaml',
      ],
      { cwd, env, discover },
    );

    expect(code).toBe(0);
    expect(readFileSync(join(cwd, 'events.yaml'), 'utf8')).toBe(APPEND);
    expect(stdout).toBe(APPEND);
    expect(stderr).toContain('discovered @app_db public events: 1 table(s)');
    expect(stderr).toContain('round 1: 1 problem: events_out.options.batch_size: unknown field "batch_size"');
    expect(stderr).toContain('round 2: valid');
    expect(stderr).toContain('✓ saved events.yaml');
    const feedback = feedbackAfter(server.requests, 2);
    expect(feedback).toContain('events.yaml:14:70 events_out.options.batch_size');
    expect(feedback).toContain('unknown field "batch_size"');
    expect(feedback).toContain('why: supabase.table options does not define "batch_size"');
    expect(feedback).toContain('fix: Remove it. Allowed fields here:');

    const { session, validation, transcript } = sessionFiles(cwd);
    expect(session).toMatchObject({ state: 'saved', saved: ['events.yaml'], model: 'scripted-model', tools: true });
    expect(validation.rounds.map((r) => r.ok)).toEqual([false, true]);
    expect(transcript.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
      'assistant',
      'tool',
    ]);
  });

  it('Supabase → Supabase merge: a wrong enum, then merge without keys, then valid (--json)', async () => {
    const wrongEnum = MERGE.replace('write_mode: merge', 'write_mode: upsert');
    const noKeys = MERGE.replace(', merge_keys: [id]', '');
    const { server, cwd, env } = await setup([fenced(wrongEnum), fenced(noKeys), fenced(MERGE)]);

    const { code, stdout, stderr } = await runChat(
      [
        '-m',
        'Upsert active customers from @app_db into analytics.customers on @warehouse',
        '-o',
        'customers.yaml',
        '--json',
      ],
      { cwd, env },
    );

    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { ok: boolean; file: string; yaml: string; rounds: { summary: string }[] };
    expect(result).toMatchObject({ ok: true, file: 'customers.yaml', yaml: MERGE });
    expect(result.rounds.map((r) => r.summary)).toEqual([
      'round 1: 1 problem: customers_out.options.write_mode: the text "upsert" is not allowed for "write_mode"',
      'round 2: 1 problem: customers_out.options.merge_keys: merge_keys is required when write_mode is merge',
      'round 3: valid',
    ]);
    expect(stderr).toContain('round 3: valid');
    expect(feedbackAfter(server.requests, 1)).toContain('"write_mode" must be one of: append, merge, replace.');
    expect(feedbackAfter(server.requests, 1)).toContain('example: write_mode: merge');
    expect(feedbackAfter(server.requests, 2)).toContain('merge_keys is required when write_mode is merge');
    expect(feedbackAfter(server.requests, 2)).toContain('example: merge_keys: [id]');
    expect(readFileSync(join(cwd, 'customers.yaml'), 'utf8')).toBe(MERGE);
  });

  it('MySQL → Supabase merge: a column discovery did not find is caught before anything runs', async () => {
    const wrongColumn = MYSQL_MERGE.replace('amount,', 'amount_usd,');
    const { server, cwd, env } = await setup([
      callTool('discover_schema', { connection: '@supabase', schema: 'public' }),
      submit(wrongColumn),
      submit(MYSQL_MERGE),
    ]);
    const { discover, calls } = fixedDiscovery();

    const { code, stdout, stderr } = await runChat(
      [
        '--message',
        'Stream shop.orders from @mysql into public.orders on @supabase, upserting by id',
        '--out',
        'orders.yaml',
      ],
      { cwd, env, discover },
    );

    expect(code).toBe(0);
    expect(stdout).toBe(MYSQL_MERGE);
    expect(stderr).toContain(
      'round 1: 1 problem: src.options.columns[2]: column "amount_usd" is not a column of shop.orders on @mysql',
    );
    const feedback = feedbackAfter(server.requests, 2);
    expect(feedback).toContain('Discovery found these columns in shop.orders: id, customer_id, amount, updated_at.');
    expect(feedback).toContain('did you mean "amount"?');
    // The model asked about @supabase; the agent discovered @mysql itself to check the draft.
    expect(calls.map((c) => c.connection)).toEqual(['@supabase', '@mysql']);
    expect(existsSync(join(cwd, 'orders.yaml'))).toBe(true);
    expect(conversation(server.requests[1])).toContain('"table":"orders"');
  });
});

describe('osiris chat --message: failures', () => {
  it('exits 2 and writes nothing when the model never produces a valid pipeline', async () => {
    const wrong = MERGE.replace('write_mode: merge', 'write_mode: upsert');
    const { server, cwd, env } = await setup([
      submit(wrong),
      submit(wrong),
      submit(wrong),
      fenced(wrong),
      fenced(MERGE),
    ]);

    const { code, stdout, stderr } = await runChat(['-m', 'upsert customers', '--out', 'customers.yaml'], { cwd, env });

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(existsSync(join(cwd, 'customers.yaml'))).toBe(false);
    expect(server.requests).toHaveLength(4);
    for (const n of [1, 2, 3, 4]) expect(stderr).toContain(`round ${n}: 1 problem`);
    expect(stderr).toContain('fix: Pick one of: append, merge, replace.');
    expect(stderr).toContain('✗ no valid pipeline after 4 rounds; nothing written');
    const { session, validation } = sessionFiles(cwd);
    expect(session).toMatchObject({ state: 'failed', saved: [] });
    expect(validation.rounds).toHaveLength(4);
  });

  it('exits 2 with --json and ok: false', async () => {
    const wrong = APPEND.replace('"@warehouse"', 'warehouse');
    const { cwd, env } = await setup([fenced(wrong), fenced(wrong), fenced(wrong), fenced(wrong)]);
    const { code, stdout } = await runChat(['-m', 'copy events', '--json'], { cwd, env });
    expect(code).toBe(2);
    const result = JSON.parse(stdout) as {
      ok: boolean;
      file: null;
      diagnostics: { rule: string }[];
      rounds: unknown[];
    };
    expect(result).toMatchObject({ ok: false, file: null });
    expect(result.rounds).toHaveLength(4);
    expect(result.diagnostics[0]?.rule).toBe('connectionRef');
  });

  it('exits 5 with how to configure a model when none is configured', async () => {
    const cwd = dirs.make('osiris-chat-');
    const { code, stdout, stderr } = await runChat(['--message', 'copy events'], { cwd, env: { NO_COLOR: '1' } });
    expect(code).toBe(5);
    expect(stdout).toBe('');
    expect(stderr).toContain('no LLM is configured for osiris chat');
    expect(stderr).toContain('OSIRIS_LLM_API_KEY');
    expect(stderr).toContain('OSIRIS_LLM_BASE_URL=http://localhost:11434/v1');
    expect(existsSync(join(cwd, '.osiris'))).toBe(false);
  });

  it('refuses to overwrite --out without --force, before asking the model', async () => {
    const { server, cwd, env } = await setup([submit(APPEND)]);
    writeFileSync(join(cwd, 'events.yaml'), 'keep me\n');
    const refused = await runChat(['-m', 'copy events', '-o', 'events.yaml'], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('events.yaml already exists');
    expect(server.requests).toHaveLength(0);
    expect(readFileSync(join(cwd, 'events.yaml'), 'utf8')).toBe('keep me\n');

    const forced = await runChat(['-m', 'copy events', '-o', 'events.yaml', '--force'], { cwd, env });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(cwd, 'events.yaml'), 'utf8')).toBe(APPEND);
  });

  it.each([
    [['-m', 'x', '--timeout', 'soon'], '--timeout soon is not a positive number of seconds'],
    [['-m', '  '], '--message is empty'],
    [['--json'], '--json needs --message'],
  ])('refuses %j as a usage error', async (args, message) => {
    const { server, cwd, env } = await setup([]);
    const { code, stderr } = await runChat(args, { cwd, env });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(server.requests).toHaveLength(0);
  });

  it('exits 5 when the server refuses the API key, without printing it', async () => {
    const { cwd, env } = await setup([{ status: 401, error: `Incorrect API key provided: ${API_KEY}` }]);
    const { code, stderr } = await runChat(['-m', 'copy events'], { cwd, env });
    expect(code).toBe(5);
    expect(stderr).toContain('refused the API key (401)');
    expect(stderr).not.toContain(API_KEY);
  });
});

describe('osiris chat on servers without tools', () => {
  it('falls back to plain messages when the server answers 400 to tools; the fenced draft is validated', async () => {
    const invented = APPEND.replace('table: events }', 'table: events, limit: 10 }');
    const { server, cwd, env } = await setup([fenced(invented), fenced(APPEND)], { rejectTools: true });
    const { discover } = fixedDiscovery();

    const { code, stdout, stderr } = await runChat(['-m', 'copy events', '-o', 'p.yaml'], { cwd, env, discover });

    expect(code).toBe(0);
    expect(stdout).toBe(APPEND);
    expect(stderr).toContain('the server takes no tools (HTTP 400)');
    expect(stderr).toContain('round 1: 1 problem: events.options.limit: unknown field "limit"');
    expect(server.requests.map((r) => r.body.tools === undefined)).toEqual([false, true, true]);
    expect(server.requests[2]?.body.messages.at(-1)).toMatchObject({ role: 'user' });
    expect(lastMessage(server.requests[2])).toContain('unknown field "limit"');
    expect(sessionFiles(cwd).session.tools).toBe(false);
  });
});

describe('secrets', () => {
  it('never shows the API key or a connection secret on stdout, stderr or in the session files', async () => {
    const inlined = APPEND.replace('"@warehouse"', `"${SUPABASE_URL}"`);
    const { server, cwd, env } = await setup([
      { content: `Using key ${API_KEY} and ${MYSQL_URL}.\n\n\`\`\`yaml\n${inlined}\`\`\`` },
      fenced(APPEND),
      submit(APPEND),
    ]);

    const text = await runChat(['-m', `copy events; warehouse is ${SUPABASE_URL}`, '-o', 'p.yaml'], { cwd, env });
    const json = await runChat(['-m', 'copy events', '--json'], { cwd, env });

    expect(text.code).toBe(0);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, yaml: APPEND });
    expect(text.stderr).toContain('connection holds credentials inline');
    const everything = [text.stdout, text.stderr, json.stdout, json.stderr, ...Object.values(readTree(cwd))].join('\n');
    for (const canary of [API_KEY, 'mysql-canary-pw', 'supa-canary-pw']) expect(everything).not.toContain(canary);
    const sent = server.requests.map((r) => r.raw).join('\n');
    for (const canary of [API_KEY, 'mysql-canary-pw', 'supa-canary-pw']) expect(sent).not.toContain(canary);
  });

  it('writes sessions under OSIRIS_HOME', async () => {
    const { cwd, env } = await setup([submit(APPEND)]);
    const home = join(cwd, 'osiris-home');
    const { code, stderr } = await runChat(['-m', 'copy events'], { cwd, env: { ...env, OSIRIS_HOME: home } });
    expect(code).toBe(0);
    expect(stderr).toMatch(/transcript: osiris-home\/sessions\/s_\d{8}T\d{6}Z_[0-9a-f]{6}\//);
    expect(Object.keys(readTree(join(home, 'sessions'))).map((path) => path.split('/')[1])).toEqual([
      'session.json',
      'transcript.jsonl',
      'validation.json',
    ]);
  });
});

describe('osiris chat (interactive)', () => {
  it('drafts, repairs, shows the pipeline and saves it where the user says', async () => {
    const noKeys = MERGE.replace(', merge_keys: [id]', '');
    const { cwd, env } = await setup([submit(noKeys), submit(MERGE)]);
    const input = Readable.from(['Upsert active customers into the warehouse by id\n', '\n', '\n']);

    const { code, stdout, stderr } = await runChat([], { cwd, env, input });

    expect(code).toBe(0);
    expect(stdout).toContain('osiris chat: describe the data to move');
    expect(stdout).toContain(MERGE.trimEnd());
    expect(stdout).toContain('Save to pipeline.yaml? [Y/n, or another path]');
    expect(stdout).toContain('saved pipeline.yaml.');
    expect(stdout).toContain('Next: osiris validate pipeline.yaml');
    expect(stderr).toContain('round 1: 1 problem: customers_out.options.merge_keys');
    expect(stderr).toContain('round 2: valid');
    expect(readFileSync(join(cwd, 'pipeline.yaml'), 'utf8')).toBe(MERGE);
    expect(sessionFiles(cwd).session).toMatchObject({ state: 'saved', saved: ['pipeline.yaml'] });
  });

  it('runs the saved pipeline when asked, with the secrets file the user names', async () => {
    const csvToDb = `version: 0.0.1
name: people_load
sources:
  - id: people
    type: filesystem.csv
    connection: "@files"
    mode: read
    options: { path: people.csv }
sinks:
  - id: people_db
    type: supabase.table
    connection: "@db"
    mode: write
    options: { table: people, write_mode: merge, merge_keys: [id], create_table: true }
`;
    const { cwd, env } = await setup([submit(csvToDb)]);
    // The PostgreSQL server, not an embedded PGlite: starting PGlite's WASM takes seconds of CPU, and on a
    // loaded machine more than this test's timeout, blocking the event loop (the timeout cannot even fire).
    const db = await createPgDatabase();
    databases.push(db);
    writeFileSync(join(cwd, 'people.csv'), 'id,name\n1,Ada\n2,Grace\n');
    // base_dir: the connector reads files relative to the process, and this test runs the CLI in process.
    writeFileSync(
      join(cwd, 'secrets.yaml'),
      `connections:\n  db:\n    url: ${db.url}\n  files:\n    base_dir: ${cwd}\n`,
    );
    const input = Readable.from(['load people.csv into a people table by id\n', '\n', 'secrets.yaml\n', '\n']);

    const { code, stdout, stderr } = await runChat([], { cwd, env, input });

    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('Run it now? [y/N, or the path of a secrets file]');
    expect(stdout).toMatch(/people_load: 2 rows read in /);
    expect(stdout).toContain('people_db: 2 staged: 2 inserted, 0 updated, 0 unchanged');
    expect((await db.client.query('SELECT id::text AS id, name FROM people ORDER BY id')).rows).toEqual([
      { id: '1', name: 'Ada' },
      { id: '2', name: 'Grace' },
    ]);
  });

  it("shows the model's question, takes the answer, and saves nothing when told no", async () => {
    const { server, cwd, env } = await setup([
      { content: 'Which schema of @warehouse should receive the events?' },
      submit(APPEND),
    ]);
    const input = Readable.from(['copy events to the warehouse\n', 'analytics\n', 'n\n', '\n']);

    const { code, stdout } = await runChat([], { cwd, env, input });

    expect(code).toBe(0);
    expect(stdout).toContain('Which schema of @warehouse should receive the events?');
    expect(stdout).toContain('Not saved.');
    expect(lastMessage(server.requests[1])).toBe('analytics');
    expect(existsSync(join(cwd, 'pipeline.yaml'))).toBe(false);
    expect(sessionFiles(cwd).session.state).toBe('validated');
  });

  it('keeps the session going when the model server stays overloaded', async () => {
    const { cwd, env } = await setup([
      { status: 503, headers: { 'retry-after-ms': '1' } },
      { status: 503, headers: { 'retry-after-ms': '1' } },
      { status: 503, headers: { 'retry-after-ms': '1' } },
      submit(APPEND),
    ]);
    const input = Readable.from(['copy events\n', 'copy events, please\n', '\n', '\n']);
    const { code, stderr } = await runChat([], { cwd, env, input });
    expect(code).toBe(0);
    expect(stderr).toContain('answered 503 after 3 attempts');
    expect(readFileSync(join(cwd, 'pipeline.yaml'), 'utf8')).toBe(APPEND);
  });

  it('saves to another path typed at the prompt', async () => {
    const { cwd, env } = await setup([submit(APPEND)]);
    const input = Readable.from(['copy events\n', 'pipelines/events.yaml\n', 'n\n', 'quit\n']);
    const { code } = await runChat([], { cwd, env, input });
    expect(code).toBe(0);
    expect(readFileSync(join(cwd, 'pipelines/events.yaml'), 'utf8')).toBe(APPEND);
  });
});

describe('osiris chat --help', () => {
  it('explains both forms with examples and the model settings', async () => {
    const { code, stdout } = await runChat(['--help'], { cwd: dirs.make(), env: {} });
    expect(code).toBe(0);
    for (const text of [
      '--message <text>',
      '--out <file>',
      '--json',
      'Examples:',
      '$ osiris chat --message',
      'OSIRIS_LLM_BASE_URL',
      'Ollama',
    ]) {
      expect(stdout).toContain(text);
    }
  });
});

describe('osiris chat --help', () => {
  it('is registered in the real CLI and documents the one-shot form', async () => {
    const { code, stdout } = await runCli(['chat', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--message');
  });
});
