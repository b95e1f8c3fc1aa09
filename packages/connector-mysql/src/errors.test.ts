// SPDX-License-Identifier: MIT
import { isOsirisError, OsirisError } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { isMysqlConnectorError, MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';

describe('MysqlConnectorError', () => {
  it.each([
    [MYSQL_ERROR_REASONS.CONFIG_INVALID, 'CONFIG'],
    [MYSQL_ERROR_REASONS.CONNECTION_FAILED, 'RUN'],
    [MYSQL_ERROR_REASONS.TABLE_NOT_FOUND, 'RUN'],
    [MYSQL_ERROR_REASONS.ABORTED, 'INTERRUPTED'],
  ])('%s is an Osiris %s error', (reason, code) => {
    const cause = new Error('driver');
    const err = new MysqlConnectorError(reason, 'step1', 'message', { cause });
    expect(err).toBeInstanceOf(OsirisError);
    expect(isOsirisError(err)).toBe(true);
    expect(isMysqlConnectorError(err)).toBe(true);
    expect([err.code, err.reason, err.stepId, err.cause, err.name]).toEqual([
      code,
      reason,
      'step1',
      cause,
      'MysqlConnectorError',
    ]);
  });

  it('is recognised by its brand, not by instanceof', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('osiris.error')]: true, name: 'MysqlConnectorError' });
    expect(isMysqlConnectorError(foreign)).toBe(true);
    expect(isMysqlConnectorError(new Error('x'))).toBe(false);
    expect(isMysqlConnectorError(new OsirisError('RUN', 'x'))).toBe(false);
  });
});
