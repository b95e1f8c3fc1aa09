// SPDX-License-Identifier: MIT
import { ExitCode } from '@osiris/registry';
import { pipeSafe } from './output';
import { main } from './program';

// Ctrl-C (SIGINT), SIGTERM (CI cancellation, `timeout`, `kill`) and SIGHUP (the terminal went away) ask
// the running command to stop: a run rolls back, records `interrupted` and exits 130. The same signal
// again ends the process at once. A different one does not: `pnpm exec` answers Ctrl-C by sending
// SIGTERM to a child that got the SIGINT too, and that must not cut the rollback short.
const interrupt = new AbortController();
const received = new Set<NodeJS.Signals>();
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(name, () => {
    if (received.has(name)) process.exit(ExitCode.Interrupted);
    received.add(name);
    interrupt.abort();
  });
}

// The only place that ends the process.
process.exitCode = await main(process.argv.slice(2), {
  stdout: pipeSafe(process.stdout),
  stderr: pipeSafe(process.stderr),
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
