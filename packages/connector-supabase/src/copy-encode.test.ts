// SPDX-License-Identifier: MIT
import { textBatchOf } from '@osiris/test-utils';
import { describe, expect, it } from 'vitest';
import { CopyEncoder, encodeBatch, escapeCopyText, fieldEncoder } from './copy-encode';

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
    ['float', 'bool', 1, 't'],
    ['float', 'bool', -0, 'f'],
    ['text', 'bool', 1n, 't'],
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

describe('fieldEncoder into a boolean column', () => {
  it.each([
    ['integer', 5],
    ['integer', -3],
    ['float', 0.5],
    ['float', Number.NaN],
    ['text', 2n],
  ] as const)('refuses %s %o: only 0 and 1 are booleans', (kind, value) => {
    expect(() => fieldEncoder(kind, 'bool')(value)).toThrow(
      `the number ${String(value)} as a boolean: only 0 (false) and 1 (true) can be`,
    );
  });

  it('names the row, the column and the value', () => {
    const encoders = [fieldEncoder('integer', 'number'), fieldEncoder('integer', 'bool')];
    expect(() =>
      encodeBatch(
        [
          [1, 1],
          [2, 0],
          [3, 5],
        ],
        encoders,
        ['id', 'flag'],
        10,
      ),
    ).toThrow(
      "input row 13, column 'flag': cannot write the number 5 as a boolean: only 0 (false) and 1 (true) can be",
    );
  });
});

describe('a time into a time column', () => {
  const encoders = [fieldEncoder('integer', 'number'), fieldEncoder('time', 'time')];
  const fits = ['00:00:00', '23:59:59.999999', '24:00:00', '24:00:00.000000', '07:08:09.5'];

  it.each(fits)('writes %s as it is', (time) => {
    const expected = `1\t${time}\n`;
    expect(encodeBatch([[1, time]], encoders, ['id', 't'], 0)).toBe(expected);
    const encoder = new CopyEncoder(encoders, ['id', 't']);
    expect(encoder.readsText(['integer', 'time'], ['int4', 'time'])).toBe(true);
    expect(encoder.encodeText(textBatchOf([['1', time]]), 0).toString('latin1')).toBe(expected);
  });

  it.each([
    '24:00:01',
    '25:00:00',
    '838:59:59.000000',
    '-00:00:01',
    '-838:59:59',
  ])('refuses the duration %s, on both paths, and says to use an interval column', (time) => {
    const message = `input row 3, column 't': cannot write the time ${time} into a time column, which holds only times of day (00:00:00 to 24:00:00); for a duration, such as a MySQL TIME, use an interval column`;
    expect(() =>
      encodeBatch(
        [
          [1, '10:00:00'],
          [2, null],
          [3, time],
        ],
        encoders,
        ['id', 't'],
        0,
      ),
    ).toThrow(message);
    const encoder = new CopyEncoder(encoders, ['id', 't']);
    expect(() =>
      encoder.encodeText(
        textBatchOf([
          ['1', '10:00:00'],
          ['2', null],
          ['3', time],
        ]),
        0,
      ),
    ).toThrow(message);
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

describe('CopyEncoder.encodeText', () => {
  const kinds = ['integer', 'text', 'bytes', 'decimal', 'timestamp', 'json'] as const;
  const encoders = [
    fieldEncoder('integer', 'number'),
    fieldEncoder('text', 'text'),
    fieldEncoder('bytes', 'bytea'),
    fieldEncoder('decimal', 'number'),
    fieldEncoder('timestamp', 'text'),
    fieldEncoder('json', 'json'),
  ];
  const names = ['id', 'note', 'blob', 'amount', 'at', 'doc'];
  const tricky = ['', 'NULL', '\\N', 'tab\there', 'line\nbreak\r', 'back\\slash', '😀 漢字', 'x'.repeat(300)];

  it('writes byte for byte what encode writes for the same rows as values, with and without a row number', () => {
    const values: (number | string | Buffer | null)[][] = [];
    const texts: (string | Buffer | null)[][] = [];
    for (let i = 0; i < 64; i++) {
      const note = i % 9 === 8 ? null : (tricky[i % tricky.length] as string);
      const blob = i % 5 === 0 ? null : Buffer.from([0, i, 255, 92, 10]);
      const row = [
        (i - 32) * 1000003,
        note,
        blob,
        `${i}.50`,
        '2026-11-27 10:00:00.123456',
        i % 4 === 0 ? null : `{"k":"v\\t${i}"}`,
      ];
      values.push(row);
      texts.push([String(row[0]), note, blob, row[3] as string, row[4] as string, row[5] as string | null]);
    }
    const encoder = new CopyEncoder(encoders, names);
    expect(encoder.readsText([...kinds], ['int8', 'text', 'bytea', 'numeric', 'timestamp', 'jsonb'])).toBe(true);
    for (const sequence of [undefined, 7]) {
      const expected = new CopyEncoder(encoders, names).encode(values, 0, sequence);
      expect(encoder.encodeText(textBatchOf(texts), 0, sequence).toString('latin1')).toBe(expected.toString('latin1'));
    }
  });

  it('refuses kinds that would need a conversion (booleans; floats into anything but float8)', () => {
    const encoder = new CopyEncoder([fieldEncoder('float', 'number'), fieldEncoder('boolean', 'bool')], ['f', 'b']);
    expect(encoder.readsText(['float', 'boolean'], ['float8', 'bool'])).toBe(false);
    const floats = new CopyEncoder([fieldEncoder('integer', 'number'), fieldEncoder('float', 'number')], ['i', 'f']);
    expect(floats.readsText(['integer', 'float'], ['int4', 'float8'])).toBe(true);
    // A float's text is a decimal that reads back as its double: the same value, not always the same text.
    for (const typname of ['float4', 'numeric', 'int8']) {
      expect(floats.readsText(['integer', 'float'], ['int4', typname]), typname).toBe(false);
    }
  });

  it('copies the decimal of a float as it is into a float8', () => {
    const encoder = new CopyEncoder([fieldEncoder('float', 'number')], ['f']);
    const texts = ['405.40353712197725', '1e23', '-5e-324', null, 'NaN'];
    expect(encoder.encodeText(textBatchOf(texts.map((t) => [t])), 0).toString('latin1')).toBe(
      '405.40353712197725\n1e23\n-5e-324\n\\N\nNaN\n',
    );
  });

  it('names the row of a malformed batch', () => {
    const encoder = new CopyEncoder([fieldEncoder('text', 'text')], ['v']);
    expect(() => encoder.encodeText({ rowCount: 2, data: Buffer.from([1, 97]) }, 10)).toThrow(/input row 12/);
  });
});
