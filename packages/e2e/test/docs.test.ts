// SPDX-License-Identifier: MIT
// What the README and the examples show is run here, so the docs cannot rot.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

  it('writes every osiris command the same way, as `pnpm exec osiris` (what works in a clone)', () => {
    const blocks = [...readme.matchAll(/```\w*\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    const prose = readme.replace(/```\w*\n[\s\S]*?```/g, '');
    const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? '');
    const bare = [...blocks, ...spans]
      .flatMap((code) => code.split('\n'))
      .filter((line) => /(?<![\w./@-])(?<!exec )osiris (?=[a-z-])/.test(line));
    expect(bare).toEqual([]);
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

  it('lists every exit code the CLI defines, with the words of --help', async () => {
    const { stdout } = await osiris(['--help'], { cwd: repo });
    const helpSection = stdout.slice(stdout.indexOf('Exit codes:\n')).split('\n\n')[0] ?? '';
    const help = [...helpSection.matchAll(/^ {2}(\d+) +(.+)$/gm)].map((m) => `| ${m[1]} | ${m[2]} |`);
    const tableSection = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('<!-- exit-codes:end -->'));
    const table = [...tableSection.matchAll(/^\| \d+ \| .+ \|$/gm)].map((m) => m[0]);
    expect(help.map((row) => row.split(' | ')[0])).toEqual(['| 0', '| 1', '| 2', '| 3', '| 4', '| 5', '| 130']);
    expect(table).toEqual(help);
  });
});

// A yaml.schemas pattern as VS Code reads it: "**/" any folders (or none), "*" any part of a name.
function globMatches(pattern: string, path: string): boolean {
  const source = pattern
    .split('**/')
    .map((part) => part.replaceAll('.', '\\.').replaceAll('*', '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${source}$`).test(path);
}

describe('docs/reference/oml.md: editor support', () => {
  const doc = readFileSync(join(repo, 'docs/reference/oml.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Editor support'));

  it('the VS Code settings and the first line of a pipeline reach the schema the documented command writes', async () => {
    const project = join(ws.dir, 'project');
    const command = /```sh\nosiris (schema oml --out (\S+))\n```/.exec(section);
    expect(command, 'an `osiris schema oml --out <file>` block').not.toBeNull();
    const [, args = '', out = ''] = command ?? [];
    mkdirSync(project, { recursive: true });
    const written = await osiris(args.split(' '), { cwd: project });
    expect(written.code, written.stderr).toBe(0);
    const schema = resolve(project, out);
    expect(JSON.parse(readFileSync(schema, 'utf8')).title).toMatch(/OML|pipeline/i);

    const settings = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '{}') as Record<string, unknown>;
    const schemas = Object.entries((settings['yaml.schemas'] ?? {}) as Record<string, string[]>);
    expect(schemas).toHaveLength(1);
    for (const [path, patterns] of schemas) {
      expect(resolve(project, path)).toBe(schema);
      for (const pipeline of [
        'pipeline.yaml',
        'pipelines/orders.yaml',
        'pipelines/eu/orders.yaml',
        'jobs/nightly/pipeline.yaml',
      ]) {
        expect(
          patterns.some((pattern) => globMatches(pattern, pipeline)),
          pipeline,
        ).toBe(true);
      }
    }

    const modeline = /for `([^`]+)`:\n\n```yaml\n# yaml-language-server: \$schema=(\S+)\n/.exec(section);
    expect(modeline, 'a first line, and the file it is written for').not.toBeNull();
    const [, file = '', relativeToFile = ''] = modeline ?? [];
    expect(resolve(project, dirname(file), relativeToFile)).toBe(schema);
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
