// SPDX-License-Identifier: MIT
import { pipeSafe } from './output';
import { main } from './program';

// Ctrl-C asks the running command to stop (a run rolls back and exits 130); a second one ends at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

// The only place that ends the process.
process.exitCode = await main(process.argv.slice(2), {
  stdout: pipeSafe(process.stdout),
  stderr: pipeSafe(process.stderr),
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
