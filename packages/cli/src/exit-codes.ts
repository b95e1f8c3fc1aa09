// SPDX-License-Identifier: MIT
// The table itself lives in @osiris/registry (the runner records exit codes in metrics.json too).
export { ExitCode } from '@osiris/registry';

/** For `--help`: the table as text. */
export const exitCodeHelp = `Exit codes:
  0    success
  2    validation error (pipeline, spec card or command line)
  3    compile error (e.g. the output folder cannot be written)
  4    run error (database, driver, rejected rows)
  5    configuration or secrets missing or malformed
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP)
  1    internal error (a bug: please report it)`;
