// SPDX-License-Identifier: MIT
import { isTransientError } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { supabaseTableConnector } from './connector';

const codeError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('supabaseTableConnector declares itself', () => {
  it('takes postgres://, postgresql:// and pglite:// connections', () => {
    expect(supabaseTableConnector.urlSchemes).toEqual(['postgres', 'postgresql', 'pglite']);
  });

  it.each([
    ['postgresql://svc@pooler:6543/postgres', undefined],
    ['postgres://svc@db/postgres', undefined],
    ['pglite://.osiris/db', /embedded database \(pglite:\/\/\) on this machine/],
    ['PGLITE://memory', /embedded database/],
  ])('a sandbox can run it on %s: %s', (url, refusal) => {
    const reason = supabaseTableConnector.sandbox?.({ url });
    if (refusal === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(refusal);
  });

  // The Postgres knowledge that was the runner's: the same errors are retried as before.
  it.each([
    [codeError('53300', 'sorry, too many clients already'), true],
    [codeError('57P01', 'terminating connection due to administrator command'), true],
    [codeError('57P02', 'terminating connection due to crash of another server process'), true],
    [codeError('57P03', 'the database system is starting up'), true],
    [codeError('08006', 'connection failure'), true],
    [codeError('08001', 'could not connect'), true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('copy failed', { cause: codeError('57P01') }), true],
    [Object.assign(codeError('57P01'), { retryable: false }), false],
    [codeError('28P01', 'password authentication failed for user "svc"'), false],
    [codeError('23505', 'duplicate key value violates unique constraint'), false],
    [Object.assign(new Error('Connection was killed'), { errno: 1927 }), false],
  ])('%#: %s → transient %s', (error, expected) => {
    expect(isTransientError(error, supabaseTableConnector)).toBe(expected);
  });
});
