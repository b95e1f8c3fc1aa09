// SPDX-License-Identifier: MIT
// Repository rules that no off-the-shelf linter states for us:
// - every package names its layer in its package.json (`"osiris": { "layer": "runner" }`), so a new package
//   cannot be skipped silently; dependencies point one way (SPEC §2): a package imports only lower layers;
// - no package reaches into another package's files (`../other/src`), only through its name;
// - pure packages (the registry and pure layers) import no network or process modules;
// - errors users can see are Osiris errors: no `extends Error` (or TypeError, …) outside @osiris/registry;
// - exit codes come from the table (ExitCode in @osiris/registry): no `process.exit(1)` or `exitCode = 4`;
// - every source file starts with an SPDX licence header;
// - every @osiris import is declared in package.json, and no import cycle exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// The repository to check: this one, or the folder given (the tests check a made-up one).
const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
// Lowest first. `test-utils` (shared fixtures, no Osiris imports) and `tests` (end-to-end suites) are for
// private packages only.
const LAYERS = [
  'test-utils',
  'registry',
  'pure', // context, compiler
  'runner', // runner, chat
  'report', // run reports (HTML) made from run folders
  'connector', // one package per connector
  'connectors', // the built-in set (@osiris/connectors)
  'engine',
  'cli',
  'tests',
];
const PRIVATE_LAYERS = new Set(['test-utils', 'tests']);
const PURE_LAYERS = new Set(['registry', 'pure']);
const forbiddenInPure = /^(node:)?(child_process|cluster|dgram|dns|http|http2|https|net|tls|worker_threads|process)$/;
// A class built on a JavaScript error class rather than OsirisError.
const extendsBuiltinError = /\bextends\s+(?:globalThis\.)?(?:Aggregate|Eval|Range|Reference|Syntax|Type|URI)?Error\b/;
const exitLiteral = /\bprocess\.exit\(\s*\d|\bexitCode\s*=\s*\d/;
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
const manifests = [];
for (const dir of readdirSync(packagesDir).sort()) {
  const manifestPath = join(packagesDir, dir, 'package.json');
  try {
    manifests.push({ dir, manifestPath, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) });
  } catch {}
}
// Layer of every package, by name: its index in LAYERS.
const layers = {};
for (const { manifestPath, manifest } of manifests) {
  const where = relative(root, manifestPath);
  const layer = manifest.osiris?.layer;
  if (layer === undefined) {
    problems.push(`${where}: ${manifest.name} names no layer; add "osiris": { "layer": "<${LAYERS.join(' | ')}>" }`);
  } else if (!LAYERS.includes(layer)) {
    problems.push(`${where}: ${manifest.name} names the unknown layer "${layer}"; use one of ${LAYERS.join(', ')}`);
  } else if (PRIVATE_LAYERS.has(layer) && manifest.private !== true) {
    problems.push(`${where}: ${manifest.name} is published, so it cannot be on the private layer "${layer}"`);
  } else {
    layers[manifest.name] = LAYERS.indexOf(layer);
  }
}

// The entry points each package declares (`exports` keys other than its internals): `@osiris/x/sub` is public when
// `./sub` is one of them.
const entryPoints = new Map(
  manifests.map(({ manifest }) => {
    const exports = manifest.exports ?? {};
    return [manifest.name, new Set(Object.keys(exports).filter((key) => exports[key] !== null))];
  }),
);

const graph = new Map();
for (const { dir, manifestPath, manifest } of manifests) {
  const name = manifest.name;
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const edges = new Set();
  graph.set(name, edges);
  const layer = layers[name];
  const pure = PURE_LAYERS.has(manifest.osiris?.layer);
  for (const file of sourceFiles(join(packagesDir, dir))) {
    const rel = relative(root, file);
    const text = readFileSync(file, 'utf8');
    const isSource = rel.includes('/src/') || rel.includes('/bin/') || rel.includes('/scripts/');
    // Tests may use test-only packages (fixtures) from any layer; they are not part of the shipped graph.
    const isTest = rel.includes('/test/') || /\.test\.ts$/.test(rel);
    if (isSource && !/^(#!.*\n)?\/\/ SPDX-License-Identifier: MIT\n/.test(text)) {
      problems.push(`${rel}: missing "// SPDX-License-Identifier: MIT" on the first line`);
    }
    if (rel.includes('/src/') && !isTest) {
      const lines = text.split('\n');
      const at = (pattern) => lines.findIndex((line) => pattern.test(line)) + 1;
      if (name !== '@osiris/registry' && at(extendsBuiltinError) > 0) {
        problems.push(
          `${rel}:${at(extendsBuiltinError)}: extends a JavaScript error class; extend OsirisError or ConnectorError (@osiris/registry)`,
        );
      }
      if (at(exitLiteral) > 0) {
        problems.push(`${rel}:${at(exitLiteral)}: an exit code written as a number; use ExitCode (@osiris/registry)`);
      }
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
              `${rel}: ${name} (layer ${LAYERS[layer]}) imports ${pkg} (layer ${LAYERS[layers[pkg]]}): dependencies must point down`,
            );
          }
          if (!isTest) edges.add(pkg);
        }
      }
      if (pure && rel.includes('/src/') && !isTest && forbiddenInPure.test(specifier)) {
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
console.log(
  `check-repo: ${graph.size} packages, layers, dependency direction, error classes, exit codes, SPDX headers and imports are fine`,
);
