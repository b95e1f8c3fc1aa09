// SPDX-License-Identifier: MIT
// `pnpm docs:build` fails on a dead link (ADR 0026): made-up sites, built with the repository's own site
// config and scripts/docs-build.mjs, each with one dead link of a kind planted. (The repository's own site is the
// good case: .ci/run builds it.)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the repository: the pages' imports (vue) resolve from its node_modules only.
mkdirSync(join(repo, 'node_modules/.cache'), { recursive: true });
const scratch = mkdtempSync(join(repo, 'node_modules/.cache/osiris-docs-site-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A site of the given pages (path → Markdown) and published packages (name → README); runs docs:build on it. */
function build(name: string, pages: Record<string, string>, readmes: Record<string, string> = {}) {
  const site = join(scratch, name, 'docs');
  const packages = join(scratch, name, 'packages');
  mkdirSync(join(site, '.vitepress'), { recursive: true });
  mkdirSync(packages, { recursive: true });
  copyFileSync(join(repo, 'docs/.vitepress/config.mts'), join(site, '.vitepress/config.mts'));
  for (const [path, text] of Object.entries(pages)) {
    mkdirSync(dirname(join(site, path)), { recursive: true });
    writeFileSync(join(site, path), text);
  }
  for (const [pkg, readme] of Object.entries(readmes)) {
    mkdirSync(join(packages, pkg));
    writeFileSync(join(packages, pkg, 'package.json'), JSON.stringify({ name: `@osiris/${pkg}` }));
    writeFileSync(join(packages, pkg, 'README.md'), readme);
  }
  const result = spawnSync(process.execPath, [join(repo, 'scripts/docs-build.mjs'), site, '--packages', packages], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const good = {
  'index.md': '# Home\n\nSee [the guide](how-to/guide.md#second-step) and [the schema](/schemas/x.json).\n',
  'how-to/guide.md':
    '# Guide\n\n## First step\n\nBack [home](../index.md).\n\n## Second step\n\nAbove: [first](#first-step).\n',
  'public/schemas/x.json': '{}\n',
};

describe('pnpm docs:build', () => {
  it('fails on a link to a page that does not exist', () => {
    const result = build('dead-page', {
      ...good,
      'how-to/guide.md': `${good['how-to/guide.md']}\n[gone](../reference/gone.md)\n`,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/dead link.*reference\/gone/i);
  }, 300_000);

  it('fails on a link to a heading that does not exist, in another page or the same one', () => {
    const result = build('dead-anchor', {
      ...good,
      'index.md': '# Home\n\n[guide](how-to/guide.md#third-step) and [here](#nowhere)\n',
    });
    expect(result.code).not.toBe(0);
    // Seen here (manual run): 'index.html: link "./how-to/guide#third-step" names no heading "#third-step"'.
    expect(result.output).toMatch(/dead link/);
  }, 300_000);

  it('fails on a package README link that breaks once published, before building', () => {
    const result = build('readme', good, { chat: '# chat\n\nSee [the guide](../../docs/how-to/chat.md).\n' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('packages/chat/README.md:3: link "../../docs/how-to/chat.md" breaks on npm');
    expect(result.output).not.toContain('vitepress v');
  });

  it("passes the repository's own package READMEs", () => {
    const result = spawnSync(process.execPath, [join(repo, 'scripts/docs-build.mjs'), '--readmes-only'], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
