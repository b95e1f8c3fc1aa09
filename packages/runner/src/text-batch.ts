// SPDX-License-Identifier: MIT
import type { ColumnDescriptor, Row, TextBatch } from './contracts';

/**
 * The rows of a {@link TextBatch}, with each value as `batches` would give it
 * (numbers for `integer` and `float`, Buffers for `bytes`, strings otherwise). For
 * consumers that want values after all, and for checking a source's text
 * batches against its row batches. Throws on a malformed batch.
 */
export function textBatchRows(batch: TextBatch, columns: readonly ColumnDescriptor[]): Row[] {
  const data = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
  const rows: Row[] = [];
  let off = 0;
  for (let r = 0; r < batch.rowCount; r++) {
    const row: Row = [];
    for (const column of columns) {
      if (off >= data.length) throw new RangeError(`text batch: row ${r + 1} is cut short`);
      let len = data[off++] as number;
      if (len === 0xfb) {
        row.push(null);
        continue;
      }
      if (len === 0xfc) {
        len = data.readUInt16LE(off);
        off += 2;
      } else if (len === 0xfd) {
        len = data.readUIntLE(off, 3);
        off += 3;
      } else if (len === 0xfe) {
        len = data.readUInt32LE(off) + data.readUInt32LE(off + 4) * 0x100000000;
        off += 8;
      } else if (len > 0xfb) {
        throw new RangeError(`text batch: row ${r + 1} has a bad length byte`);
      }
      const end = off + len;
      if (end > data.length) throw new RangeError(`text batch: row ${r + 1} is cut short`);
      switch (column.kind) {
        case 'integer':
        case 'float':
          row.push(Number(data.toString('latin1', off, end)));
          break;
        case 'bytes':
          row.push(Buffer.from(data.subarray(off, end)));
          break;
        default:
          row.push(data.toString('utf8', off, end));
      }
      off = end;
    }
    rows.push(row);
  }
  if (off !== data.length) throw new RangeError('text batch: bytes left over after the last row');
  return rows;
}
