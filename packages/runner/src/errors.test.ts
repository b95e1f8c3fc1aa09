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
  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('too many connections'), { code: '53300' }), true],
    [Object.assign(new Error('Too many connections'), { errno: 1040 }), true],
    [
      new OsirisError(OsirisErrorCode.Run, 'commit failed', {
        cause: Object.assign(new Error('reset'), { code: 'ECONNRESET', retryable: false }),
      }),
      false,
    ],
    [Object.assign(new Error('duplicate key'), { code: '23505' }), false],
  ])('%s → %s', (error, expected) => {
    expect(isTransientError(error)).toBe(expected);
  });
});
