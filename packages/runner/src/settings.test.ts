// SPDX-License-Identifier: MIT
import { exitCodeOf, isOsirisError, OsirisErrorCode } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_SETTINGS, parseRunSettings, type RunSettings, runSettingsSchema } from './settings';

function refusal(value: unknown): { code: unknown; message: string; exit: number } {
  try {
    parseRunSettings(value);
  } catch (error) {
    if (!isOsirisError(error)) throw error;
    return { code: error.code, message: error.message, exit: exitCodeOf(error) };
  }
  throw new Error('expected a refusal');
}

describe('parseRunSettings', () => {
  it('fills every setting left out (or undefined) with its default', () => {
    expect(parseRunSettings({})).toEqual(DEFAULT_RUN_SETTINGS);
    expect(parseRunSettings({ idleTimeoutMs: 0, logLevel: undefined })).toEqual({
      ...DEFAULT_RUN_SETTINGS,
      idleTimeoutMs: 0,
    });
  });

  it('keeps every value it is given, and reads back what JSON wrote', () => {
    const all: RunSettings = {
      ...DEFAULT_RUN_SETTINGS,
      chunkSize: 7,
      retryAttempts: 5,
      retryBaseDelayMs: 10,
      retryMaxDelayMs: 20,
      progressIntervalMs: 0,
      idleTimeoutMs: 1500,
      logLevel: 'debug',
      redactionStrategy: 'hash',
    };
    expect(parseRunSettings(all)).toEqual(all);
    expect(parseRunSettings(JSON.parse(JSON.stringify(parseRunSettings(all))))).toEqual(all);
  });

  it('does not change the value it is given', () => {
    const given = { chunkSize: 5 };
    parseRunSettings(given);
    expect(given).toEqual({ chunkSize: 5 });
  });

  it('has a default in the schema for every setting, the same as DEFAULT_RUN_SETTINGS', () => {
    const defaults = Object.fromEntries(
      Object.entries(runSettingsSchema.properties).map(([name, schema]) => [name, schema.default]),
    );
    expect(defaults).toEqual(DEFAULT_RUN_SETTINGS);
  });

  it.each([
    [{ chunkSize: 0 }, /"chunkSize" is out of range/],
    [{ chunkSize: 2.5 }, /"chunkSize" must be a whole number/],
    [{ retryAttempts: '3' }, /"retryAttempts" must be a whole number/],
    [{ retryBaseDelayMs: -1 }, /"retryBaseDelayMs" is out of range/],
    [{ idleTimeoutMs: 2 ** 31 }, /"idleTimeoutMs" is out of range/],
    [{ logLevel: 'loud' }, /"loud" is not allowed for "logLevel"/],
    [{ redactionStrategy: 'none' }, /"none" is not allowed for "redactionStrategy"/],
    [{ fooMs: 1 }, /unknown field "fooMs"/],
    [null, /must be a mapping/],
    [[1], /must be a mapping/],
  ])('refuses %j with a configuration error (exit 5)', (value, message) => {
    const { code, message: text, exit } = refusal(value);
    expect(code).toBe(OsirisErrorCode.Config);
    expect(exit).toBe(5);
    expect(text).toMatch(/^run settings/);
    expect(text).toMatch(message);
  });
});
