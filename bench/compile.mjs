// SPDX-License-Identifier: MIT
// pnpm bench:compile — in-process validate+compile of the examples, and whole-process `osiris compile`,
// each beside a baseline measured in the same run, against the budgets of SPEC §9.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ms, percentile, printTable, timeProcess, timeSync } from './stats.mjs';

const root = new URL('..', import.meta.url).pathname;
const { loadRegistry } = await import(join(root, 'packages/registry/dist/index.js'));
const { compile } = await import(join(root, 'packages/compiler/dist/index.js'));
const { parse } = await import(join(root, 'packages/registry/node_modules/yaml/dist/index.js'));

const registry = loadRegistry();
const examples = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'examples', entry.name, 'pipeline.yaml')))
  .map((entry) => ({
    name: entry.name,
    text: readFileSync(join(root, 'examples', entry.name, 'pipeline.yaml'), 'utf8'),
  }));

console.log(`In process, after the registry is loaded (${examples.length} examples, 300 iterations each)`);
const rows = [['example', 'p50', 'p95', 'baseline p50 (YAML parse)', 'ratio', 'budget p50 < 5 ms']];
for (const example of examples) {
  let n = 0;
  // A changing comment defeats the memo, so every iteration parses, validates and compiles for real.
  const samples = timeSync(() => compile(`# ${n++}\n${example.text}`, { registry }), { iterations: 300 });
  const baseline = timeSync(() => parse(`# ${n++}\n${example.text}`), { iterations: 300 });
  const p50 = percentile(samples, 50);
  const base = percentile(baseline, 50);
  rows.push([
    example.name,
    ms(p50),
    ms(percentile(samples, 95)),
    ms(base),
    `${(p50 / base).toFixed(1)}x`,
    p50 < 5 ? 'ok' : 'OVER',
  ]);
}
printTable(rows);
const memoised = timeSync(() => compile(examples[0].text, { registry }), { iterations: 300 });
console.log(`memoised compile of the same text: p50 ${ms(percentile(memoised, 50))}`);

console.log('\nWhole process (15 runs each, first run discarded)');
const out = mkdtempSync(join(tmpdir(), 'osiris-bench-'));
const bin = join(root, 'packages/cli/bin/osiris.js');
const pipeline = join(root, 'examples/mysql-to-supabase-merge/pipeline.yaml');
const whole = timeProcess(process.execPath, [bin, 'compile', pipeline, '--out', out], { iterations: 15 });
const bare = timeProcess(process.execPath, ['-e', ''], { iterations: 15 });
rmSync(out, { recursive: true, force: true });
const wholeP50 = percentile(whole, 50);
const bareP50 = percentile(bare, 50);
printTable([
  ['command', 'p50', 'p95', 'ratio to bare node'],
  ['osiris compile', ms(wholeP50), ms(percentile(whole, 95)), `${(wholeP50 / bareP50).toFixed(1)}x`],
  ['node -e "" (baseline)', ms(bareP50), ms(percentile(bare, 95)), '1.0x'],
]);
console.log(`budget: p50 < 350 ms → ${wholeP50 < 350 ? 'ok' : 'OVER'}`);
