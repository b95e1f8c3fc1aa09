// SPDX-License-Identifier: MIT
import type { ColumnKind } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { converterFor, INVALID, inferKinds } from '../src/internal/kinds';

describe('inferKinds', () => {
  it.each<[string, (string | null)[], ColumnKind]>([
    ['booleans', ['true', 'FALSE', 'True'], 'boolean'],
    ['integers', ['1', '-20', '0', '9007199254740991'], 'integer'],
    ['integers beyond 2^53', ['1', '9007199254740993'], 'bigint'],
    ['integers beyond 64 bits', ['1', '99999999999999999999'], 'decimal'],
    ['decimals and integers', ['1.50', '2', '-0.001'], 'decimal'],
    ['a number with an exponent', ['1.5', '2e10'], 'float'],
    ['the extremes of a double', ['1.7976931348623157e308', '5e-324', '-2.2250738585072014e-308'], 'float'],
    ['an exponent a double would round', ['1.2345678901234567e10'], 'decimal'],
    ['an exponent beyond a double', ['1e400'], 'decimal'],
    ['an exponent below a double', ['1e-400'], 'decimal'],
    ['-0 among integers', ['1', '-0'], 'float'],
    ['-0.0 among decimals', ['1.5', '-0.0'], 'float'],
    ['-0 beside digits a double would round', ['-0', '0.1000000000000000000001'], 'text'],
    ['NaN and Infinity', ['NaN', 'Infinity', '-Infinity', 'inf', '2.5'], 'float'],
    ['NaN beside digits a double would round', ['NaN', '0.1000000000000000000001'], 'decimal'],
    ['a NaN with a sign', ['-NaN', '1.5'], 'text'],
    ['leading zeros before a point', ['007.5'], 'text'],
    ['a point without digits', ['.5', '5.'], 'text'],
    ['year zero', ['0000-01-01'], 'text'],
    ['an offset Postgres refuses', ['2026-01-31T10:00:00+16:00'], 'text'],
    ['dates', ['2026-01-31', '2024-02-29'], 'date'],
    ['an impossible date', ['2026-02-30'], 'text'],
    ['timestamps', ['2026-01-31 10:00:00', '2026-01-31T10:00:00.123456'], 'timestamp'],
    ['dates mixed with timestamps', ['2026-01-31', '2026-01-31 10:00'], 'timestamp'],
    ['timestamps with a zone', ['2026-01-31T10:00:00Z', '2026-01-31 10:00:00+01:00'], 'timestamptz'],
    ['times', ['10:00:00', '23:59:59.5'], 'time'],
    ['uuids', ['123e4567-e89b-12d3-a456-426614174000'], 'uuid'],
    ['leading zeros (ZIP codes)', ['02134', '10001'], 'text'],
    ['a plus sign (phone numbers)', ['+4930123456'], 'text'],
    ['1 and 0', ['1', '0'], 'integer'],
    ['yes and no', ['yes', 'no'], 'text'],
    ['JSON', ['{"a":1}'], 'text'],
    ['only NULLs and empty strings', [null, '', null], 'text'],
    ['NULLs among integers', [null, '7', ''], 'integer'],
    ['one stray text', ['1', '2', 'n/a'], 'text'],
  ])('%s → %s', (_name, values, kind) => {
    expect(
      inferKinds(
        1,
        values.map((v) => [v]),
      ),
    ).toEqual([kind]);
  });

  it('infers each column on its own', () => {
    expect(
      inferKinds(3, [
        ['1', 'a', '2026-01-01'],
        ['2', 'b', null],
      ]),
    ).toEqual(['integer', 'text', 'date']);
  });
});

describe('converters', () => {
  it.each<[ColumnKind, string, unknown]>([
    ['integer', '+007', 7],
    ['integer', '9007199254740992', INVALID],
    ['bigint', '-9223372036854775808', '-9223372036854775808'],
    ['bigint', '9223372036854775808', INVALID],
    ['decimal', '+12.500', '12.500'],
    ['decimal', '1e3', '1e3'],
    ['decimal', '1,5', INVALID],
    ['decimal', 'NaN', 'NaN'],
    ['decimal', '-Infinity', '-Infinity'],
    ['decimal', '-NaN', INVALID],
    ['float', '-inf', Number.NEGATIVE_INFINITY],
    ['float', '-0', -0],
    ['float', '1e400', INVALID],
    ['float', '-1e-400', INVALID],
    ['float', '0e-400', 0],
    ['float', '5e-324', 5e-324],
    ['float', 'abc', INVALID],
    ['boolean', 'Y', true],
    ['boolean', 'off', false],
    ['boolean', 'maybe', INVALID],
    ['date', '2026-13-01', INVALID],
    ['timestamp', '2026-01-31T10:00', '2026-01-31 10:00:00'],
    ['timestamp', '2026-01-31', '2026-01-31 00:00:00'],
    ['timestamp', '2026-01-31 10:00:00Z', INVALID],
    ['timestamptz', '2026-01-31 10:00:00.25Z', '2026-01-31T10:00:00.25+00:00'],
    ['timestamptz', '2026-01-31T10:00:00-0330', '2026-01-31T10:00:00-03:30'],
    ['timestamptz', '2026-01-31T10:00:00', INVALID],
    ['time', '07:05', '07:05:00'],
    ['time', '24:00:00', INVALID],
    ['json', '[1, 2]', '[1, 2]'],
    ['json', '{nope}', INVALID],
    ['bytes', '\\xdeadBEEF', Buffer.from('deadbeef', 'hex')],
    ['bytes', 'deadbeef', INVALID],
    ['uuid', '123E4567-E89B-12D3-A456-426614174000', '123e4567-e89b-12d3-a456-426614174000'],
    ['uuid', '123', INVALID],
    ['text', ' as is ', ' as is '],
  ])('%s %j → %j', (kind, text, value) => {
    expect(converterFor(kind)(text)).toEqual(value);
  });
});
