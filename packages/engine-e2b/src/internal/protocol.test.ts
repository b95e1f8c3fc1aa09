// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { type RemoteRun, runFromArgs, runToArgs } from './protocol';

const usage = (message: string) => new Error(message);

describe('remote runner flags', () => {
  it('read back what was written', () => {
    const run: RemoteRun = { expectVersion: '0.1.0', runId: 'r_1', correlationId: 'c' };
    expect(runFromArgs(runToArgs(run), usage)).toEqual(run);
  });

  it.each([
    [['--run-id', 'r', '--correlation-id', 'c'], '--expect-version is required'],
    [['--expect-version', '1', '--run-id', '', '--correlation-id', 'c'], '--run-id is required'],
    // Settings travel in settings.json, never as flags.
    [['--expect-version', '1', '--run-id', 'r', '--correlation-id', 'c', '--log-level', 'debug'], 'log-level'],
    [['--expect-version', '1', '--nope'], 'nope'],
  ])('refuses %j', (argv, message) => {
    expect(() => runFromArgs(argv, usage)).toThrow(message);
  });
});
