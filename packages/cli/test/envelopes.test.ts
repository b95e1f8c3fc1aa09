// SPDX-License-Identifier: MIT
import { createBus, type Envelope, type Topic } from '@osiris/runner';
import { fenced, type LlmServer, MERGE, startLlmServer } from '@osiris/test-utils';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDirs } from './helpers';

const API_KEY = 'sk-canary-envelopes-51c0e7';
const dirs = tempDirs();
const servers: LlmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => dirs.clean());

describe('osiris chat on the bus', () => {
  it('publishes the request, each draft and its validation report, with the session as correlation id', async () => {
    const server = await startLlmServer([fenced(MERGE.replace(', merge_keys: [id]', '')), fenced(MERGE)]);
    servers.push(server);
    const cwd = dirs.make('osiris-envelopes-');
    const bus = createBus();
    const seen: [Topic, Envelope][] = [];
    for (const topic of ['intent', 'oml.generated', 'validation.reports'] as const) {
      bus.subscribe(topic, (envelope) => {
        seen.push([topic, envelope]);
      });
    }
    const { code, stderr } = await runCli(['chat', '-m', 'upsert customers', '--json'], {
      cwd,
      env: { OSIRIS_LLM_BASE_URL: server.baseURL, OSIRIS_LLM_API_KEY: API_KEY, OSIRIS_LLM_MODEL: 'scripted' },
      overrides: { bus },
    });
    expect(code, stderr).toBe(0);
    await bus.drain();
    expect(seen.map(([topic, e]) => [topic, e.type, e.source, e.payload.kind])).toEqual([
      ['intent', 'INTENT', 'chat', 'intent'],
      ['oml.generated', 'OML_DRAFT', 'generator', 'draft'],
      ['validation.reports', 'VALIDATION_REPORT', 'validator', 'validation'],
      ['oml.generated', 'OML_DRAFT', 'generator', 'draft'],
      ['validation.reports', 'VALIDATION_REPORT', 'validator', 'validation'],
    ]);
    expect(seen.filter(([topic]) => topic === 'validation.reports').map(([, e]) => e.payload.valid)).toEqual([
      false,
      true,
    ]);
    const sessions = new Set(seen.map(([, e]) => e.correlation_id));
    expect(sessions.size).toBe(1);
    expect(seen[0]?.[1].context).toEqual({ session: [...sessions][0] });
    expect(seen[0]?.[1].payload.text).toBe('upsert customers');
    expect(JSON.stringify(seen)).not.toContain(API_KEY);
  });
});

describe('osiris dlq', () => {
  it('an empty queue lists nothing; replay needs an id or --all; an unknown id exits 5', async () => {
    const cwd = dirs.make('osiris-dlq-');
    const env = { OSIRIS_HOME: `${cwd}/home` };
    const list = await runCli(['dlq', 'list', '--json'], { cwd, env });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const neither = await runCli(['dlq', 'replay'], { cwd, env });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('name one item to replay, or pass --all');
    const unknown = await runCli(['dlq', 'show', 'e_20261206T061500123Z_0000_3f9a1c'], { cwd, env });
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/no dead-letter item e_20261206T061500123Z_0000_3f9a1c in .*home\/dlq/);
    const traversal = await runCli(['dlq', 'drop', '../../etc/passwd'], { cwd, env });
    expect(traversal.code).toBe(5);
    const all = await runCli(['dlq', 'replay', '--all'], { cwd, env });
    expect(all.code).toBe(0);
    expect(all.stderr).toContain('nothing to replay');
  });
});
