// SPDX-License-Identifier: MIT
import type { Connection } from 'mysql2/promise';

/**
 * Doubles that parsers and printers get wrong: the extremes, the subnormal
 * boundary, and values whose shortest decimal has 17 digits.
 */
export const EDGE_DOUBLES: readonly number[] = [
  0,
  5e-324,
  -5e-324,
  1e-323,
  2.225073858507201e-308, // the largest subnormal
  2.2250738585072014e-308, // the smallest normal
  -2.2250738585072014e-308,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  405.40353712197725,
  0.1,
  0.30000000000000004,
  1e23,
  9007199254740994,
  123456789012345680000,
  -1.2345678901234568e-300,
];

/**
 * `count` finite doubles from random 64-bit patterns (so of every magnitude,
 * subnormals included), the same for the same seed (SplitMix64). -0 is left
 * out: MariaDB stores it as 0.
 */
export function randomDoubles(count: number, seed: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  const out: number[] = [];
  let state = BigInt(seed);
  while (out.length < count) {
    state = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    view.setBigUint64(0, z ^ (z >> 31n));
    const value = view.getFloat64(0);
    if (Number.isFinite(value) && !Object.is(value, -0)) out.push(value);
  }
  return out;
}

/** The IEEE 754 bits of a double as 16 hex digits (big-endian, as Postgres's `float8send`). */
export function doubleBits(value: number): string {
  const buf = Buffer.alloc(8);
  buf.writeDoubleBE(value);
  return buf.toString('hex');
}

/**
 * Inserts `(id, value)` rows with ids 1, 2, … into `table` (id and one DOUBLE
 * column) through the binary protocol, so that the server stores each double
 * as it is, not a decimal it parsed.
 */
export async function insertDoubles(connection: Connection, table: string, values: readonly number[]): Promise<void> {
  for (let i = 0; i < values.length; i += 1000) {
    const chunk = values.slice(i, i + 1000);
    await connection.execute(
      `INSERT INTO \`${table}\` VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
      chunk.flatMap((value, k) => [i + k + 1, value]),
    );
  }
}
