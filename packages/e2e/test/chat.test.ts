// SPDX-License-Identifier: MIT
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPEND, createPgDatabase, type PgDatabase, readTree, startLlmServer, submit } from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osiris, workspace } from './helpers';

// `osiris chat` through the shipped binary: its OpenAI client and the database drivers its discovery
// uses are chunks of the bundle (ADR 0012) that no other end-to-end test loads.

const API_KEY = 'sk-e2e-canary-7f3a9c';
let pg: PgDatabase;
const ws = workspace();

beforeAll(async () => {
  pg = await createPgDatabase();
  await pg.client.query(`CREATE TABLE public.events (id int PRIMARY KEY, payload jsonb);
    CREATE SCHEMA analytics; CREATE TABLE analytics.events (id int PRIMARY KEY, payload jsonb)`);
}, 60_000);

afterAll(async () => {
  await pg?.drop();
  ws.remove();
});

describe('osiris chat (the built binary, a local chat-completions server)', () => {
  it('discovers both connections, saves the drafted pipeline and keeps the API key out of everything written', async () => {
    const server = await startLlmServer([submit(APPEND)]);
    try {
      const result = await osiris(
        [
          'chat',
          '--message',
          'copy public.events from @app_db into analytics.events on @warehouse',
          '--out',
          'pipeline.yaml',
        ],
        {
          cwd: ws.dir,
          env: {
            OSIRIS_LLM_BASE_URL: server.baseURL,
            OSIRIS_LLM_API_KEY: API_KEY,
            OSIRIS_LLM_MODEL: 'scripted-model',
            OSIRIS_CONN__APP_DB__URL: pg.url,
            OSIRIS_CONN__WAREHOUSE__URL: pg.url,
            NO_COLOR: '1',
          },
        },
      );
      // Both connections were discovered (a failed discovery is reported, and the draft's names go unchecked).
      expect(result.stderr).toContain('discovered @app_db public: 1 table(s)');
      expect(result.stderr).toContain('discovered @warehouse analytics: 1 table(s)');
      expect(result.stderr).not.toContain('discovery of');
      expect(result.stderr).not.toContain('not checked');
      expect(result.stderr).toContain('round 1: valid');
      expect(result.stderr).toContain('✓ saved pipeline.yaml');
      expect(result.code).toBe(0);
      expect(readFileSync(join(ws.dir, 'pipeline.yaml'), 'utf8')).toBe(APPEND);

      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(server.requests[0]?.body.model).toBe('scripted-model');
      const written = [result.stdout, result.stderr, ...Object.values(readTree(join(ws.dir, '.osiris')))].join('\n');
      expect(written).not.toContain(API_KEY);
    } finally {
      await server.close();
    }

    const validated = await osiris(['validate', 'pipeline.yaml'], { cwd: ws.dir, env: { NO_COLOR: '1' } });
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
  });
});
