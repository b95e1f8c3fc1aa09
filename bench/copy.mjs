// SPDX-License-Identifier: MIT
// pnpm bench:copy — MySQL → Postgres throughput of `osiris run` (append and merge) beside baselines
// measured in the same run on the same data:
//   append baseline: mariadb --batch --quick | psql \copy
//   merge baseline:  the same pipe into a psql script that COPYs into a staging table and upserts with ON CONFLICT
//   Postgres → Postgres append (in_memory_move, ADR 0013): psql \copy (SELECT …) TO STDOUT | psql \copy … FROM STDIN
//   Postgres → MySQL append (mysql.table as a sink, ADR 0023): psql \copy (SELECT …) TO STDOUT | mariadb LOAD DATA LOCAL INFILE
// and osiris's peak RSS at two table sizes (SPEC §9). Uses the local MariaDB (root) and PostgreSQL (postgres).
// Each baseline and its osiris run alternate (A B, then B A, …) so that a change in the machine's load
// between runs hits both alike; the table gives medians, and the CPU seconds (user + system) of the
// measured processes (for a pipe, of all its processes; never the database servers').
//   rejects on clean data: max_rejects 0 (baseline) beside max_rejects 1000 (ADR 0020), both osiris runs; then
//   one load with 3 rows a CHECK refuses (max_rejects 10: all others in; max_rejects 2: rolled back)
// Options: --rows N (default 1000000), --large-rows N (default 5000000, 0 to skip), --repeat N (default 3),
// --rejects-only 1 (only the rejects cases).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable } from './stats.mjs';

const arg = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const rows = arg('rows', 1_000_000);
const largeRows = arg('large-rows', 5_000_000);
const repeat = arg('repeat', 3);
const rejectsOnly = arg('rejects-only', 0) === 1;
// `--only incremental`: only the incremental merge against the full merge (issue #17).
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const incrementalOnly = only === 'incremental';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'packages/cli/bin/osiris.js');
// One database per bench process: two benches on one machine do not drop each other's tables.
const db = `osiris_bench_${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'osiris-bench-copy-'));
const columns = 'id, qty, price, name, note, created_at';

const mysql = (sql) =>
  execFileSync('mariadb', ['-h', '127.0.0.1', '-u', 'root', '--batch', '-e', sql], { encoding: 'utf8' });
process.env.PGOPTIONS = '-c client_min_messages=warning';
const psql = (sql, database = db) =>
  execFileSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql],
    { encoding: 'utf8' },
  );

function prepareSource(count) {
  mysql(`DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4;
    CREATE TABLE ${db}.bench_rows (id BIGINT PRIMARY KEY, qty INT NOT NULL, price DECIMAL(12,2) NOT NULL,
      name VARCHAR(64) NOT NULL, note TEXT NULL, created_at DATETIME NULL);
    USE ${db};
    INSERT INTO bench_rows SELECT seq, seq % 1000, (seq % 100000) / 100, CONCAT('name-', seq),
      CASE seq % 7 WHEN 0 THEN NULL WHEN 1 THEN 'tab\\there' WHEN 2 THEN 'line\\nbreak' WHEN 3 THEN 'back\\\\slash'
        WHEN 4 THEN '\\\\N' WHEN 5 THEN 'NULL' ELSE '' END,
      IF(seq % 11 = 0, NULL, TIMESTAMP('2026-01-01') + INTERVAL (seq % 100000) SECOND)
    FROM seq_1_to_${count};`);
}

/**
 * An empty target, and a checkpoint: the previous run's dirty pages and WAL are flushed now, untimed,
 * instead of by the background checkpointer during whichever run comes next.
 */
function resetTarget() {
  psql(`DROP TABLE IF EXISTS bench_rows; CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, qty INT NOT NULL,
    price NUMERIC(12,2) NOT NULL, name TEXT NOT NULL, note TEXT, created_at TIMESTAMP)`);
  psql('CHECKPOINT');
}

/**
 * Runs a shell command under GNU time; returns wall seconds, the CPU seconds (user + system) of the
 * command and its children, and the peak RSS of the largest process in MB.
 */
function timed(command, env = {}) {
  const out = join(work, 'time.txt');
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', out, 'bash', '-c', command], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`failed (${result.status}): ${command}\n${result.stderr}`);
  const [seconds, kb, user, system] = execFileSync('cat', [out], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  return { seconds, rssMb: kb / 1024, cpu: user + system };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const select = `SELECT ${columns} FROM bench_rows`;
const pipe = `mariadb -h 127.0.0.1 -u root --batch --quick --skip-column-names ${db} -e "${select}"`;
const copyOptions = "(FORMAT text, NULL 'NULL')";
const appendBaseline = `${pipe} | psql -h 127.0.0.1 -U postgres -d ${db} -v ON_ERROR_STOP=1 -q -c "\\copy bench_rows (${columns}) FROM STDIN WITH ${copyOptions}"`;
const mergeScript = join(work, 'merge.sql');
writeFileSync(
  mergeScript,
  `BEGIN;
CREATE TEMP TABLE stage (LIKE bench_rows) ON COMMIT DROP;
\\copy stage (${columns}) FROM pstdin WITH ${copyOptions}
INSERT INTO bench_rows SELECT * FROM stage
  ON CONFLICT (id) DO UPDATE SET qty = EXCLUDED.qty, price = EXCLUDED.price, name = EXCLUDED.name,
    note = EXCLUDED.note, created_at = EXCLUDED.created_at;
COMMIT;
`,
);
const mergeBaseline = `${pipe} | psql -h 127.0.0.1 -U postgres -d ${db} -v ON_ERROR_STOP=1 -q -f ${mergeScript}`;
/** `osiris run` of a pipeline into `bench_rows`: from MySQL's `bench_rows`, or (`fromPostgres`) from Postgres's `bench_src`. */
const pipeline = (mode, fromPostgres = false, maxRejects = undefined, incremental = false) => {
  const file = join(
    work,
    `${mode}${fromPostgres ? '-pg' : ''}${maxRejects === undefined ? '' : `-r${maxRejects}`}${incremental ? '-inc' : ''}.yaml`,
  );
  const source = fromPostgres
    ? '{ id: src, type: supabase.table, connection: "@pgsrc", mode: read, options: { table: bench_src } }'
    : `{ id: src, type: mysql.table, connection: "@src", mode: read, options: { table: bench_rows${incremental ? ', incremental: { cursor: created_at, lag: 60 }' : ''} } }`;
  writeFileSync(
    file,
    `version: 0.0.1
name: bench_${mode}
params: { chunk_size: 10000 }
sources:
  - ${source}
sinks:
  - id: dst
    type: supabase.table
    connection: "@dst"
    mode: write
    options: { table: bench_rows, write_mode: ${mode}${mode === 'merge' ? ', merge_keys: [id]' : ''}${maxRejects === undefined ? '' : `, max_rejects: ${maxRejects}`} }
`,
  );
  return `node ${bin} run ${file} --runs-dir ${join(work, 'runs')}`;
};
const env = {
  OSIRIS_CONN__SRC__URL: `mysql://root@127.0.0.1:3306/${db}`,
  OSIRIS_CONN__PGSRC__URL: `postgresql://postgres@127.0.0.1:5432/${db}`,
  OSIRIS_CONN__DST__URL: `postgresql://postgres@127.0.0.1:5432/${db}`,
  OSIRIS_CONN__MYDST__URL: `mysql://root@127.0.0.1:3306/${db}`,
};
// Postgres → MySQL: COPY text is what LOAD DATA reads by default (tab, newline, backslash escapes, \N).
const resetMysqlTarget = () =>
  mysql(`DROP TABLE IF EXISTS ${db}.bench_dst; CREATE TABLE ${db}.bench_dst (id BIGINT PRIMARY KEY, qty INT NOT NULL,
    price DECIMAL(12,2) NOT NULL, name VARCHAR(64) NOT NULL, note TEXT NULL, created_at DATETIME NULL)`);
const toMysqlBaseline = `psql -h 127.0.0.1 -U postgres -d ${db} -v ON_ERROR_STOP=1 -q -c "\\copy (SELECT ${columns} FROM bench_src) TO STDOUT" | mariadb -h 127.0.0.1 -u root --local-infile=1 ${db} -e "LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE bench_dst CHARACTER SET utf8mb4 (${columns})"`;
const toMysqlPipeline = () => {
  const file = join(work, 'append-to-mysql.yaml');
  writeFileSync(
    file,
    `version: 0.0.1
name: bench_to_mysql
params: { chunk_size: 10000 }
sources:
  - { id: src, type: supabase.table, connection: "@pgsrc", mode: read, options: { table: bench_src } }
sinks:
  - { id: dst, type: mysql.table, connection: "@mydst", mode: write, options: { table: bench_dst } }
`,
  );
  return `node ${bin} run ${file} --runs-dir ${join(work, 'runs')}`;
};
// Postgres → Postgres: the same rows from a second table of the same database, through a psql pipe.
const psqlIn = `psql -h 127.0.0.1 -U postgres -d ${db} -v ON_ERROR_STOP=1 -q -c "\\copy bench_rows (${columns}) FROM STDIN"`;
const pgBaseline = `psql -h 127.0.0.1 -U postgres -d ${db} -v ON_ERROR_STOP=1 -q -c "\\copy (SELECT ${columns} FROM bench_src) TO STDOUT" | ${psqlIn}`;

const summary = (label, samples) => ({
  label,
  seconds: median(samples.map((s) => s.seconds)),
  cpu: median(samples.map((s) => s.cpu)),
  rssMb: Math.max(...samples.map((s) => s.rssMb)),
});

/** A baseline and the osiris run it is compared with, alternating (A B, B A, …), each after `before()`. */
function measurePair(labels, baseline, osiris, before, baselineEnv = {}) {
  const runs = [
    { command: baseline, env: baselineEnv, samples: [] },
    { command: osiris, env, samples: [] },
  ];
  for (let i = 0; i < repeat; i++) {
    for (const run of i % 2 === 0 ? runs : [...runs].reverse()) {
      before();
      run.samples.push(timed(run.command, run.env));
    }
  }
  return [summary(labels[0], runs[0].samples), summary(labels[1], runs[1].samples)];
}

/**
 * Incremental merge (issue #17): the target holds every row and the state its watermark; 0.1 % of the
 * source's rows change (a new, later cursor), then `osiris run` of the incremental pipeline, against
 * the full merge of the same table in the same run (both into a target that has every row).
 */
function incrementalBench(fill) {
  mysql(`ALTER TABLE ${db}.bench_rows ADD INDEX bench_created (created_at)`);
  fill();
  timed(pipeline('merge', false, undefined, true), env); // the first run: every row, and the watermark
  psql('CHECKPOINT');
  let round = 0;
  const change = () => {
    round += 1;
    mysql(
      `UPDATE ${db}.bench_rows SET qty = qty + 1, created_at = TIMESTAMP('2026-06-01') + INTERVAL ${round} DAY + INTERVAL id SECOND WHERE id % 1000 = 0`,
    );
    psql('CHECKPOINT');
  };
  const full = [];
  const incremental = [];
  for (let i = 0; i < repeat; i++) {
    change();
    incremental.push(timed(pipeline('merge', false, undefined, true), env));
    change();
    full.push(timed(pipeline('merge'), env));
  }
  const inc = summary('incremental merge, 0.1 % changed: osiris run', incremental);
  const all = summary('full merge, same table: osiris run (baseline)', full);
  console.log(`\n${rows.toLocaleString('en-US')} rows, 0.1 % changed, ${repeat} runs each (median):`);
  printTable([
    ['what', 'median s', 'vs full merge', 'CPU s', 'peak RSS MB'],
    [all.label, all.seconds.toFixed(2), '100 %', all.cpu.toFixed(2), all.rssMb.toFixed(0)],
    [
      inc.label,
      inc.seconds.toFixed(2),
      `${((inc.seconds / all.seconds) * 100).toFixed(1)} %`,
      inc.cpu.toFixed(2),
      inc.rssMb.toFixed(0),
    ],
  ]);
  console.log('target: incremental merge under 5 % of the full merge');
}

try {
  psql(`DROP DATABASE IF EXISTS ${db}`, 'postgres');
  psql(`CREATE DATABASE ${db}`, 'postgres');
  console.log(`Preparing ${rows.toLocaleString('en-US')} rows in MariaDB …`);
  prepareSource(rows);
  const fill = () => {
    resetTarget();
    timed(appendBaseline);
    psql('CHECKPOINT');
  };
  if (incrementalOnly) incrementalBench(fill);
  const rejectsPairs = incrementalOnly
    ? []
    : [
        ...measurePair(
          ['append, clean data: osiris max_rejects 0 (baseline)', 'append, clean data: osiris max_rejects 1000'],
          pipeline('append', false, 0),
          pipeline('append', false, 1000),
          resetTarget,
          env,
        ),
        ...measurePair(
          ['merge, clean data: osiris max_rejects 0 (baseline)', 'merge, clean data: osiris max_rejects 1000'],
          pipeline('merge', false, 0),
          pipeline('merge', false, 1000),
          resetTarget,
          env,
        ),
      ];
  const results = [
    ...(rejectsOnly || incrementalOnly
      ? []
      : measurePair(
          ['append: mariadb | psql \\copy (baseline)', 'append: osiris run'],
          appendBaseline,
          pipeline('append'),
          resetTarget,
        )),
    ...rejectsPairs,
    ...(rejectsOnly || incrementalOnly
      ? []
      : measurePair(
          ['merge into empty: psql staging + ON CONFLICT (baseline)', 'merge into empty: osiris run'],
          mergeBaseline,
          pipeline('merge'),
          resetTarget,
        )),
    ...(rejectsOnly || incrementalOnly
      ? []
      : measurePair(
          ['merge, all rows present: psql staging + ON CONFLICT (baseline)', 'merge, all rows present: osiris run'],
          mergeBaseline,
          pipeline('merge'),
          fill,
        )),
    ...(rejectsOnly || incrementalOnly
      ? []
      : (() => {
          // The Postgres source: the MySQL rows, loaded once (untimed) into bench_src.
          fill();
          psql(
            'DROP TABLE IF EXISTS bench_src; CREATE TABLE bench_src AS TABLE bench_rows; ALTER TABLE bench_src ADD PRIMARY KEY (id)',
          );
          return measurePair(
            [
              'postgres → postgres append: psql \\copy | psql \\copy (baseline)',
              'postgres → postgres append: osiris run',
            ],
            pgBaseline,
            pipeline('append', true),
            resetTarget,
          );
        })()),
    ...(rejectsOnly || incrementalOnly
      ? []
      : measurePair(
          [
            'postgres → mysql append: psql \\copy | mariadb LOAD DATA (baseline)',
            'postgres → mysql append: osiris run',
          ],
          toMysqlBaseline,
          toMysqlPipeline(),
          resetMysqlTarget,
        )),
  ];
  const table = [['what', 'median s', 'rows/s', 'throughput vs baseline', 'CPU s', 'peak RSS MB']];
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    const baseline = results[i % 2 === 0 ? i : i - 1];
    const ratio = i % 2 === 0 ? '1.00x' : `${(baseline.seconds / r.seconds).toFixed(2)}x`;
    table.push([
      r.label,
      r.seconds.toFixed(2),
      Math.round(rows / r.seconds).toLocaleString('en-US'),
      ratio,
      r.cpu.toFixed(2),
      r.rssMb.toFixed(0),
    ]);
  }
  if (results.length > 0) {
    console.log(`\n${rows.toLocaleString('en-US')} rows, ${repeat} runs each (median), ${cpus().length} cores:`);
    printTable(table);
    console.log(
      'targets: append and merge ≥ 0.90x of their baselines (postgres → mysql ≥ 0.90x); osiris peak RSS < 200 MB',
    );
    console.log('target: max_rejects 1000 on clean data within noise (≈1.00x) of max_rejects 0');
  }

  // Three rows a CHECK refuses, once each way (ADR 0020): all other rows in, or all rolled back.
  if (!incrementalOnly) {
    const bad = [3, Math.floor(rows / 2), rows - 1];
    mysql(`UPDATE ${db}.bench_rows SET qty = -1 WHERE id IN (${bad.join(', ')})`);
    resetTarget();
    psql('ALTER TABLE bench_rows ADD CHECK (qty >= 0)');
    const within = timed(`${pipeline('append', false, 10)} > /dev/null`, env);
    const loaded = Number(psql('SELECT count(*) FROM bench_rows'));
    resetTarget();
    psql('ALTER TABLE bench_rows ADD CHECK (qty >= 0)');
    const over = spawnSync('bash', ['-c', `${pipeline('append', false, 2)} > /dev/null 2>&1`], {
      env: { ...process.env, ...env },
    });
    const after = Number(psql('SELECT count(*) FROM bench_rows'));
    mysql(`UPDATE ${db}.bench_rows SET qty = id % 1000 WHERE id IN (${bad.join(', ')})`);
    printTable([
      ['3 rows refused by a CHECK', 'exit', 'rows in target', 'seconds'],
      ['max_rejects 10', '0', loaded.toLocaleString('en-US'), within.seconds.toFixed(2)],
      ['max_rejects 2', String(over.status), after.toLocaleString('en-US'), '-'],
    ]);
  }

  if (!rejectsOnly && !incrementalOnly) incrementalBench(fill);

  if (largeRows > 0 && !rejectsOnly && !incrementalOnly) {
    console.log(`\nPreparing ${largeRows.toLocaleString('en-US')} rows for the memory check …`);
    prepareSource(largeRows);
    // One run each, baseline first: throughput at this size, and osiris's peak RSS.
    resetTarget();
    const largeBaseline = timed(appendBaseline);
    resetTarget();
    const large = timed(pipeline('append'), env);
    resetTarget();
    const small = results[1];
    printTable([
      ['rows', 'osiris append s', 'pipe s', 'throughput vs pipe', 'peak RSS MB'],
      [
        rows.toLocaleString('en-US'),
        small.seconds.toFixed(2),
        results[0].seconds.toFixed(2),
        `${(results[0].seconds / small.seconds).toFixed(2)}x`,
        small.rssMb.toFixed(0),
      ],
      [
        largeRows.toLocaleString('en-US'),
        large.seconds.toFixed(2),
        largeBaseline.seconds.toFixed(2),
        `${(largeBaseline.seconds / large.seconds).toFixed(2)}x`,
        large.rssMb.toFixed(0),
      ],
    ]);
    console.log('target: peak RSS < 200 MB and flat from the small to the large table');
  }
} finally {
  psql(`DROP DATABASE IF EXISTS ${db}`, 'postgres');
  mysql(`DROP DATABASE IF EXISTS ${db}`);
  rmSync(work, { recursive: true, force: true });
}
