// SPDX-License-Identifier: MIT
import { EXIT_CODES } from '@osiris/registry';

// The table itself lives in @osiris/registry (the runner records exit codes in metrics.json too).
export { ExitCode } from '@osiris/registry';

/** For `--help`: the registry's table as text, one code a line. */
export const exitCodeHelp = [
  'Exit codes:',
  ...EXIT_CODES.map(({ code, description }) => `  ${String(code).padEnd(5)}${description}`),
].join('\n');
