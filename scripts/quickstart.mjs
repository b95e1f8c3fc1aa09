// SPDX-License-Identifier: MIT
// `pnpm quickstart`: runs examples/quickstart/pipeline.yaml (CSV → embedded Postgres, merge by id) with the
// built CLI, then shows the run. No database server needed. Run it twice to see merge at work.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../packages/cli/bin/osiris.js', import.meta.url));

function osiris(...args) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

console.log('» osiris run examples/quickstart/pipeline.yaml --secrets-file examples/quickstart/secrets.yaml');
osiris('run', 'examples/quickstart/pipeline.yaml', '--secrets-file', 'examples/quickstart/secrets.yaml');
console.log('\n» osiris runs view latest');
osiris('runs', 'view', 'latest');
console.log(`
The customers now live in an embedded Postgres under .osiris/quickstart-db (table public.customers).
Run \`pnpm quickstart\` again: the merge updates what changed and inserts nothing twice.
Next: examples/README.md for MySQL and Supabase pipelines, and \`pnpm exec osiris --help\`.`);
