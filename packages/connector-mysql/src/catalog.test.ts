// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { constantDefault } from './catalog';

describe('constantDefault', () => {
  it.each([
    // MariaDB quotes literals and prints expressions bare; MySQL 8 prints both bare and marks expressions.
    ["'a''b'", '', 'varchar', "a'b"],
    ["'x\\\\y'", '', 'varchar', 'x\\y'],
    ['5', '', 'int', '5'],
    ['-1.5', '', 'decimal', '-1.5'],
    ["'2020-01-01'", '', 'date', '2020-01-01'],
    ['new', '', 'varchar', 'new'],
    ['NULL', '', 'int', undefined],
    [null, '', 'int', undefined],
    ['current_timestamp()', '', 'timestamp', undefined],
    ['CURRENT_TIMESTAMP', 'DEFAULT_GENERATED', 'timestamp', undefined],
    ["'0000-00-00'", '', 'date', undefined],
    ["b'0'", '', 'bit', undefined],
    ["'abc'", '', 'blob', undefined],
  ])('%s (%s, %s) → %s', (raw, extra, dataType, value) => {
    expect(constantDefault(raw, extra, dataType)).toBe(value);
  });
});
