// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode, type Redactor } from '@osiris/registry';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAI } from 'openai';
import type { LlmConfig } from '../config';

export interface ClientSettings {
  /** Per request, in milliseconds. */
  readonly timeoutMs: number;
  /** Retries of 408/409/429/5xx and connection errors, with backoff (the client's own). */
  readonly maxRetries: number;
}

/** Placeholder for servers that need no key: the client insists on one. */
const NO_KEY = 'osiris-no-key';

export function createClient(config: LlmConfig, settings: ClientSettings): OpenAI {
  return new OpenAI({
    apiKey: config.apiKey ?? NO_KEY,
    baseURL: config.baseURL,
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    // Never read OPENAI_* variables behind our back, and never log: the client's logger bypasses the redactor.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    logLevel: 'off',
  });
}

/** Statuses with which a server says it does not take `tools` in a chat-completions request. */
export function refusesTools(error: unknown): boolean {
  return error instanceof APIError && (error.status === 400 || error.status === 404 || error.status === 501);
}

/** Wraps an `openai` client error into an Osiris error that says what happened and what to check; redacted. */
export function llmError(error: unknown, config: LlmConfig, settings: ClientSettings, redactor: Redactor): Error {
  const detail = (text: string) => redactor.text(text.length > 300 ? `${text.slice(0, 300)}…` : text);
  const where = `${redactor.text(config.baseURL)} (model ${config.model})`;
  if (error instanceof APIUserAbortError) {
    return new OsirisError(OsirisErrorCode.Interrupted, 'chat interrupted', { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new OsirisError(
      OsirisErrorCode.Run,
      `the model at ${where} did not answer within ${settings.timeoutMs / 1000} s (${settings.maxRetries + 1} attempts)`,
      {
        cause: error,
        hint: 'A slow local model may need a longer --timeout; a remote one may be overloaded: try again later.',
      },
    );
  }
  if (error instanceof APIConnectionError) {
    return new OsirisError(OsirisErrorCode.Config, `cannot reach the LLM server at ${where}`, {
      cause: error,
      hint: 'Check OSIRIS_LLM_BASE_URL and that the server is running (for Ollama: `ollama serve`).',
    });
  }
  if (error instanceof APIError) {
    const status = error.status;
    const message = detail(error.message);
    if (status === 401 || status === 403) {
      return new OsirisError(OsirisErrorCode.Config, `the LLM server at ${where} refused the API key (${status})`, {
        cause: error,
        hint: 'Check OSIRIS_LLM_API_KEY (or OPENAI_API_KEY).',
      });
    }
    if (status === 404) {
      return new OsirisError(OsirisErrorCode.Config, `the LLM server at ${where} answered 404: ${message}`, {
        cause: error,
        hint: 'Check that OSIRIS_LLM_BASE_URL ends in the API root (usually /v1) and that OSIRIS_LLM_MODEL names a model it serves.',
      });
    }
    if (status === 429 || (status !== undefined && status >= 500)) {
      return new OsirisError(
        OsirisErrorCode.Run,
        `the LLM server at ${where} answered ${status} after ${settings.maxRetries + 1} attempts: ${message}`,
        { cause: error, hint: 'The server is overloaded or rate-limited; try again later.' },
      );
    }
    return new OsirisError(
      OsirisErrorCode.Run,
      `the LLM server at ${where} answered ${status ?? 'an error'}: ${message}`,
      {
        cause: error,
        hint: 'The server did not accept the chat-completions request; check OSIRIS_LLM_MODEL and the server logs.',
      },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
