// SPDX-License-Identifier: MIT
import type { ColumnDescriptor } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { LoadDataEncoder, utcDateTime } from './load-data';
import { upsertCounts } from './write';
import { mysqlTypeFor } from './write-types';

const col = (kind: ColumnDescriptor['kind'], nativeType: string = kind, extra = {}): ColumnDescriptor => ({
  name: 'c',
  kind,
  nativeType,
  nullable: true,
  ...extra,
});

describe('utcDateTime', () => {
  it.each([
    ['2024-01-02 03:04:05.123456+00', '2024-01-02 03:04:05.123456'],
    ['2024-01-02T03:04:05Z', '2024-01-02 03:04:05'],
    ['2024-01-02 03:04:05.5+02', '2024-01-02 01:04:05.5'],
    ['2024-01-01 00:30:00-09:30', '2024-01-01 10:00:00'],
    ['2024-12-31 23:00:00.000001-02', '2025-01-01 01:00:00.000001'],
    ['2024-03-01 00:00:00+05:30:15', '2024-02-29 18:29:45'],
    ['2024-01-02 03:04:05', '2024-01-02 03:04:05'],
  ])('%s → %s', (input, expected) => {
    expect(utcDateTime(input)).toBe(expected);
  });
});

describe('LoadDataEncoder', () => {
  it('escapes the five special characters, writes NULL as \\N and bytes as they are', () => {
    const encoder = new LoadDataEncoder([col('text'), col('bytes'), col('float'), col('boolean')]);
    const out = encoder.encode([
      ['a\tb\nc\\d\re\0f', Buffer.from([0x5c, 0x09, 0xff]), -0, true],
      [null, null, 1e23, false],
    ]);
    expect(out).toEqual(
      Buffer.concat([
        Buffer.from('a\\tb\\nc\\\\d\\re\\0f\t'),
        Buffer.from([0x5c, 0x5c, 0x5c, 0x74, 0xff]),
        Buffer.from('\t-0\t1\n\\N\t\\N\t1e+23\t0\n'),
      ]),
    );
    expect(encoder.rows).toBe(2);
  });

  it('refuses a NaN double and a row of the wrong width, naming the row and column', () => {
    const encoder = new LoadDataEncoder([col('float')]);
    expect(() => encoder.encode([[1], [Number.NaN]])).toThrow(/row 2, column 'c': NaN cannot be stored/);
    expect(() => new LoadDataEncoder([col('text')]).encode([['a', 'b']])).toThrow(/row 1: expected 1 values, got 2/);
  });
});

describe('mysqlTypeFor', () => {
  it.each([
    [col('integer', 'int4'), false, 'INT'],
    [col('integer', 'int(10) unsigned'), false, 'INT UNSIGNED'],
    [col('integer', 'tinyint(1)'), false, 'TINYINT'],
    [col('bigint', 'bigint(20) unsigned'), false, 'BIGINT UNSIGNED'],
    [col('decimal', 'numeric(12,2)', { precision: 12, scale: 2 }), false, 'DECIMAL(12,2)'],
    [col('decimal', 'numeric'), false, 'DECIMAL(65,30)'],
    [col('float', 'float4'), false, 'DOUBLE'],
    [col('text', 'character varying(30)', { length: 30 }), false, 'VARCHAR(30)'],
    [col('text', 'text'), false, 'LONGTEXT'],
    [col('text', 'text'), true, 'VARCHAR(768)'],
    [col('bytes', 'bytea'), false, 'LONGBLOB'],
    [col('timestamptz'), false, 'DATETIME(6)'],
    [col('uuid'), false, 'CHAR(36) CHARACTER SET ascii'],
  ])('%o (key %s) → %s', (column, key, expected) => {
    expect(mysqlTypeFor(column, key)).toBe(expected);
  });
});

describe('upsertCounts', () => {
  it('splits an upsert into inserted, updated and unchanged rows from the server info', () => {
    // 4 rows: 2 inserted (2 affected), 1 changed (2 affected), 1 unchanged (0).
    expect(upsertCounts({ affectedRows: 4, info: 'Records: 4  Duplicates: 1  Warnings: 0' }, 4)).toEqual({
      inserted: 2,
      updated: 1,
      unchanged: 1,
    });
    expect(upsertCounts({ affectedRows: 0, info: 'Records: 3  Duplicates: 0  Warnings: 0' }, 3)).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 3,
    });
  });
});
