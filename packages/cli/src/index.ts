// SPDX-License-Identifier: MIT
export type { ChatDeps } from './commands/chat';
export type { CliOverrides, EngineFactory, EngineSetup } from './composition';
export { builtinEngines } from './composition';
export type { McpTool, ObjectSchema, ToolContext } from './mcp/tools';
export { mcpTools } from './mcp/tools';
export type { CliIo, Stream } from './output';
export { main } from './program';
export type { ArgumentReference, CliReference, CommandReference, OptionReference } from './reference';
export { cliReference } from './reference';
