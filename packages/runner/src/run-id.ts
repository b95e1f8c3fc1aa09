// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';

/** `r_20261127T143000Z_ab12cd`: UTC time to the second, then six random hex digits. */
export const RUN_ID_PATTERN: RegExp = /^r_\d{8}T\d{6}Z_[0-9a-f]{6}$/;

/**
 * A new run id. Ids sort by the time they were made; the random suffix keeps
 * two runs started in the same second apart.
 *
 * @example
 * newRunId(new Date('2026-11-27T14:30:00Z')); // 'r_20261127T143000Z_3f9a1c'
 */
export function newRunId(date: Date = new Date()): string {
  const stamp = date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `r_${stamp}_${randomBytes(3).toString('hex')}`;
}
