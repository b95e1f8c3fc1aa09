// SPDX-License-Identifier: MIT
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSchemaValidator, EXIT_CODES } from '@osiris/registry';
import { readTree } from '@osiris/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, runCli, spawnCli, spawnCliIntoClosedPipe, tempDirs } from './helpers';

const dirs = tempDirs();
afterAll(() => dirs.clean());
const example = 'examples/mysql-to-supabase-merge/pipeline.yaml';

describe('osiris (built binary)', () => {
  it('--version prints the package version', async () => {
    const { code, stdout } = await spawnCli(['--version']);
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8'));
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('--help lists the commands, the environment variables and the exit codes', async () => {
    const { code, stdout } = await spawnCli(['--help']);
    expect(code).toBe(0);
    for (const text of [
      'components',
      'validate',
      'compile',
      'OSIRIS_VALIDATION',
      'OSIRIS_CONN__<NAME>__<FIELD>',
      'OSIRIS_IDLE_TIMEOUT',
      '130  interrupted (Ctrl-C, SIGTERM, SIGHUP)',
    ]) {
      expect(stdout).toContain(text);
    }
  });

  it('run --help shows --idle-timeout with its variable and default', async () => {
    const { code, stdout } = await runCli(['run', '--help']);
    expect(code).toBe(0);
    const flag = stdout.replace(/\s+/g, ' ');
    expect(flag).toContain(
      '--idle-timeout <seconds> fail a step whose source sends nothing for this long; 0 waits forever (env OSIRIS_IDLE_TIMEOUT, default 600)',
    );
  });

  it('compiles to byte-identical files from different working directories', async () => {
    const a = dirs.make();
    const b = dirs.make();
    const pipeline = join(a, 'pipeline.yaml');
    cpSync(join(repoRoot, example), pipeline);
    const first = await spawnCli(['compile', 'pipeline.yaml', '--out', 'out'], { cwd: a });
    const second = await spawnCli(['compile', pipeline, '--out', join(b, 'nested', 'out')], { cwd: repoRoot });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const tree = readTree(join(a, 'out'));
    expect(Object.keys(tree).sort()).toEqual(['cfg/dst.json', 'cfg/src.json', 'manifest.yaml']);
    expect(readTree(join(b, 'nested', 'out'))).toEqual(tree);
    expect(JSON.stringify(tree)).not.toContain(a);
    expect(tree['manifest.yaml']).toBe(
      readFileSync(join(repoRoot, 'packages/compiler/test/golden/mysql-to-supabase-merge/manifest.yaml'), 'utf8'),
    );
  });

  it('exits 3 when the output folder cannot be written', async () => {
    const dir = dirs.make();
    writeFileSync(join(dir, 'blocker'), 'x');
    const { code, stderr } = await spawnCli(['compile', join(repoRoot, example), '--out', join(dir, 'blocker', 'out')]);
    expect(code).toBe(3);
    expect(stderr).toContain('cannot write the compiled pipeline');
  });
});

describe('osiris --help', () => {
  it('prints every exit code of the registry table, with its description, and nothing else under Exit codes', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    const section = stdout.slice(stdout.indexOf('Exit codes:')).split('\n\n')[0] ?? '';
    const rows = section.split('\n').slice(1);
    expect(rows).toEqual(EXIT_CODES.map((row) => `  ${String(row.code).padEnd(5)}${row.description}`));
    expect(rows.map((row) => Number(row.trim().split(/\s+/)[0]))).toEqual([0, 1, 2, 3, 4, 5, 130]);
  });

  it('lists OSIRIS_ENGINE among the environment variables', async () => {
    const { stdout } = await runCli(['--help']);
    expect(stdout).toMatch(/^ {2}OSIRIS_ENGINE +local \| e2b: the engine osiris compile records \(default local\)$/m);
  });
});

describe('osiris writing into a pipe whose reader has gone (osiris … | head -1)', () => {
  // A finished run, as `osiris run` leaves it.
  const runsDir = dirs.make();
  const runId = 'r_20261127T143000Z_ab12cd';
  mkdirSync(join(runsDir, runId, 'cfg'), { recursive: true });
  writeFileSync(join(runsDir, runId, 'status.json'), `{"run_id":"${runId}","status":"succeeded","exit_code":0}\n`);

  it.each([
    ['components list', ['components', 'list']],
    ['components spec supabase.table', ['components', 'spec', 'supabase.table']],
    ['runs view latest', ['runs', 'view', 'latest', '--runs-dir', runsDir]],
    ['runs list --json', ['runs', 'list', '--json', '--runs-dir', runsDir]],
  ])('%s exits 0 quietly', async (_label, args) => {
    const { code, stderr } = await spawnCliIntoClosedPipe(args, 'stdout');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it("a closed stderr leaves the command's own exit code", async () => {
    const { code, stdout } = await spawnCliIntoClosedPipe(['validate', 'nope.yaml'], 'stderr');
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });
});

describe('osiris components', () => {
  it('list prints both components with modes and capabilities', async () => {
    const { code, stdout } = await runCli(['components', 'list']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/mysql\.table\s+0\.1\.0\s+read,write\s+discovery/);
    expect(stdout).toMatch(/supabase\.table\s+0\.1\.0\s+read,write\s+discovery,in_memory_move\s/);
  });

  it('list --json is machine-readable', async () => {
    const { stdout } = await runCli(['components', 'list', '--json']);
    expect(JSON.parse(stdout).map((c: { name: string; modes: string[] }) => [c.name, c.modes])).toEqual(
      expect.arrayContaining([
        ['mysql.table', ['read', 'write']],
        ['supabase.table', ['read', 'write']],
      ]),
    );
  });

  it('spec prints the full card as yaml or json', async () => {
    const yaml = await runCli(['components', 'spec', 'supabase.table']);
    expect(yaml.stdout).toContain('name: supabase.table');
    expect(yaml.stdout).toContain('merge_keys is required when write_mode is merge');
    const json = await runCli(['components', 'spec', 'mysql.table', '--format', 'json']);
    // A read names its rows once: table, tables (ADR 0021) or query (ADR 0022), a card rule rather than `required`.
    expect(JSON.parse(json.stdout).constraints[0].exactlyOne).toEqual([
      'options.table',
      'options.tables',
      'options.query',
    ]);
  });

  it('spec of an unknown type exits 2 and suggests the nearest name', async () => {
    const { code, stderr, stdout } = await runCli(['components', 'spec', 'supabase.tabel']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('did you mean "supabase.table"?');
  });
});

describe('osiris spec-lint', () => {
  it('passes on the built-in cards', async () => {
    const { code, stdout } = await runCli(['spec-lint']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\d+ spec card\(s\) valid: .*mysql\.table.*supabase\.table/);
  });

  it('exits 2 and names file and field for a broken folder', async () => {
    const dir = dirs.make();
    mkdirSync(join(dir, 'demo.x'));
    writeFileSync(
      join(dir, 'demo.x', 'spec.yaml'),
      'apiVersion: osiris.v1\nkind: ComponentSpec\nname: demo.x\nversion: 1.0.0\ntitle: t\ndescription: d\nmodes: [read]\ncapabilities: []\nconfigSchema: { type: object }\ncolour: red\n',
    );
    const { code, stderr } = await runCli(['spec-lint', dir]);
    expect(code).toBe(2);
    expect(stderr).toContain(`error ${join(dir, 'demo.x', 'spec.yaml')}:10:1  colour  unknown field "colour"`);
  });
});

describe('osiris validate', () => {
  it('exits 0 for a valid pipeline', async () => {
    const { code, stdout } = await runCli(['validate', example]);
    expect(code).toBe(0);
    expect(stdout).toContain('is valid: 2 step(s)');
  });

  it('prints one block per diagnostic with file:line:col, path, why, fix and example; exits 2', async () => {
    const dir = dirs.make();
    writeFileSync(
      join(dir, 'p.yaml'),
      readFileSync(join(repoRoot, example), 'utf8').replace('write_mode: merge, merge_keys: [id]', 'write_mode: merge'),
    );
    const { code, stderr } = await runCli(['validate', 'p.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error p.yaml:17:5  dst.options.merge_keys  merge_keys is required when write_mode is merge',
    );
    expect(stderr).toContain(
      '  why: supabase.table requires this whenever mode is write and options.write_mode is merge.',
    );
    expect(stderr).toContain('  fix: Add "merge_keys".');
    expect(stderr).toContain('  example: merge_keys: [id]');
  });

  it('--json prints the diagnostics for scripts', async () => {
    const dir = dirs.make();
    writeFileSync(
      join(dir, 'p.yaml'),
      readFileSync(join(repoRoot, example), 'utf8').replace('mysql.table', 'mysql.tabel'),
    );
    const { code, stdout } = await runCli(['validate', 'p.yaml', '--json'], { cwd: dir });
    expect(code).toBe(2);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(false);
    expect(report.diagnostics[0]).toMatchObject({
      rule: 'unknownComponent',
      file: 'p.yaml',
      line: 8,
      suggestion: 'mysql.table',
    });
  });

  it('mode: flag beats OSIRIS_VALIDATION beats warn', async () => {
    const dir = dirs.make();
    writeFileSync(
      join(dir, 'p.yaml'),
      readFileSync(join(repoRoot, example), 'utf8').replace('chunk_size: 5000', 'chunk_size: 5000\n  unused: 1'),
    );
    expect((await runCli(['validate', 'p.yaml'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['validate', 'p.yaml'], { cwd: dir, env: { OSIRIS_VALIDATION: 'strict' } })).code).toBe(2);
    expect(
      (await runCli(['validate', 'p.yaml', '--mode', 'warn'], { cwd: dir, env: { OSIRIS_VALIDATION: 'strict' } })).code,
    ).toBe(0);
    // A bad variable is a configuration error (exit 5); a bad flag a usage error (exit 2).
    const bad = await runCli(['validate', 'p.yaml'], { cwd: dir, env: { OSIRIS_VALIDATION: 'loose' } });
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain('OSIRIS_VALIDATION=loose is not one of warn, strict, off');
    expect(bad.stderr).toContain('Unset OSIRIS_VALIDATION, or set it to one of warn, strict, off.');
    const badFlag = await runCli(['validate', 'p.yaml', '--mode', 'loose'], { cwd: dir });
    expect(badFlag.code).toBe(2);
  });

  it('a missing file exits 2 with its name', async () => {
    const { code, stderr } = await runCli(['validate', 'nope.yaml']);
    expect(code).toBe(2);
    expect(stderr).toContain('nope.yaml: no such file');
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    expect((await runCli(['valdate', example])).code).toBe(2);
    expect((await runCli(['validate', example, '--strict'])).code).toBe(2);
  });
});

describe('osiris compile', () => {
  it('writes manifest.yaml and cfg/<step>.json; --param overrides; --json reports files', async () => {
    const dir = dirs.make();
    writeFileSync(join(dir, 'p.yaml'), readFileSync(join(repoRoot, example), 'utf8'));
    const { code, stdout } = await runCli(
      ['compile', 'p.yaml', '--out', 'build', '--param', 'chunk_size=20000', '--json'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, files: ['manifest.yaml', 'cfg/src.json', 'cfg/dst.json'] });
    expect(readFileSync(join(dir, 'build', 'manifest.yaml'), 'utf8')).toContain('chunk_size: 20000');
  });

  it('exits 2 and writes nothing for an invalid pipeline or an undeclared --param', async () => {
    const dir = dirs.make();
    writeFileSync(join(dir, 'p.yaml'), readFileSync(join(repoRoot, example), 'utf8'));
    const { code, stderr } = await runCli(['compile', 'p.yaml', '--out', 'build', '--param', 'chunk=1'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('--param chunk is not declared by the pipeline');
    expect(readdirSync(dir)).toEqual(['p.yaml']);
  });

  it('records the engine', async () => {
    const dir = dirs.make();
    await runCli(['compile', join(repoRoot, example), '--out', dir, '--engine', 'e2b']);
    expect(readFileSync(join(dir, 'manifest.yaml'), 'utf8')).toContain('engine: e2b');
  });

  it('engine: --engine beats OSIRIS_ENGINE beats local; a bad OSIRIS_ENGINE exits 5', async () => {
    const engineOf = async (args: string[], env: Record<string, string>) => {
      const dir = dirs.make();
      const { code, stderr } = await runCli(['compile', join(repoRoot, example), '--out', dir, ...args], { env });
      expect(code, stderr).toBe(0);
      return /engine: (\w+)/.exec(readFileSync(join(dir, 'manifest.yaml'), 'utf8'))?.[1];
    };
    expect(await engineOf([], {})).toBe('local');
    expect(await engineOf([], { OSIRIS_ENGINE: 'e2b' })).toBe('e2b');
    expect(await engineOf(['--engine', 'local'], { OSIRIS_ENGINE: 'e2b' })).toBe('local');
    const dir = dirs.make();
    const bad = await runCli(['compile', join(repoRoot, example), '--out', join(dir, 'out')], {
      env: { OSIRIS_ENGINE: 'cloud' },
    });
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain('OSIRIS_ENGINE=cloud is not one of local, e2b');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('osiris prompts build-context', () => {
  it('writes the context once and reuses it until a spec changes', async () => {
    const dir = dirs.make();
    const first = await runCli(['prompts', 'build-context', '--json'], { cwd: dir });
    expect(JSON.parse(first.stdout)).toMatchObject({ cached: false, out: '.osiris_prompts/context.json' });
    expect(JSON.parse(first.stdout).tokens).toBeLessThan(2000);
    const second = await runCli(['prompts', 'build-context', '--json'], { cwd: dir });
    expect(JSON.parse(second.stdout).cached).toBe(true);
    const file = join(dir, '.osiris_prompts/context.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"registry":"sha256-[0-9a-f]+"/, '"registry":"sha256-old"'));
    const third = await runCli(['prompts', 'build-context', '--json'], { cwd: dir });
    expect(JSON.parse(third.stdout).cached).toBe(false);
  });
});

describe('osiris schema', () => {
  it('prints the OML schema with every component inlined, which accepts the examples', async () => {
    const { code, stdout } = await runCli(['schema', 'oml']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema.properties.sinks.items.properties.type.enum).toEqual(expect.arrayContaining(['supabase.table']));
    const check = createSchemaValidator(schema, { subject: 'a pipeline' });
    const pipeline = parse(readFileSync(join(repoRoot, example), 'utf8'));
    expect(check(pipeline)).toEqual([]);
    const invented = { ...pipeline, sinks: [{ ...pipeline.sinks[0], options: { table: 't', invented: 1 } }] };
    expect(check(invented)).not.toEqual([]);
  });

  it('writes the manifest schema to a file; an unknown kind exits 2', async () => {
    const dir = dirs.make();
    expect((await runCli(['schema', 'manifest', '--out', 'm.json'], { cwd: dir })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')).title).toBe('Osiris Run Manifest');
    expect((await runCli(['schema', 'nope'])).code).toBe(2);
  });
});
