// SPDX-License-Identifier: MIT
import { isOsirisError, OsirisError } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { isSupabaseConnectorError, SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';

describe('SupabaseConnectorError', () => {
  it.each([
    [SUPABASE_ERROR_REASONS.CONFIG_INVALID, 'CONFIG'],
    [SUPABASE_ERROR_REASONS.CONNECTION_FAILED, 'RUN'],
    [SUPABASE_ERROR_REASONS.TABLE_NOT_FOUND, 'RUN'],
    [SUPABASE_ERROR_REASONS.ABORTED, 'INTERRUPTED'],
  ])('%s is an Osiris %s error', (reason, code) => {
    const cause = new Error('driver');
    const err = new SupabaseConnectorError(reason, 'step1', 'message', { cause });
    expect(err).toBeInstanceOf(OsirisError);
    expect(isOsirisError(err)).toBe(true);
    expect(isSupabaseConnectorError(err)).toBe(true);
    expect([err.code, err.reason, err.stepId, err.cause, err.name]).toEqual([
      code,
      reason,
      'step1',
      cause,
      'SupabaseConnectorError',
    ]);
  });

  it('is recognised by its brand, not by instanceof', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('osiris.error')]: true,
      name: 'SupabaseConnectorError',
    });
    expect(isSupabaseConnectorError(foreign)).toBe(true);
    expect(isSupabaseConnectorError(new Error('x'))).toBe(false);
    expect(isSupabaseConnectorError(new OsirisError('RUN', 'x'))).toBe(false);
  });
});
