// SPDX-License-Identifier: MIT
// What the README and the examples show is run here, so the docs cannot rot.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '@osiris/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { osiris, workspace } from './helpers';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const ws = workspace();
afterAll(() => ws.remove());

/** `pnpm exec osiris …` lines of the ```sh blocks of a Markdown file. */
function osirisCommands(markdown: string): string[][] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('pnpm exec osiris '))
    .map((line) => line.replace('pnpm exec osiris ', '').trim().split(/\s+/));
}

describe('README', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');

  it('gives exactly the two commands: install and run the quickstart, and run the tests', () => {
    expect(readme).toContain('```sh\npnpm install && pnpm quickstart\n```');
    expect(readme).toContain('```sh\npnpm test\n```');
    const ci = readFileSync(join(repo, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^pnpm test\b/m);
  });

  it.each(osirisCommands(readme).map((args) => [args.join(' '), args]))('osiris %s', async (_label, args) => {
    // Output folders go to a scratch folder rather than into the repository.
    const withOut = args.map((arg, i) => (args[i - 1] === '--out' ? join(ws.dir, arg) : arg));
    const result = await osiris(withOut, { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
  });

  it('shows a pipeline that validates, and the diagnostic text the CLI really prints', async () => {
    const pipeline = /```yaml\n(version: 0\.0\.1[\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const file = ws.write('readme-pipeline.yaml', pipeline);
    expect((await osiris(['validate', file], { cwd: ws.dir })).code).toBe(0);
    ws.write('pipeline.yaml', pipeline.replace(', merge_keys: [id]', ''));
    const { stderr } = await osiris(['validate', 'pipeline.yaml'], { cwd: ws.dir, env: { NO_COLOR: '1' } });
    const shown = /```text\n(error pipeline\.yaml[\s\S]*?)```/.exec(readme)?.[1] ?? 'missing';
    expect(stderr).toContain(shown.trimEnd());
  });

  it('lists every exit code the CLI defines', async () => {
    const { stdout } = await osiris(['--help'], { cwd: repo });
    for (const code of ['0', '2', '3', '4', '5', '130']) {
      expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
      expect(stdout).toMatch(new RegExp(`^\\s+${code}\\s+`, 'm'));
    }
  });
});

describe('examples', () => {
  it('embed-compiler compiles a pipeline held in a string and prints the manifest', async () => {
    const result = await runNode(join(repo, 'examples/embed-compiler/compile.mjs'), [], {
      cwd: join(repo, 'examples/embed-compiler'),
    });
    expect(result.code, result.stderr).toBe(0);
    const manifest = parse(result.stdout);
    expect(manifest).toMatchObject({ kind: 'RunManifest', pipeline: 'embedded' });
    expect(manifest.steps.map((step: { id: string }) => step.id)).toEqual(['src', 'dst']);
  });

  it.each([
    'mysql-to-supabase-merge',
    'supabase-append',
    'supabase-merge',
    'quickstart',
  ])('%s validates strictly', async (name) => {
    const result = await osiris(['validate', `examples/${name}/pipeline.yaml`, '--mode', 'strict'], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
  });
});
