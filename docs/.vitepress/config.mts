// SPDX-License-Identifier: MIT
// The docs site (VitePress, ADR 0026). The sidebar is read from the folders, so a page added under
// docs/how-to or docs/reference appears without editing this file. No import from vitepress: the same
// config also builds the throw-away sites of the link-check tests, outside this repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// The site is served from a versioned folder (`/osiris/v0.3.0/`, `/osiris/latest/`): the publish workflow sets it.
const base = process.env.DOCS_BASE ?? '/';
const repo = 'https://github.com/osiris-pipelines/osiris';

/** The page's first `# ` heading, else its file name. */
function titleOf(file: string): string {
  const heading = /^# (.+)$/m.exec(readFileSync(file, 'utf8'));
  return (heading?.[1] ?? file.replace(/^.*\//, '').replace(/\.md$/, '')).replace(/`/g, '');
}

/** The pages of one folder (index first, then by file name), as sidebar items. */
function pages(folder: string): { text: string; link: string }[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .sort((a, b) => Number(b === 'index.md') - Number(a === 'index.md') || a.localeCompare(b))
    .map((name) => ({
      text: titleOf(join(dir, name)),
      link: `/${folder}/${name === 'index.md' ? '' : name.replace(/\.md$/, '')}`,
    }));
}

/** A sidebar group; sub-folders (reference/cli, reference/components) become collapsed groups inside it. */
function group(text: string, folder: string, collapsed = false) {
  const dir = join(root, folder);
  const subfolders = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    text,
    collapsed,
    items: [
      ...pages(folder),
      ...subfolders.map((sub) => ({ text: `${text}: ${sub}`, collapsed: true, items: pages(`${folder}/${sub}`) })),
    ],
  };
}

// biome-ignore lint/style/noDefaultExport: VitePress reads the config from the default export.
export default {
  title: 'Osiris',
  description: 'Deterministic, audited data pipelines from plain language.',
  base,
  srcDir: '.',
  cleanUrls: true,
  lastUpdated: false,
  // A dead internal link fails the build; anchors are checked after it by scripts/docs-build.mjs.
  ignoreDeadLinks: false,
  srcExclude: ['**/node_modules/**'],
  markdown: { anchor: { level: [1, 2, 3, 4] } },
  themeConfig: {
    nav: [
      { text: 'Tutorials', link: '/tutorials/quickstart' },
      { text: 'Concepts', link: '/concepts/process-as-code' },
      { text: 'How-to', link: '/how-to/run-locally' },
      { text: 'Reference', link: '/reference/oml' },
      { text: 'Changelog', link: '/reference/changelog' },
    ],
    sidebar: [
      group('Tutorials', 'tutorials'),
      group('Concepts', 'concepts'),
      group('How-to guides', 'how-to'),
      group('Reference', 'reference'),
      {
        text: 'Benchmarks',
        items: existsSync(join(root, 'benchmarks.md'))
          ? [{ text: titleOf(join(root, 'benchmarks.md')), link: '/benchmarks' }]
          : [],
      },
      group('Decisions (ADRs)', 'adr', true),
    ].filter((g) => g.items.length > 0),
    socialLinks: [{ icon: 'github', link: repo }],
    search: { provider: 'local' },
    outline: { level: [2, 3] },
  },
};
