// SPDX-License-Identifier: MIT
export type { LocalEngine, LocalEngineOptions } from './engine';
export { createLocalEngine, localEngine } from './engine';
