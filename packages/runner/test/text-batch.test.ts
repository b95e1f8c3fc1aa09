// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import type { ColumnDescriptor } from '../src/contracts';
import { textBatchRows } from '../src/text-batch';

const columns: ColumnDescriptor[] = [
  { name: 'id', kind: 'integer', nullable: false, nativeType: 'int' },
  { name: 'note', kind: 'text', nullable: true, nativeType: 'text' },
  { name: 'blob', kind: 'bytes', nullable: true, nativeType: 'blob' },
];

describe('textBatchRows', () => {
  it('reads length-encoded values of every length, NULLs and UTF-8', () => {
    const long = 'é'.repeat(200);
    const huge = 'x'.repeat(70_000);
    const bytes = Buffer.concat([
      Buffer.from([2, 0x2d, 0x37, Buffer.byteLength('a\tb 😀'), ...Buffer.from('a\tb 😀')]),
      Buffer.from([0xfb]),
      Buffer.from([2, 0x31, 0x32, 0xfc, 0x90, 0x01]),
      Buffer.from(long),
      Buffer.from([0xfd, 0x70, 0x11, 0x01]),
      Buffer.from(huge),
    ]);
    expect(textBatchRows({ rowCount: 2, data: bytes }, columns)).toEqual([
      [-7, 'a\tb 😀', null],
      [12, long, Buffer.from(huge)],
    ]);
    expect(Buffer.from(long).length).toBe(0x190);
  });

  it('reads a float as the double its decimal stands for', () => {
    const floats: ColumnDescriptor[] = [{ name: 'v', kind: 'float', nullable: true, nativeType: 'double' }];
    const values = ['405.40353712197725', '5e-324', '1e23', '-1.7976931348623157e308', 'NaN', '-Infinity'];
    const data = Buffer.concat(values.map((v) => Buffer.from([v.length, ...Buffer.from(v, 'latin1')])));
    const rows = textBatchRows({ rowCount: values.length, data }, floats);
    expect(rows).toEqual([[405.40353712197725], [5e-324], [1e23], [-1.7976931348623157e308], [NaN], [-Infinity]]);
  });

  it('rejects a batch that is cut short or too long', () => {
    expect(() => textBatchRows({ rowCount: 1, data: Uint8Array.from([1, 0x31, 5, 0x61]) }, columns)).toThrow(
      /cut short/,
    );
    expect(() => textBatchRows({ rowCount: 1, data: Uint8Array.from([1, 0x31, 0xfb, 0xfb, 0xfb]) }, columns)).toThrow(
      /left over/,
    );
  });
});
