// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { parseIncrementalOptions, parseLag, readReason } from './incremental';

const invalid = (message: string) => new Error(message);

describe('incremental options', () => {
  it('reads lags as users write them', () => {
    expect(parseLag('5 min')).toBe(300);
    expect(parseLag('90s')).toBe(90);
    expect(parseLag('2 hours')).toBe(7200);
    expect(parseLag('1d')).toBe(86400);
    expect(parseLag(30)).toBe(30);
    expect(parseLag('5 fortnights')).toBeUndefined();
    expect(parseLag(-1)).toBeUndefined();
  });

  it('takes a cursor or a COALESCE list, and refuses what it cannot compare', () => {
    expect(parseIncrementalOptions({ cursor: 'updated_at', lag: '5 min' }, invalid)).toEqual({
      cursor: ['updated_at'],
      lag: 300,
      lagText: '5 min',
      initial: undefined,
    });
    expect(parseIncrementalOptions({ cursor: ['updated_at', 'created_at'], initial: 10 }, invalid)).toMatchObject({
      cursor: ['updated_at', 'created_at'],
      lag: 0,
      initial: '10',
    });
    expect(parseIncrementalOptions(undefined, invalid)).toBeUndefined();
    expect(() => parseIncrementalOptions({ cursor: ['a', 'a'] }, invalid)).toThrow(/distinct columns/);
    expect(() => parseIncrementalOptions({ cursor: 'a', lag: 'soon' }, invalid)).toThrow(/lag must be a duration/);
  });

  it('says why a read reads what it reads', () => {
    const options = { cursor: ['u'], lag: 300, lagText: '5 min', initial: undefined };
    const read = { watermark: '2026-12-05 02:00:00', fullRefresh: false, since: undefined, until: undefined };
    expect(readReason(options, read)).toBe('rows changed since 2026-12-05 02:00:00 (lag 5 min)');
    expect(readReason(options, { ...read, watermark: undefined })).toBe('all rows (first run)');
    expect(readReason(options, { ...read, fullRefresh: true })).toBe('all rows (full refresh)');
    expect(readReason(options, { ...read, since: 'a', until: 'b' })).toBe(
      'rows changed from a up to b (a backfill: the watermark does not move)',
    );
  });
});
