// SPDX-License-Identifier: MIT
// The published packages work outside this repository: pack every public package, install the tarballs
// with npm into an empty folder, and use the CLI and the compiler from there.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '@osiris/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspace } from './helpers';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const ws = workspace();
let bin: string;

beforeAll(() => {
  const tarballs = join(ws.dir, 'tarballs');
  for (const dir of readdirSync(join(repo, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(repo, 'packages', dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(repo, 'packages', dir),
      stdio: 'ignore',
    });
  }
  const app = join(ws.dir, 'app');
  cpSync(join(repo, 'examples'), join(app, 'examples'), { recursive: true });
  execFileSync('npm', ['init', '-y'], { cwd: app, stdio: 'ignore' });
  const files = readdirSync(tarballs).map((name) => join(tarballs, name));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], {
    cwd: app,
    stdio: 'pipe',
  });
  bin = join(app, 'node_modules', '@osiris', 'cli', 'bin', 'osiris.js');
}, 300_000);

afterAll(() => ws.remove());

const inApp = () => join(ws.dir, 'app');

describe('installed from tarballs, outside the repository', () => {
  it('osiris --version and components list work with the built-in specs', async () => {
    const version = await runNode(bin, ['--version'], { cwd: inApp() });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(join(repo, 'packages/cli/package.json'), 'utf8')).version,
    );
    const list = await runNode(bin, ['components', 'list'], { cwd: inApp() });
    expect(list.code, list.stderr).toBe(0);
    for (const name of ['filesystem.csv', 'mysql.table', 'supabase.table']) expect(list.stdout).toContain(name);
  });

  it('osiris compile writes a manifest', async () => {
    const result = await runNode(bin, ['compile', 'examples/mysql-to-supabase-merge/pipeline.yaml', '--out', 'build'], {
      cwd: inApp(),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(inApp(), 'build', 'manifest.yaml'), 'utf8')).toContain('kind: RunManifest');
  });

  it('osiris run runs the quickstart pipeline, twice', async () => {
    const args = [
      'run',
      'examples/quickstart/pipeline.yaml',
      '--secrets-file',
      'examples/quickstart/secrets.yaml',
      '--json',
    ];
    const first = await runNode(bin, args, { cwd: inApp() });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, rows_written: 3000 });
    const second = await runNode(bin, args, { cwd: inApp() });
    expect(second.code, second.stderr).toBe(0);
    const sink = JSON.parse(second.stdout).steps.find((step: { id: string }) => step.id === 'customers');
    expect(sink).toMatchObject({ rows_written: 3000, rows_inserted: 0, rows_updated: 0, rows_unchanged: 3000 });
  });

  it('the embed-compiler example runs against the installed packages', async () => {
    const result = await runNode(join(inApp(), 'examples/embed-compiler/compile.mjs'), [], { cwd: inApp() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('pipeline: embedded');
  });
});
