// SPDX-License-Identifier: MIT
export type { LocalEngine, LocalEngineOptions } from './engine';
export { builtinConnectors, createLocalEngine, localEngine } from './engine';
