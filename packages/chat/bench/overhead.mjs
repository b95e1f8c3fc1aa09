// SPDX-License-Identifier: MIT
// The chat agent's own overhead beside the model (SPEC §9: p50 under 150 ms).
//
// A local chat-completions server answers instantly, so everything measured is Osiris: loading the
// registry, building the context and system prompt, the openai client's requests on loopback, parsing
// and strictly validating every draft, and discovery answered from an on-disk cache. Each one-shot round
// plays the usual repair: discover_schema → a draft with an invented field → the repaired draft.
//
// Usage: node packages/chat/bench/overhead.mjs [--rounds 200]   (after `turbo run build --filter=@osiris/chat`)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadRegistry } from '@osiris/registry';
import { createChatSession, DiscoveryFacts, validateDraft } from '../dist/index.js';

const BUDGET_P50_MS = 150;
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 200;
const WARMUP = 10;

// The MySQL→Supabase merge example is the draft the scripted model finally gets right.
const VALID = readFileSync(new URL('../../../examples/mysql-to-supabase-merge/pipeline.yaml', import.meta.url), 'utf8');
const INVALID = VALID.replace('merge_keys: [id] }', 'merge_keys: [id], batch_size: 5000 }');

const columns = (...names) =>
  names.map((name, i) => ({ name, kind: 'text', nativeType: 'text', nullable: i > 0, primaryKey: i === 0 }));
const TABLES = {
  '@mysql': [
    { schema: 'shop', name: 'orders', approxRows: 1e6, columns: columns('id', 'customer_id', 'amount', 'updated_at') },
  ],
  '@supabase': [
    {
      schema: 'public',
      name: 'orders',
      approxRows: 1e6,
      columns: columns('id', 'customer_id', 'amount', 'updated_at'),
    },
  ],
};

// Discovery "from cache": one JSON file per connection, read and parsed at each call as the runner's cache is.
const cacheDir = mkdtempSync(join(tmpdir(), 'osiris-chat-bench-'));
for (const [ref, tables] of Object.entries(TABLES)) {
  writeFileSync(
    join(cacheDir, `${ref.slice(1)}.json`),
    JSON.stringify({ fetched_at: new Date().toISOString(), tables }),
  );
}
let discoveryMs = 0;
const discover = async (connection, request) => {
  const started = performance.now();
  const entry = JSON.parse(await readFile(join(cacheDir, `${connection.slice(1)}.json`), 'utf8'));
  const tables = entry.tables.filter((t) => request.schema === undefined || t.schema === request.schema);
  discoveryMs += performance.now() - started;
  return tables;
};

// The scripted model: stateless, it answers from the last message it is sent, instantly.
let serverMs = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const started = performance.now();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const last = body.messages.at(-1);
    let message;
    if (last.role === 'user') {
      message = toolCall('discover_schema', { connection: '@mysql', schema: 'shop' });
    } else if (last.content.includes('"tables"')) {
      message = toolCall('submit_pipeline', { yaml: INVALID });
    } else {
      message = toolCall('submit_pipeline', { yaml: VALID });
    }
    const payload = JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: 1,
      model: body.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(payload);
    serverMs += performance.now() - started;
  });
});
let calls = 0;
function toolCall(name, args) {
  calls += 1;
  return {
    role: 'assistant',
    content: null,
    refusal: null,
    tool_calls: [{ id: `call_${calls}`, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
  };
}
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const llm = { baseURL: `http://127.0.0.1:${server.address().port}/v1`, apiKey: 'sk-bench', model: 'scripted' };

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean, max: sorted.at(-1) };
}

const rounds = [];
const context = [];
const perRoundDiscovery = [];
const perRoundServer = [];
try {
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    discoveryMs = 0;
    serverMs = 0;
    const started = performance.now();
    const registry = loadRegistry();
    const session = createChatSession({ registry, llm, discover, maxRetries: 0 });
    const built = performance.now();
    const result = await session.ask('Stream shop.orders from @mysql into public.orders on @supabase, upserting by id');
    const ended = performance.now();
    if (result.status !== 'valid' || result.rounds.length !== 2) {
      throw new Error(`bench round ${i}: expected a valid pipeline after one repair, got ${result.status}`);
    }
    if (i < WARMUP) continue;
    rounds.push(ended - started);
    context.push(built - started);
    perRoundDiscovery.push(discoveryMs);
    perRoundServer.push(serverMs);
  }

  const registry = loadRegistry();
  const facts = new DiscoveryFacts();
  for (const [ref, tables] of Object.entries(TABLES)) facts.add(ref, {}, tables);
  const validation = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const started = performance.now();
    validateDraft(VALID, { registry, facts });
    if (i >= WARMUP) validation.push(performance.now() - started);
  }

  const rows = [
    ['one-shot round (3 model calls, 2 drafts validated)', stats(rounds)],
    ['  registry + context + client (per session)', stats(context)],
    ['  strict validation + discovery check (one draft)', stats(validation)],
    ['  discovery from the on-disk cache (per round)', stats(perRoundDiscovery)],
    ['  the scripted model itself (per round)', stats(perRoundServer)],
  ];
  const fmt = (x) => `${x.toFixed(2)} ms`.padStart(10);
  process.stdout.write(`osiris chat overhead, ${ROUNDS} rounds after ${WARMUP} warm-up, node ${process.version}\n`);
  process.stdout.write(
    `${'what'.padEnd(54)}${'p50'.padStart(10)}${'p95'.padStart(10)}${'mean'.padStart(10)}${'max'.padStart(10)}\n`,
  );
  for (const [label, s] of rows) {
    process.stdout.write(`${label.padEnd(54)}${fmt(s.p50)}${fmt(s.p95)}${fmt(s.mean)}${fmt(s.max)}\n`);
  }
  const p50 = stats(rounds).p50;
  const ok = p50 < BUDGET_P50_MS;
  process.stdout.write(`budget: p50 < ${BUDGET_P50_MS} ms: ${ok ? 'met' : 'MISSED'} (${p50.toFixed(2)} ms)\n`);
  process.exitCode = ok ? 0 : 1;
} finally {
  server.close();
  rmSync(cacheDir, { recursive: true, force: true });
}
