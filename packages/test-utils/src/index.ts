// SPDX-License-Identifier: MIT

export { APPEND, fixedDiscovery, MERGE, MYSQL_MERGE, TABLES } from './chat-fixtures';
export type { MysqlDatabase, PgDatabase } from './databases';
export { createMysqlDatabase, createPgDatabase, MYSQL, PG } from './databases';
export { doubleBits, EDGE_DOUBLES, insertDoubles, randomDoubles } from './doubles';
export { readTree } from './files';
export type { LlmServer, LlmServerOptions, RecordedMessage, RecordedRequest, Turn } from './llm-server';
export { callTool, conversation, fenced, lastMessage, startLlmServer, submit } from './llm-server';
export type { ProcessResult } from './process';
export { runNode } from './process';
export type { StallingProxy } from './proxy';
export { startStallingProxy } from './proxy';
export type { LogEntry } from './step-context';
export { caught, collect, makeStepContext } from './step-context';
export { textBatchOf } from './text-batches';
