// SPDX-License-Identifier: MIT
// `--json` is a contract for scripts (docs/reference/cli.md, ADR 0015): every key in snake_case, as in metrics.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDatabase, fenced, type LlmServer, MERGE, type PgDatabase, startLlmServer } from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDirs } from './helpers';

const dirs = tempDirs();
let pg: PgDatabase;
let dir: string;
let runsDir: string;
let llm: LlmServer | undefined;

const pipeline = `version: 0.0.1
name: people_sync
sources:
  - id: people_csv
    type: filesystem.csv
    connection: "@files"
    mode: read
    options: { path: people.csv }
sinks:
  - id: people_db
    type: supabase.table
    connection: "@db"
    mode: write
    options: { table: people, write_mode: merge, merge_keys: [id] }
`;

beforeAll(async () => {
  pg = await createPgDatabase();
  await pg.client.query('CREATE TABLE people (id int PRIMARY KEY, name text)');
  // Ada stays as she is, 2 becomes Grace, 3 is new.
  await pg.client.query("INSERT INTO people VALUES (1, 'Ada'), (2, 'Old')");
  dir = dirs.make('osiris-json-');
  runsDir = join(dir, 'runs');
  writeFileSync(join(dir, 'people.csv'), 'id,name\n1,Ada\n2,Grace\n3,Linus\n');
  writeFileSync(join(dir, 'pipeline.yaml'), pipeline);
  writeFileSync(join(dir, 'no-keys.yaml'), pipeline.replace(', merge_keys: [id]', ''));
  writeFileSync(join(dir, 'secrets.yaml'), `connections:\n  db:\n    url: ${pg.url}\n  files:\n    base_dir: ${dir}\n`);
});

afterAll(async () => {
  await llm?.close();
  await pg?.drop();
  dirs.clean();
});

/** The path of every key, at any depth, that is not snake_case. */
function notSnake(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => notSnake(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(/[A-Z]/.test(key) ? [`${path}.${key}`] : []),
    ...notSnake(inner, `${path}.${key}`),
  ]);
}

async function json(args: string[]) {
  const result = await runCli([...args, '--json'], { cwd: dir, env: { NO_COLOR: '1' } });
  return { ...result, value: JSON.parse(result.stdout) as Record<string, unknown> };
}

describe('--json output is snake_case in every command', () => {
  it('osiris run --json: the summary, each step and, for a merge, rows_unchanged', async () => {
    const { code, stderr, value } = await json([
      'run',
      'pipeline.yaml',
      '--secrets-file',
      'secrets.yaml',
      '--runs-dir',
      runsDir,
    ]);
    expect(code, stderr).toBe(0);
    expect(notSnake(value)).toEqual([]);
    expect(value).toMatchObject({ ok: true, pipeline: 'people_sync', rows_read: 3, rows_written: 3 });
    const steps = value.steps as Record<string, unknown>[];
    expect(steps.find((step) => step.id === 'people_db')).toMatchObject({
      component_version: '0.1.0',
      rows_read: 3,
      rows_written: 3,
      rows_inserted: 1,
      rows_updated: 1,
      rows_unchanged: 1,
    });
  });

  it('osiris runs list --json and runs view --json', async () => {
    const list = await json(['runs', 'list', '--runs-dir', runsDir]);
    expect(list.code, list.stderr).toBe(0);
    expect(notSnake(list.value)).toEqual([]);
    const [run] = list.value as unknown as Record<string, unknown>[];
    expect(run).toMatchObject({ status: 'succeeded', exit_code: 0, pipeline: 'people_sync', rows_read: 3 });
    const view = await json(['runs', 'view', String(run?.run_id), '--runs-dir', runsDir]);
    expect(view.code, view.stderr).toBe(0);
    expect(notSnake(view.value)).toEqual([]);
    expect(view.value).toMatchObject({ run_id: run?.run_id, exit_code: 0 });
  });

  it('osiris discover --json', async () => {
    const { code, stderr, value } = await json(['discover', '@db', '--secrets-file', 'secrets.yaml', '--refresh']);
    expect(code, stderr).toBe(0);
    expect(notSnake(value)).toEqual([]);
    const people = (value.tables as { name: string; columns: unknown[] }[]).find((t) => t.name === 'people');
    expect(people?.columns[0]).toEqual({
      name: 'id',
      kind: 'integer',
      native_type: 'integer',
      nullable: false,
      primary_key: true,
    });
  });

  it.each([
    ['validate', ['validate', 'no-keys.yaml']],
    ['compile', ['compile', 'no-keys.yaml', '--out', 'build']],
  ])('osiris %s --json: diagnostics', async (_label, args) => {
    const { code, value } = await json(args);
    expect(code).toBe(2);
    expect(notSnake(value)).toEqual([]);
    expect((value.diagnostics as Record<string, unknown>[])[0]).toMatchObject({ step_id: 'people_db' });
  });

  it('osiris components list, spec-lint and prompts build-context --json', async () => {
    for (const args of [['components', 'list'], ['spec-lint'], ['prompts', 'build-context']]) {
      const { code, value } = await json(args);
      expect(code).toBe(0);
      expect(notSnake(value)).toEqual([]);
    }
  });

  it('osiris chat --message --json', async () => {
    llm = await startLlmServer([fenced(MERGE.replace(', merge_keys: [id]', '')), fenced(MERGE)]);
    const { code, value } = await runCli(['chat', '-m', 'upsert customers', '--json'], {
      cwd: dir,
      env: { OSIRIS_LLM_BASE_URL: llm.baseURL, OSIRIS_LLM_API_KEY: 'sk-test', OSIRIS_LLM_MODEL: 'scripted' },
    }).then((result) => ({ ...result, value: JSON.parse(result.stdout) as Record<string, unknown> }));
    expect(code).toBe(0);
    expect(notSnake(value)).toEqual([]);
    expect(value).toMatchObject({ ok: true, session_dir: expect.stringContaining('sessions') });
  });
});

describe('human output of runs', () => {
  it('a merge says how many rows it staged and what became of them, not "written"', async () => {
    const run = await runCli(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml', '--runs-dir', runsDir], {
      cwd: dir,
      env: { NO_COLOR: '1' },
    });
    expect(run.code, run.stderr).toBe(0);
    const [headline, split] = run.stdout.split('\n');
    expect(headline).toMatch(/^✓ people_sync: 3 rows read in \d+\.\d s \(run r_\w+, local\)$/);
    expect(split).toBe('  people_db: 3 staged: 0 inserted, 0 updated, 3 unchanged');
    const view = await runCli(['runs', 'view', 'latest', '--runs-dir', runsDir], { cwd: dir });
    expect(view.stdout).toMatch(
      /people_db\s+supabase\.table\s+succeeded\s+read 3 {2}staged 3: 0 inserted, 0 updated, 3 unchanged/,
    );
  });

  it('osiris runs list has a header row', async () => {
    const { code, stdout } = await runCli(['runs', 'list', '--runs-dir', runsDir], { cwd: dir });
    expect(code).toBe(0);
    const [header, first] = stdout.split('\n');
    expect(header?.split(/\s+/)).toEqual(['RUN', 'STATUS', 'EXIT', 'PIPELINE', 'READ', 'WRITTEN', 'DURATION']);
    expect(first?.split(/\s+/).slice(1, 6)).toEqual(['succeeded', '0', 'people_sync', '3', '3']);
  });
});
