// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { isZeroDate, kindOf, shortestFloat32 } from './types';

describe('isZeroDate', () => {
  it.each([
    ['0000-00-00', true],
    ['0000-00-00 00:00:00', true],
    ['0000-00-00 00:00:00.000000', true],
    ['2024-00-10', true],
    ['2024-05-00 10:00:00', true],
    ['2024-05-01', false],
    ['0000-01-01', false],
    ['2000-10-10 00:00:00', false],
  ])('%s → %s', (value, expected) => {
    expect(isZeroDate(value)).toBe(expected);
  });
});

describe('kindOf', () => {
  it.each([
    ['TINYINT', 'integer'],
    ['bigint', 'bigint'],
    ['decimal', 'decimal'],
    ['double', 'float'],
    ['datetime', 'timestamp'],
    ['longblob', 'bytes'],
    ['enum', 'text'],
    ['json', 'json'],
    ['uuid', 'uuid'],
    ['inet6', 'text'],
  ])('%s → %s', (type, kind) => {
    expect(kindOf(type)).toBe(kind);
  });
});

describe('shortestFloat32', () => {
  it.each([
    [0.10000000149011612, 0.1],
    [1.2999999523162842, 1.3],
    [123456792, 123456790],
    [16777216, 16777216],
    [-1.1754943508222875e-38, -1.1754944e-38],
    [0, 0],
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
  ])('%d → %d', (input, expected) => {
    expect(shortestFloat32(input)).toBe(expected);
    expect(Math.fround(shortestFloat32(input))).toBe(Math.fround(input));
  });
});
