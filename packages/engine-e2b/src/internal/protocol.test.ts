// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { type RemoteSettings, settingsFromArgs, settingsToArgs } from './protocol';

const usage = (message: string) => new Error(message);

describe('remote runner flags', () => {
  it.each<[string, RemoteSettings]>([
    ['the required ones only', { expectVersion: '0.1.0', runId: 'r_1', correlationId: 'c' }],
    [
      'every setting',
      {
        expectVersion: '0.1.0',
        runId: 'r_1',
        correlationId: 'c',
        logLevel: 'debug',
        redactionStrategy: 'hash',
        progressIntervalMs: 250,
        idleTimeoutMs: 0,
        retryAttempts: 2,
        retryBaseDelayMs: 10,
        retryMaxDelayMs: 100,
      },
    ],
  ])('read back what was written: %s', (_name, settings) => {
    expect(settingsFromArgs(settingsToArgs(settings), usage)).toEqual(settings);
  });

  it.each([
    [['--run-id', 'r', '--correlation-id', 'c'], '--expect-version is required'],
    [
      ['--expect-version', '1', '--run-id', 'r', '--correlation-id', 'c', '--log-level', 'loud'],
      '--log-level is info or debug',
    ],
    [['--expect-version', '1', '--run-id', 'r', '--correlation-id', 'c', '--retry-attempts', 'x'], 'whole number'],
    [['--expect-version', '1', '--nope'], 'nope'],
  ])('refuses %j', (argv, message) => {
    expect(() => settingsFromArgs(argv, usage)).toThrow(message);
  });
});
