// SPDX-License-Identifier: MIT
// Repository rules that no off-the-shelf linter states for us:
// - dependencies point one way (SPEC §2): a package may import only packages on a lower layer;
// - no package reaches into another package's files (`../other/src`), only through its name;
// - pure packages (registry, context, compiler) import no network or process modules;
// - every source file starts with an SPDX licence header;
// - every @osiris import is declared in package.json, and no import cycle exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const layers = {
  '@osiris/registry': 0,
  '@osiris/context': 1,
  '@osiris/compiler': 1,
  '@osiris/runner': 2,
  '@osiris/chat': 2,
  '@osiris/connector-mysql': 3,
  '@osiris/connector-supabase': 3,
  '@osiris/connector-filesystem': 3,
  '@osiris/connectors': 4,
  '@osiris/engine-local': 5,
  '@osiris/engine-e2b': 5,
  '@osiris/cli': 6,
  // Private test packages: shared fixtures (no Osiris imports), the toy connector (its tests compose it with the
  // engines and the CLI) and the end-to-end suite.
  '@osiris/test-utils': 0,
  '@osiris/connector-toy': 3,
  '@osiris/e2e': 7,
};
const pure = new Set(['@osiris/registry', '@osiris/context', '@osiris/compiler']);
const forbiddenInPure = /^(node:)?(child_process|cluster|dgram|dns|http|http2|https|net|tls|worker_threads|process)$/;

const problems = [];
const importPattern = /(?:^|\s)(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const packagesDir = join(root, 'packages');
const graph = new Map();
// The entry points each package declares (`exports` keys other than its internals): `@osiris/x/sub` is public when
// `./sub` is one of them.
const entryPoints = new Map();
for (const dir of readdirSync(packagesDir)) {
  try {
    const { name, exports = {} } = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
    entryPoints.set(name, new Set(Object.keys(exports).filter((key) => exports[key] !== null)));
  } catch {
    // Not a package.
  }
}
for (const dir of readdirSync(packagesDir)) {
  const manifestPath = join(packagesDir, dir, 'package.json');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    continue;
  }
  const name = manifest.name;
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const edges = new Set();
  graph.set(name, edges);
  const layer = layers[name];
  for (const file of sourceFiles(join(packagesDir, dir))) {
    const rel = relative(root, file);
    const text = readFileSync(file, 'utf8');
    const isSource = rel.includes('/src/') || rel.includes('/bin/') || rel.includes('/scripts/');
    // Tests may use test-only packages (fixtures) from any layer; they are not part of the shipped graph.
    const isTest = rel.includes('/test/') || /\.test\.ts$/.test(rel);
    if (isSource && !/^(#!.*\n)?\/\/ SPDX-License-Identifier: MIT\n/.test(text)) {
      problems.push(`${rel}: missing "// SPDX-License-Identifier: MIT" on the first line`);
    }
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith('.')) {
        const target = resolve(file, '..', specifier);
        const targetRel = relative(join(packagesDir, dir), target);
        if (targetRel.startsWith('..') && relative(packagesDir, target).split('/')[0] !== '..') {
          problems.push(`${rel}: imports ${specifier}, a file of another package; import it by package name`);
        }
        continue;
      }
      const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (pkg.startsWith('@osiris/')) {
        const entry = `.${specifier.slice(pkg.length)}`;
        if (specifier !== pkg && (entry === './package.json' || !entryPoints.get(pkg)?.has(entry))) {
          problems.push(`${rel}: imports ${specifier}; use the package's public entry ${pkg}`);
        }
        if (pkg === name) problems.push(`${rel}: imports its own package by name; import the concrete file`);
        else {
          if (!declared.has(pkg)) problems.push(`${rel}: imports ${pkg}, which ${name}/package.json does not declare`);
          if (layer !== undefined && layers[pkg] !== undefined && layers[pkg] >= layer && !isTest) {
            problems.push(
              `${rel}: ${name} (layer ${layer}) imports ${pkg} (layer ${layers[pkg]}): dependencies must point down`,
            );
          }
          if (!isTest) edges.add(pkg);
        }
      }
      if (pure.has(name) && rel.includes('/src/') && !isTest && forbiddenInPure.test(specifier)) {
        problems.push(`${rel}: ${name} is pure and may not import ${specifier}`);
      }
    }
  }
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (dep.startsWith('@osiris/') && layers[dep] !== undefined && layer !== undefined && layers[dep] >= layer) {
      problems.push(`${relative(root, manifestPath)}: depends on ${dep}, which is not below ${name}`);
    }
  }
}

// Cycle check over the import graph.
const state = new Map();
function visit(node, trail) {
  if (state.get(node) === 'done') return;
  if (state.get(node) === 'open') {
    problems.push(`import cycle: ${[...trail.slice(trail.indexOf(node)), node].join(' -> ')}`);
    return;
  }
  state.set(node, 'open');
  for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
  state.set(node, 'done');
}
for (const node of graph.keys()) visit(node, []);

if (problems.length > 0) {
  console.error(`check-repo: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-repo: ${graph.size} packages, dependency direction, SPDX headers and imports are fine`);
