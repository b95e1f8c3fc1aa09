// SPDX-License-Identifier: MIT
export { ExitCode, exitCodeOf } from './exit-codes';
export type { CliIo, Stream } from './output';
export { main } from './program';
