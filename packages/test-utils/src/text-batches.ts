// SPDX-License-Identifier: MIT

/**
 * Rows as a text batch (the runner's `TextBatch`): each value length-encoded
 * as MySQL's text protocol sends it (one byte below 251, else 0xfc and two
 * bytes, or 0xfd and three), 0xfb for NULL.
 */
export function textBatchOf(rows: readonly (readonly (string | Uint8Array | null)[])[]): {
  rowCount: number;
  data: Buffer;
} {
  const parts: Buffer[] = [];
  for (const row of rows) {
    for (const value of row) {
      if (value === null) {
        parts.push(Buffer.from([0xfb]));
        continue;
      }
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
      const n = bytes.length;
      const head =
        n < 251
          ? Buffer.from([n])
          : n < 0x10000
            ? Buffer.from([0xfc, n & 0xff, n >> 8])
            : Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
      parts.push(head, bytes);
    }
  }
  return { rowCount: rows.length, data: Buffer.concat(parts) };
}
