// SPDX-License-Identifier: MIT
// `osiris upgrade` on pipelines written the way the Python Osiris documents them (keboola/osiris, OML 0.1.0).
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../src/upgrade/upgrade';
import { runCli } from './helpers';

const fixtures = fileURLToPath(new URL('./upgrade/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'osiris-upgrade-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh copy of a fixture in a folder of its own; returns the folder. */
function copy(name: string): string {
  const dir = mkdtempSync(join(work, 'case-'));
  copyFileSync(join(fixtures, name), join(dir, name.replace(/^.*\//, '')));
  return dir;
}

const upgradable = readdirSync(join(fixtures, 'python-osiris-0.1')).map((name) => `python-osiris-0.1/${name}`);

describe('osiris upgrade: pipelines of the Python Osiris', () => {
  it.each(
    upgradable,
  )('%s: check exits 1 and writes nothing, --write makes a valid pipeline, a second run has nothing to do', async (name) => {
    const file = name.replace(/^.*\//, '');
    const cwd = copy(name);
    const before = readFileSync(join(cwd, file), 'utf8');

    const check = await runCli(['upgrade', file], { cwd });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`upgrade pending: ${file}`);
    expect(readFileSync(join(cwd, file), 'utf8')).toBe(before);

    const write = await runCli(['upgrade', '--write', file], { cwd });
    expect(write.code).toBe(0);
    const after = readFileSync(join(cwd, file), 'utf8');
    expect(after).not.toContain('oml_version');
    expect(after).toMatch(/^version: 0\.0\.1$/m);

    const validate = await runCli(['validate', '--json', file], { cwd });
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true });
    expect(validate.code).toBe(0);

    const again = await runCli(['upgrade', file], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${file} is current`);
    const rewrite = await runCli(['upgrade', '--write', file], { cwd });
    expect(rewrite.code).toBe(0);
    expect(readFileSync(join(cwd, file), 'utf8')).toBe(after);
  });

  it('--write keeps comments, and the options in the order they were written', async () => {
    const cwd = copy('python-osiris-0.1/one-table.yaml');
    expect((await runCli(['upgrade', '--write', 'one-table.yaml'], { cwd })).code).toBe(0);
    const text = readFileSync(join(cwd, 'one-table.yaml'), 'utf8');
    for (const comment of [
      '# Copy the orders table from the shop database into Supabase',
      '# Read every row of orders',
      '# Append them to public.orders, creating the table on the first run',
      "create_table: true # the table is made from the source's columns",
    ]) {
      expect(text).toContain(comment);
    }
    expect(text.indexOf('schema: public')).toBeLessThan(text.indexOf('write_mode: append'));
  });

  it('maps upsert to merge with primary_key as merge_keys, params to their defaults, and lists what it dropped', async () => {
    const cwd = copy('python-osiris-0.1/upsert.yaml');
    const result = await runCli(['upgrade', '--json', 'upsert.yaml'], { cwd });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: false,
      write: false,
      files: [{ file: 'upsert.yaml', status: 'pending', transforms: ['python-osiris-0.1'] }],
    });
    const dropped = report.files[0].changes
      .filter((c: { kind: string }) => c.kind === 'dropped')
      .map((c: { path: string }) => c.path);
    expect([...dropped].sort()).toEqual(['profiles', 'steps[1].config.batch_size', 'steps[3].config.prefer']);
    expect(report.files[0].changes[0]).toMatchObject({ transform: 'python-osiris-0.1', kind: 'rewritten', line: 1 });

    await runCli(['upgrade', '--write', 'upsert.yaml'], { cwd });
    const text = readFileSync(join(cwd, 'upsert.yaml'), 'utf8');
    expect(text).toContain('merge_keys: [ product_id ] # one column');
    expect(text).toContain('merge_keys: [ day, user_id ] # a composite key');
    expect(text).toMatch(/^ {2}target_schema: public$/m);
    expect(text).not.toContain('write_mode: upsert');
    expect(text).not.toContain('profiles');
  });

  it('names connections @family_alias, @family for the default, and fills `from` of a sink without needs', async () => {
    const cwd = copy('python-osiris-0.1/all-tables.yaml');
    await runCli(['upgrade', '--write', 'all-tables.yaml'], { cwd });
    const text = readFileSync(join(cwd, 'all-tables.yaml'), 'utf8');
    expect(text.match(/connection: "@mysql_db_movies"/g)).toHaveLength(3);
    expect(text.match(/connection: "@supabase"/g)).toHaveLength(3);
    expect(text).toContain('from: extract-reviews');
    // select * from movies.`directors` names the schema too.
    expect(text).toMatch(/schema: movies\n\s+table: directors/);
    expect(text).toContain('# --- ACTORS ---');
  });
});

describe('osiris upgrade: what it cannot upgrade is a located error (exit 2), never dropped', () => {
  it('a component Osiris does not have', async () => {
    const cwd = copy('errors/unsupported.yaml');
    const result = await runCli(['upgrade', '--write', 'unsupported.yaml'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unsupported.yaml:12:16');
    expect(result.stderr).toContain('duckdb.transform has no counterpart in Osiris');
    expect(readFileSync(join(cwd, 'unsupported.yaml'), 'utf8')).toBe(
      readFileSync(join(fixtures, 'errors/unsupported.yaml'), 'utf8'),
    );
  });

  it('credentials written inline: every field located, no value printed', async () => {
    const cwd = copy('errors/inline-credentials.yaml');
    for (const args of [
      ['upgrade', 'inline-credentials.yaml'],
      ['upgrade', '--json', 'inline-credentials.yaml'],
    ]) {
      const result = await runCli(args, { cwd });
      expect(result.code).toBe(2);
      const printed = result.stdout + result.stderr;
      expect(printed).not.toContain('CANARY');
      expect(printed).not.toContain('db.internal');
      for (const field of ['connection', 'host', 'user', 'password', 'url', 'key']) {
        expect(printed).toContain(`config.${field}`);
      }
    }
    const json = JSON.parse((await runCli(['upgrade', '--json', 'inline-credentials.yaml'], { cwd })).stdout);
    expect(json.files[0].diagnostics[3]).toMatchObject({
      rule: 'inlineSecret',
      path: 'steps[0].config.password',
      line: 11,
      col: 17,
    });
  });

  it('a free query becomes query: and write_mode replace stays replace, now that the cards have both', async () => {
    const cwd = copy('errors/free-query.yaml');
    const check = await runCli(['upgrade', '--json', 'free-query.yaml'], { cwd });
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).files[0].diagnostics ?? []).toEqual([]);
    expect((await runCli(['upgrade', '--write', 'free-query.yaml'], { cwd })).code).toBe(0);
    const upgraded = readFileSync(join(cwd, 'free-query.yaml'), 'utf8');
    expect(upgraded).toContain('query: "SELECT id, email FROM users WHERE active = 1"');
    expect(upgraded).toContain('write_mode: replace');
    const validate = await runCli(['validate', 'free-query.yaml'], { cwd });
    expect(validate.code, validate.stderr).toBe(0);
  });

  it('several files: one error makes exit 2 while the others are still reported', async () => {
    const cwd = copy('errors/unsupported.yaml');
    copyFileSync(join(fixtures, 'python-osiris-0.1/csv-export.yaml'), join(cwd, 'csv-export.yaml'));
    const result = await runCli(['upgrade', '--json', 'csv-export.yaml', 'unsupported.yaml'], { cwd });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).files.map((f: { status: string }) => f.status)).toEqual(['pending', 'error']);
  });

  it('a current pipeline is left alone: exit 0, nothing written', async () => {
    const result = await runCli(['upgrade', 'examples/quickstart/pipeline.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('is current');
  });
});

describe('the transform registry', () => {
  it('every registered transform has fixtures that exercise it', () => {
    for (const transform of TRANSFORMS) {
      const dir = join(fixtures, transform.id);
      expect(existsSync(dir), `packages/cli/test/upgrade/${transform.id}/ holds its fixtures`).toBe(true);
      expect(readdirSync(dir).filter((name) => name.endsWith('.yaml')).length).toBeGreaterThan(0);
    }
  });
});
