// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { describeError, isTransientError } from './errors';

describe('describeError', () => {
  it("joins an error and its causes, with a driver's code but not an Osiris one", () => {
    const driver = Object.assign(new Error("Unknown database 'nodb'"), { code: 'ER_BAD_DB_ERROR' });
    const wrapped = new OsirisError(OsirisErrorCode.Run, 'could not connect to MySQL', { cause: driver });
    expect(describeError(wrapped)).toBe("could not connect to MySQL: Unknown database 'nodb' (ER_BAD_DB_ERROR)");
  });

  it('says something for a thrown string or an empty error', () => {
    expect(describeError('boom')).toBe('boom');
    expect(describeError({})).toBe('unknown error');
  });
});

describe('isTransientError', () => {
  // A connector that knows its driver's codes, as the MySQL and Postgres connectors do.
  const driver = {
    isTransient: (error: unknown) => ['53300', 'DRIVER_BUSY'].includes(String((error as { code?: unknown }).code)),
  };
  const busy = () => Object.assign(new Error('too many clients'), { code: '53300' });
  it.each([
    [
      'a refused socket',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }),
      undefined,
      true,
    ],
    ['a cut pipe', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), undefined, true],
    ["a driver's code, with no connector to read it", busy(), undefined, false],
    ["a driver's code, read by its connector", busy(), driver, true],
    ["a driver's code in the cause, read by its connector", new Error('read failed', { cause: busy() }), driver, true],
    ["a driver's code another connector does not know", busy(), { isTransient: () => false }, false],
    ['a connector without a verdict', busy(), {}, false],
    [
      'an error marked retryable: false, whatever the connector says',
      new OsirisError(OsirisErrorCode.Run, 'commit failed', {
        cause: Object.assign(new Error('reset'), { code: 'ECONNRESET', retryable: false }),
      }),
      driver,
      false,
    ],
    ['an interruption', new OsirisError(OsirisErrorCode.Interrupted, 'stopped', { cause: busy() }), driver, false],
    ['an abort', Object.assign(new Error('aborted'), { name: 'AbortError', cause: busy() }), driver, false],
    ['an ordinary error', Object.assign(new Error('duplicate key'), { code: '23505' }), driver, false],
  ])('%s → %s', (_name, error, connector, expected) => {
    expect(isTransientError(error, connector)).toBe(expected);
  });
});
