// SPDX-License-Identifier: MIT
export type { CliIo, Stream } from './output';
export { main } from './program';
