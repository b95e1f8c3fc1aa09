// SPDX-License-Identifier: MIT
export { buildContext, compactSpec, contextSize, renderContext } from './context';
export type { CompactOption, CompactSpec, LlmContext } from './context';
