// SPDX-License-Identifier: MIT
import { isOsirisError } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { llmConfigFromEnv } from './config';

describe('llmConfigFromEnv', () => {
  it.each([
    [
      'an OpenAI key alone',
      { OSIRIS_LLM_API_KEY: 'sk-test-1234' },
      { baseURL: 'https://api.openai.com/v1', apiKey: 'sk-test-1234', model: 'gpt-4o-mini' },
    ],
    [
      'OPENAI_API_KEY as the fallback',
      { OPENAI_API_KEY: 'sk-other-5678', OSIRIS_LLM_MODEL: 'gpt-4.1' },
      { baseURL: 'https://api.openai.com/v1', apiKey: 'sk-other-5678', model: 'gpt-4.1' },
    ],
    [
      'OSIRIS_LLM_API_KEY before OPENAI_API_KEY',
      { OSIRIS_LLM_API_KEY: 'sk-first', OPENAI_API_KEY: 'sk-second' },
      { baseURL: 'https://api.openai.com/v1', apiKey: 'sk-first', model: 'gpt-4o-mini' },
    ],
    [
      'a local server without a key',
      { OSIRIS_LLM_BASE_URL: 'http://localhost:11434/v1/', OSIRIS_LLM_MODEL: 'llama3.1' },
      { baseURL: 'http://localhost:11434/v1', model: 'llama3.1' },
    ],
  ])('reads %s', (_, env, expected) => {
    expect(llmConfigFromEnv(env)).toEqual(expected);
  });

  it.each([
    ['nothing configured', {}, 'no LLM is configured', /OSIRIS_LLM_API_KEY[\s\S]*OSIRIS_LLM_BASE_URL/],
    ['empty values', { OSIRIS_LLM_API_KEY: '', OSIRIS_LLM_BASE_URL: ' ' }, 'no LLM is configured', /Ollama/],
    [
      'a base URL that is not http',
      { OSIRIS_LLM_BASE_URL: 'localhost:11434', OSIRIS_LLM_MODEL: 'x' },
      'not an http(s) URL',
      /\/v1/,
    ],
    [
      'a base URL without a model',
      { OSIRIS_LLM_BASE_URL: 'http://localhost:1234/v1' },
      'OSIRIS_LLM_MODEL is not set',
      /OSIRIS_LLM_MODEL=/,
    ],
  ])('refuses %s with a configuration error (exit 5) saying how to fix it', (_, env, message, hint) => {
    let caught: unknown;
    try {
      llmConfigFromEnv(env);
    } catch (error) {
      caught = error;
    }
    expect(isOsirisError(caught)).toBe(true);
    if (!isOsirisError(caught)) return;
    expect(caught.code).toBe('CONFIG');
    expect(caught.message).toContain(message);
    expect(caught.hint).toMatch(hint);
  });
});
