// SPDX-License-Identifier: MIT
// `pnpm docs:build`: builds the docs site and fails on any link that would be dead (ADR 0026):
// 1. a link in a published package's README that cannot work on npm (`../../docs/…`, any relative path);
// 2. a dead internal page link (VitePress itself, `ignoreDeadLinks: false`);
// 3. a dead anchor (`page#heading` or `#heading` with no such id in the built page), checked here on the HTML.
// Usage: node scripts/docs-build.mjs [docs folder] [--packages <folder>] [--readmes-only]. The tests point both
// folders at made-up sites.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const packagesAt = args.indexOf('--packages');
const packagesDir = resolve(packagesAt >= 0 ? args[packagesAt + 1] : join(root, 'packages'));
const docsDir = resolve(args.find((arg, i) => !arg.startsWith('--') && i !== packagesAt + 1) ?? join(root, 'docs'));
const problems = [];

// --- 1. package READMEs: npm shows them without the repository around them ------------------------------------
for (const name of existsSync(packagesDir) ? readdirSync(packagesDir).sort() : []) {
  const manifestPath = join(packagesDir, name, 'package.json');
  const readmePath = join(packagesDir, name, 'README.md');
  if (!existsSync(manifestPath) || !existsSync(readmePath)) continue;
  if (JSON.parse(readFileSync(manifestPath, 'utf8')).private === true) continue;
  const text = readFileSync(readmePath, 'utf8').replace(/```[\s\S]*?```/g, (block) => block.replace(/[^\n]/g, ' '));
  const links = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)|^\s*\[[^\]]+\]:\s*(\S+)/gm;
  for (const match of text.matchAll(links)) {
    const target = match[1] ?? match[2];
    if (/^(https?:|mailto:|#)/.test(target)) continue;
    const line = text.slice(0, match.index).split('\n').length;
    problems.push(
      `${relative(root, readmePath)}:${line}: link "${target}" breaks on npm, where the README stands alone; link the docs site (https://osiris-pipelines.github.io/osiris/latest/…) instead`,
    );
  }
}
if (problems.length > 0) fail();
if (args.includes('--readmes-only')) process.exit(0);

// --- 2. the site --------------------------------------------------------------------------------------------
const vitepress = join(root, 'node_modules', 'vitepress', 'bin', 'vitepress.js');
const build = spawnSync(process.execPath, [vitepress, 'build', docsDir], { stdio: 'inherit', env: process.env });
if (build.status !== 0) {
  console.error('docs:build: the site did not build (see above; a dead link names its page)');
  process.exit(build.status ?? 1);
}

// --- 3. anchors -----------------------------------------------------------------------------------------------
const outDir = join(docsDir, '.vitepress', 'dist');
const base = process.env.DOCS_BASE ?? '/';
function htmlFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? htmlFiles(full) : name.endsWith('.html') ? [full] : [];
  });
}
const pages = new Map();
for (const file of htmlFiles(outDir)) {
  const html = readFileSync(file, 'utf8');
  // Only the page's own content: the sidebar and header repeat the same links on every page.
  const content = /<main[\s\S]*<\/main>/.exec(html)?.[0] ?? html;
  pages.set(relative(outDir, file).split('\\').join('/'), {
    ids: new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])),
    links: [...content.matchAll(/<a\s[^>]*href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&')),
  });
}
/** The built file a site path names (`/reference/cli` → reference/cli.html or reference/cli/index.html). */
function fileOf(path) {
  const clean = decodeURIComponent(path)
    .replace(/^\//, '')
    .replace(/\.html$/, '');
  for (const candidate of [`${clean}.html`, `${clean}/index.html`.replace(/^\//, ''), clean]) {
    if (
      pages.has(candidate) ||
      (candidate !== '' && existsSync(join(outDir, candidate)) && statSync(join(outDir, candidate)).isFile())
    ) {
      return candidate;
    }
  }
  return clean === '' ? 'index.html' : undefined;
}
for (const [page, { links }] of pages) {
  const pagePath = `/${page.replace(/(^|\/)index\.html$/, '$1').replace(/\.html$/, '')}`;
  for (const href of links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue;
    const [pathPart, hash] = href.split('#', 2);
    let target = page;
    if (pathPart !== '') {
      const folder = pagePath.endsWith('/') ? pagePath : posix.dirname(pagePath);
      let sitePath = pathPart.startsWith('/') ? pathPart : posix.join(folder, pathPart);
      if (sitePath.startsWith(base)) sitePath = `/${sitePath.slice(base.length)}`;
      target = fileOf(sitePath);
      if (target === undefined) {
        problems.push(`${page}: link "${href}" names no page of the site`);
        continue;
      }
    }
    if (hash && hash !== '' && pages.has(target) && !pages.get(target).ids.has(decodeURIComponent(hash))) {
      problems.push(`${page}: link "${href}" names no heading "#${hash}" in ${target}`);
    }
  }
}
if (problems.length > 0) fail();
console.log(`docs:build: ${pages.size} pages, every internal link and anchor resolves`);

function fail() {
  for (const problem of problems) console.error(problem);
  console.error(`docs:build: ${problems.length} dead link(s)`);
  process.exit(1);
}
