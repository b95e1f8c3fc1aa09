// SPDX-License-Identifier: MIT

export type { CompactOption, CompactSpec, LlmContext } from './context';
export { buildContext, compactSpec, contextSize, renderContext } from './context';
