// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';

/** Where the chat agent finds its model: any server that speaks OpenAI's chat-completions protocol. */
export interface LlmConfig {
  /** e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1` (Ollama). */
  readonly baseURL: string;
  /** Secret. Absent for local servers that need none. */
  readonly apiKey?: string;
  readonly model: string;
}

/** OpenAI's own endpoint: used when only an API key is configured. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** The model asked when only an OpenAI API key is configured. */
export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';

const howToConfigure = [
  'Configure a model in one of two ways:',
  '  OpenAI:        export OSIRIS_LLM_API_KEY=sk-…   (or OPENAI_API_KEY; model with OSIRIS_LLM_MODEL, default gpt-4o-mini)',
  '  local server:  export OSIRIS_LLM_BASE_URL=http://localhost:11434/v1  OSIRIS_LLM_MODEL=llama3.1',
  '                 (Ollama; LM Studio, vLLM and any OpenAI-compatible server work the same way)',
  'See docs/how-to/chat.md.',
].join('\n');

function setting(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Reads the model settings from `OSIRIS_LLM_BASE_URL`, `OSIRIS_LLM_API_KEY`
 * (or `OPENAI_API_KEY`) and `OSIRIS_LLM_MODEL`. With neither a key nor a base
 * URL it throws a configuration error (exit 5) that says how to configure one.
 *
 * @example
 * llmConfigFromEnv({ OSIRIS_LLM_BASE_URL: 'http://localhost:11434/v1', OSIRIS_LLM_MODEL: 'llama3.1' });
 * // { baseURL: 'http://localhost:11434/v1', model: 'llama3.1' }
 */
export function llmConfigFromEnv(env: Readonly<Record<string, string | undefined>>): LlmConfig {
  const apiKey = setting(env, 'OSIRIS_LLM_API_KEY') ?? setting(env, 'OPENAI_API_KEY');
  const baseURL = setting(env, 'OSIRIS_LLM_BASE_URL');
  const model = setting(env, 'OSIRIS_LLM_MODEL');
  if (apiKey === undefined && baseURL === undefined) {
    throw new OsirisError(OsirisErrorCode.Config, 'no LLM is configured for osiris chat', { hint: howToConfigure });
  }
  if (baseURL !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(baseURL);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new OsirisError(OsirisErrorCode.Config, 'OSIRIS_LLM_BASE_URL is not an http(s) URL', {
        hint: "Give the server's OpenAI-compatible root, usually ending in /v1, e.g. http://localhost:11434/v1.",
      });
    }
    if (model === undefined) {
      throw new OsirisError(OsirisErrorCode.Config, 'OSIRIS_LLM_MODEL is not set', {
        hint: 'Name a model the server at OSIRIS_LLM_BASE_URL serves, e.g. OSIRIS_LLM_MODEL=llama3.1 for Ollama.',
      });
    }
  }
  return {
    baseURL: (baseURL ?? OPENAI_BASE_URL).replace(/\/+$/, ''),
    model: model ?? DEFAULT_OPENAI_MODEL,
    ...(apiKey === undefined ? {} : { apiKey }),
  };
}
