// SPDX-License-Identifier: MIT
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMysqlDatabase,
  createPgDatabase,
  MYSQL,
  type MysqlDatabase,
  type PgDatabase,
  readTree,
  startStallingProxy,
} from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eDir, osiris, workspace } from './helpers';

let mysql: MysqlDatabase;
let pg: PgDatabase;
const ws = workspace();
const home = join(ws.dir, 'home');

const pipeline = (connection = '"@warehouse"') => `version: 0.0.1
name: big_copy
sources:
  - id: src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: numbers }
sinks:
  - id: dst
    type: supabase.table
    connection: ${connection}
    mode: write
    options: { table: numbers, write_mode: append }
`;

beforeAll(async () => {
  [mysql, pg] = await Promise.all([createMysqlDatabase(), createPgDatabase()]);
  // MariaDB's Sequence engine makes a large table without sending it over the wire.
  await mysql.connection.query('CREATE TABLE numbers (id INT PRIMARY KEY, label VARCHAR(40) NOT NULL)');
  await mysql.connection.query("INSERT INTO numbers SELECT seq, CONCAT('row-', seq) FROM seq_1_to_2000000");
  await pg.client.query('CREATE TABLE numbers (id INT PRIMARY KEY, label TEXT NOT NULL)');
  ws.write('pipeline.yaml', pipeline());
}, 60_000);

afterAll(async () => {
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('secrets never leak', () => {
  const canaries = {
    file: 'CanaryFile7Qx2',
    env: 'CanaryEnv9Kd4',
    inline: 'CanaryInline3Zt8',
    malformed: 'CanaryUrl5Hw1',
    apiKey: 'CanaryKey2Lm6',
  };

  it('plants canaries in the secrets file, the environment and an inline field; no byte written holds one', async () => {
    const outputs: string[] = [];
    const env = { OSIRIS_HOME: home, OSIRIS_E2B_API_KEY: canaries.apiKey, OSIRIS_LLM_API_KEY: canaries.apiKey };
    // Wrong password in the secrets file: the driver refuses the connection.
    ws.write(
      'wrong-password.yaml',
      `connections:\n  shop:\n    url: mysql://root:${canaries.file}@127.0.0.1:3306/${mysql.name}\n  warehouse:\n    url: ${pg.url}\n`,
    );
    const wrongPassword = await osiris(['run', 'pipeline.yaml', '--secrets-file', 'wrong-password.yaml'], {
      cwd: ws.dir,
      env,
    });
    expect(wrongPassword.code).toBe(4);
    outputs.push(wrongPassword.stdout, wrongPassword.stderr);

    // From the environment: a password for a database that does not exist, so the driver error names the URL's parts.
    const fromEnv = await osiris(['run', 'pipeline.yaml'], {
      cwd: ws.dir,
      env: {
        ...env,
        OSIRIS_CONN__SHOP__URL: mysql.url,
        OSIRIS_CONN__WAREHOUSE__URL: `postgresql://postgres:${canaries.env}@127.0.0.1:5432/missing_${pg.name}`,
      },
    });
    expect(fromEnv.code).toBe(4);
    outputs.push(fromEnv.stdout, fromEnv.stderr);

    // A URL that does not parse: URL parsers like to echo their input.
    const malformed = await osiris(['run', 'pipeline.yaml'], {
      cwd: ws.dir,
      env: {
        ...env,
        OSIRIS_CONN__SHOP__URL: `mysql://root:${canaries.malformed}@[not-a-host/db`,
        OSIRIS_CONN__WAREHOUSE__URL: pg.url,
      },
    });
    expect([4, 5]).toContain(malformed.code);
    outputs.push(malformed.stdout, malformed.stderr);

    // Credentials written inline in the pipeline: refused, and masked in the diagnostics.
    ws.write('inline.yaml', pipeline(`{ url: "postgresql://postgres:${canaries.inline}@127.0.0.1/db" }`));
    const inline = await osiris(['run', 'inline.yaml', '--secrets-file', 'wrong-password.yaml'], { cwd: ws.dir, env });
    expect(inline.code).toBe(2);
    outputs.push(inline.stdout, inline.stderr);

    const written = Object.entries(readTree(home));
    expect(written.length).toBeGreaterThan(6);
    for (const canary of Object.values(canaries)) {
      for (const text of outputs) expect(text).not.toContain(canary);
      for (const [file, text] of written) expect(text, file).not.toContain(canary);
    }
    // The failures still say what went wrong.
    expect(wrongPassword.stderr).toMatch(/access denied|password/i);
  });
});

describe('a long append stopped midway: signals, a silent source', () => {
  const runs = join(home, 'runs');
  const env = () => ({ OSIRIS_HOME: home, OSIRIS_CONN__SHOP__URL: mysql.url, OSIRIS_CONN__WAREHOUSE__URL: pg.url });
  /** How long a full copy takes on this machine, measured once. */
  let fullCopyMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    const full = await osiris(['run', 'pipeline.yaml'], { cwd: ws.dir, env: env() });
    expect(full.code, full.stderr).toBe(0);
    fullCopyMs = Date.now() - started;
  }, 120_000);

  /**
   * Calls `send` about a quarter into the copy (judged by the full copy's duration), once the sink's
   * first log line shows that rows are flowing. Returns a function that stops watching and says whether
   * `send` was called.
   */
  function whenCopying(send: () => void): () => boolean {
    const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
    let sent = false;
    const watcher = setInterval(() => {
      if (sent || !existsSync(runs)) return;
      const fresh = readdirSync(runs).filter((id) => !before.has(id));
      const log = fresh.map((id) => join(runs, id, 'run.log.jsonl')).find((file) => existsSync(file));
      if (log && readFileSync(log, 'utf8').includes('"step":"dst"')) {
        sent = true;
        setTimeout(send, Math.max(50, fullCopyMs / 4));
      }
    }, 20);
    return () => {
      clearInterval(watcher);
      return sent;
    };
  }

  async function expectInterrupted(runDir: string): Promise<void> {
    expect(JSON.parse(readFileSync(join(runDir, 'status.json'), 'utf8'))).toMatchObject({
      status: 'interrupted',
      exit_code: 130,
    });
    expect(JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'))).toMatchObject({
      status: 'interrupted',
      exit_code: 130,
    });
    expect((await pg.client.query('SELECT count(*)::int AS n FROM numbers')).rows).toEqual([{ n: 0 }]);
    const { rows } = await pg.client.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'osiris'",
    );
    expect(rows).toEqual([{ n: 0 }]);
  }

  it.each([
    ['SIGINT', ['SIGINT']],
    ['SIGTERM', ['SIGTERM']],
    ['SIGHUP', ['SIGHUP']],
    // What `pnpm exec` does on Ctrl-C: the child gets the terminal's SIGINT, then pnpm's SIGTERM.
    ['SIGINT then SIGTERM', ['SIGINT', 'SIGTERM']],
  ] as const)('%s stops a long append, rolls it back, records interrupted and exits 130', async (_name, signals) => {
    await pg.client.query('TRUNCATE numbers');
    let stop = () => false;
    const interrupted = await osiris(['run', 'pipeline.yaml', '--json'], {
      cwd: ws.dir,
      env: env(),
      onSpawn: (child) => {
        stop = whenCopying(() => {
          for (const signal of signals) child.kill(signal);
        });
      },
    }).finally(() => stop());
    expect(stop()).toBe(true);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const result = JSON.parse(interrupted.stdout);
    expect(result).toMatchObject({ status: 'interrupted', exit_code: 130 });
    expect(result.rows_read).toBeGreaterThan(0);
    expect(result.error.message).toBe('the run was interrupted');
    expect(result.error.hint).toContain('Nothing was committed');
    await expectInterrupted(result.run_dir);
  });

  it('says so on stderr, without --json', async () => {
    await pg.client.query('TRUNCATE numbers');
    let stop = () => false;
    const interrupted = await osiris(['run', 'pipeline.yaml'], {
      cwd: ws.dir,
      env: env(),
      onSpawn: (child) => {
        stop = whenCopying(() => child.kill('SIGTERM'));
      },
    }).finally(() => stop());
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/big_copy interrupted: the run was interrupted\n\s+Nothing was committed/);
  });

  it('a source that goes silent fails after --idle-timeout (which beats OSIRIS_IDLE_TIMEOUT): exit 4, recorded', async () => {
    await pg.client.query('TRUNCATE numbers');
    const proxy = await startStallingProxy(MYSQL.host, MYSQL.port);
    let stalledAt = 0;
    let stop = () => false;
    try {
      const run = await osiris(['run', 'pipeline.yaml', '--idle-timeout', '1', '--json'], {
        cwd: ws.dir,
        env: {
          ...env(),
          OSIRIS_CONN__SHOP__URL: `mysql://${MYSQL.user}@127.0.0.1:${proxy.port}/${mysql.name}`,
          OSIRIS_IDLE_TIMEOUT: '600',
        },
        onSpawn: () => {
          stop = whenCopying(() => {
            stalledAt = Date.now();
            proxy.stall();
          });
        },
      }).finally(() => stop());
      expect(stalledAt).toBeGreaterThan(0);
      expect(Date.now() - stalledAt).toBeLessThan(10_000);
      expect(run.code, run.stderr).toBe(4);
      const result = JSON.parse(run.stdout);
      expect(result.error.message).toMatch(/no data came from the source for 1 s \(the idle timeout\)/);
      expect(JSON.parse(readFileSync(join(result.run_dir, 'status.json'), 'utf8'))).toMatchObject({
        status: 'failed',
        exit_code: 4,
      });
      expect((await pg.client.query('SELECT count(*)::int AS n FROM numbers')).rows).toEqual([{ n: 0 }]);
    } finally {
      await proxy.close();
    }
  });

  it('an --idle-timeout that is not a number of seconds is a usage error (exit 2)', async () => {
    const run = await osiris(['run', 'pipeline.yaml', '--idle-timeout', '10m'], { cwd: ws.dir, env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--idle-timeout 10m is not a number of seconds');
  });

  it('Ctrl-C under `pnpm exec` records interrupted too, though pnpm leaves at once', async () => {
    await pg.client.query('TRUNCATE numbers');
    const before = new Set(existsSync(runs) ? readdirSync(runs) : []);
    // A terminal sends Ctrl-C to the whole foreground process group: pnpm and osiris.
    const pnpm = spawn('pnpm', ['--dir', e2eDir, 'exec', 'osiris', 'run', join(ws.dir, 'pipeline.yaml')], {
      env: { PATH: process.env.PATH ?? '', ...env() },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    pnpm.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    pnpm.stdout.resume();
    const stop = whenCopying(() => process.kill(-(pnpm.pid as number), 'SIGINT'));
    // pnpm ends at once (by the SIGINT); the output pipes close once osiris, which holds them too, has ended.
    const closed = new Promise<void>((resolve) => pnpm.on('close', () => resolve()));
    try {
      await closed;
    } finally {
      stop();
    }
    const [runId] = readdirSync(runs).filter((id) => !before.has(id));
    expect(stderr).toMatch(/interrupted: the run was interrupted/);
    await expectInterrupted(join(runs, runId as string));
  });
});
