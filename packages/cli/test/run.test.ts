// SPDX-License-Identifier: MIT
// `osiris run` in process against the real MariaDB and PostgreSQL: what it tells the user besides the rows.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMysqlDatabase, createPgDatabase, type MysqlDatabase, type PgDatabase } from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDirs } from './helpers';

const dirs = tempDirs();
let mysql: MysqlDatabase;
let pg: PgDatabase;
let dir: string;

const pipeline = (table: string) => `version: 0.0.1
name: events_copy
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: events }
sinks:
  - id: dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    options: { table: ${table}, write_mode: append, create_table: true }
`;

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  await mysql.connection.query(`SET SESSION sql_mode = ''`);
  await mysql.connection.query('CREATE TABLE events (id INT PRIMARY KEY, day DATE NULL)');
  await mysql.connection.query("INSERT INTO events VALUES (1, '2024-01-01'), (2, '0000-00-00'), (3, '0000-00-00')");
  dir = dirs.make('osiris-run-');
  writeFileSync(
    join(dir, 'secrets.yaml'),
    `connections:\n  shop:\n    url: ${mysql.url}\n  warehouse:\n    url: ${pg.url}\n`,
  );
});

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  dirs.clean();
});

function logOf(runsDir: string) {
  const [runId] = readdirSync(runsDir);
  return readFileSync(join(runsDir, String(runId), 'run.log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('notices from connectors', () => {
  it('travel in the log as notes (error stays for errors), and reach stderr after the run', async () => {
    writeFileSync(join(dir, 'first.yaml'), pipeline('events_first'));
    const runsDir = join(dir, 'runs-first');
    const run = await runCli(['run', 'first.yaml', '--secrets-file', 'secrets.yaml', '--runs-dir', runsDir], {
      cwd: dir,
      env: { NO_COLOR: '1' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      "warning src: mysql.table step 'src': 2 zero or partly zero date value(s) (such as 0000-00-00) in column 'day'",
    );
    // Info notes too, which used to reach only the log.
    expect(run.stderr).toMatch(/^note dst: .*created table/m);
    const log = logOf(runsDir);
    expect(log.filter((line) => line.error !== null)).toEqual([]);
    expect(log).toContainEqual(
      expect.objectContaining({
        step: 'src',
        event: 'note',
        level: 'warn',
        message: expect.stringContaining('were read as NULL'),
      }),
    );
    expect(log).toContainEqual(
      expect.objectContaining({
        step: 'dst',
        event: 'note',
        level: 'info',
        message: expect.stringContaining('created table'),
      }),
    );
  });

  it('--json lists the warnings', async () => {
    writeFileSync(join(dir, 'second.yaml'), pipeline('events_second'));
    const run = await runCli(
      ['run', 'second.yaml', '--secrets-file', 'secrets.yaml', '--runs-dir', join(dir, 'runs-second'), '--json'],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).warnings).toEqual([
      {
        step: 'src',
        message: expect.stringContaining("2 zero or partly zero date value(s) (such as 0000-00-00) in column 'day'"),
      },
    ]);
  });
});

describe('osiris run --quiet', () => {
  it('leaves out the progress a terminal would show and the notes, not the warnings', async () => {
    const run = (table: string, ...flags: string[]) => {
      writeFileSync(join(dir, `${table}.yaml`), pipeline(table));
      const args = ['run', `${table}.yaml`, '--secrets-file', 'secrets.yaml', '--runs-dir', join(dir, table), ...flags];
      return runCli(args, { cwd: dir, env: { NO_COLOR: '1' }, tty: true });
    };
    const shown = await run('events_shown');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stderr).toContain('\r\u001b[2Ksrc → dst  3 rows  ');
    expect(shown.stderr).toMatch(/src → dst {2}3 rows {2}[\d,]+ rows\/s {2}\d\d:\d\d\n/);
    const quiet = await run('events_quiet', '--quiet');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('src → dst');
    expect(quiet.stderr).not.toContain('note dst:');
    expect(quiet.stderr).toContain('warning src:');
  });
});
