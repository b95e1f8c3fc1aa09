// SPDX-License-Identifier: MIT
export type { LlmConfig } from './config';
export { DEFAULT_OPENAI_MODEL, llmConfigFromEnv, OPENAI_BASE_URL } from './config';
export type { DiscoveredColumn, DiscoveredTable, DiscoverFunction, DiscoverRequest } from './discovery';
export { checkDiscovery, DiscoveryFacts } from './discovery';
export { draftFromToolArguments, extractYamlDraft } from './draft';
export type {
  AskOptions,
  ChatEvent,
  ChatOptions,
  ChatRound,
  ChatSession,
  ChatState,
  ChatTranscript,
  ChatTurnResult,
  TranscriptEntry,
} from './session';
export { CHAT_TRANSITIONS, createChatSession } from './session';
export { newSessionId, SESSION_ID_PATTERN } from './session-id';
export type { DraftValidation, ValidateDraftOptions } from './validate-draft';
export { diagnosticsForModel, roundSummary, validateDraft } from './validate-draft';
