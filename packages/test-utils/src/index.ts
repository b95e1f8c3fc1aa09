// SPDX-License-Identifier: MIT
export { createMysqlDatabase, createPgDatabase, MYSQL, PG } from './databases';
export type { MysqlDatabase, PgDatabase } from './databases';
export { runNode } from './process';
export type { ProcessResult } from './process';
export { callTool, conversation, fenced, lastMessage, startLlmServer, submit } from './llm-server';
export type { LlmServer, LlmServerOptions, RecordedMessage, RecordedRequest, Turn } from './llm-server';
export { APPEND, fixedDiscovery, MERGE, MYSQL_MERGE, TABLES } from './chat-fixtures';
export { readTree } from './files';
