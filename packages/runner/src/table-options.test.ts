// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { parseTableReadOptions } from './table-options';

const invalid = (message: string) => new Error(message);

describe('parseTableReadOptions', () => {
  it('keeps table, schema, columns and filters', () => {
    expect(
      parseTableReadOptions(
        {
          schema: 'shop',
          table: 'orders',
          columns: ['id', 'amount'],
          filters: [
            { column: 'id', op: 'in', value: [1, 2] },
            { column: 'note', op: 'is_null', value: 'ignored' },
          ],
        },
        invalid,
      ),
    ).toEqual({
      schema: 'shop',
      table: 'orders',
      columns: ['id', 'amount'],
      filters: [
        { column: 'id', op: 'in', value: [1, 2] },
        { column: 'note', op: 'is_null' },
      ],
    });
  });

  it.each([
    [{}, 'options.table is required'],
    [{ table: '' }, 'options.table must be a non-empty string'],
    [{ table: 't', columns: [] }, 'non-empty list of column names'],
    [{ table: 't', columns: ['a', 'a'] }, 'lists a column twice'],
    [{ table: 't', filters: {} }, 'must be a list'],
    [{ table: 't', filters: [{ column: 'a', op: 'between', value: 1 }] }, 'filters[0].op must be one of'],
    [{ table: 't', filters: [{ column: 'a', op: 'in', value: 1 }] }, 'non-empty list of strings'],
    [{ table: 't', filters: [{ column: 'a', op: 'eq', value: Number.NaN }] }, 'finite number'],
  ])('refuses %j', (config, message) => {
    expect(() => parseTableReadOptions(config, invalid)).toThrow(message);
  });
});
