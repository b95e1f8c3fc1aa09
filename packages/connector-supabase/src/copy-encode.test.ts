// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { encodeBatch, escapeCopyText, fieldEncoder } from './copy-encode';

describe('escapeCopyText', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a\tb', 'a\\tb'],
    ['a\nb', 'a\\nb'],
    ['a\rb', 'a\\rb'],
    ['a\\b', 'a\\\\b'],
    ['\\N', '\\\\N'],
    ['NULL', 'NULL'],
    ['\\.', '\\\\.'],
    ['😀\t漢', '😀\\t漢'],
  ])('%j → %j', (input, expected) => {
    expect(escapeCopyText(input)).toBe(expected);
  });
});

describe('fieldEncoder', () => {
  it.each([
    ['integer', 'number', 42, '42'],
    ['integer', 'bool', 1, 't'],
    ['integer', 'bool', 0, 'f'],
    ['integer', 'bool', 2, 't'],
    ['float', 'number', -0, '-0'],
    ['float', 'number', Number.NaN, 'NaN'],
    ['float', 'number', Number.NEGATIVE_INFINITY, '-Infinity'],
    ['boolean', 'bool', true, 't'],
    ['boolean', 'number', false, '0'],
    ['boolean', 'text', true, 'true'],
    ['bytes', 'bytea', Buffer.from([0, 255]), '\\\\x00ff'],
    ['bytes', 'text', Buffer.from([1]), '\\\\x01'],
    ['text', 'bytea', 'é', '\\\\xc3a9'],
    ['json', 'json', { a: 'x\ty' }, '{"a":"x\\\\ty"}'],
    ['json', 'json', '{"a":"\\n"}', '{"a":"\\\\n"}'],
    ['decimal', 'number', '1.50', '1.50'],
    ['bigint', 'number', 12n, '12'],
    ['timestamp', 'other', new Date('2024-01-02T03:04:05.000Z'), '2024-01-02T03:04:05.000Z'],
    ['text', 'text', 42, '42'],
  ] as const)('%s into %s: %o → %j', (kind, target, value, expected) => {
    expect(fieldEncoder(kind, target)(value)).toBe(expected);
  });
});

describe('encodeBatch', () => {
  const encoders = [fieldEncoder('integer', 'number'), fieldEncoder('text', 'text')];

  it('writes tabs between fields, a newline after each row, \\N for NULL and nothing for an empty string', () => {
    expect(
      encodeBatch(
        [
          [1, ''],
          [2, null],
          [null, 'a\tb'],
        ],
        encoders,
        ['id', 'v'],
        0,
      ),
    ).toBe('1\t\n2\t\\N\n\\N\ta\\tb\n');
  });

  it('appends a running row number for merges', () => {
    expect(
      encodeBatch(
        [
          [1, 'x'],
          [2, null],
        ],
        encoders,
        ['id', 'v'],
        0,
        7,
      ),
    ).toBe('1\tx\t7\n2\t\\N\t8\n');
  });

  it('names the row and column it cannot encode', () => {
    expect(() =>
      encodeBatch(
        [
          [1, 'x'],
          [2, Symbol('s')],
        ],
        encoders,
        ['id', 'v'],
        10,
      ),
    ).toThrow("input row 12, column 'v': cannot write a value of type symbol");
    expect(() => encodeBatch([[1]], encoders, ['id', 'v'], 0)).toThrow('input row 1 has 1 values');
  });
});
