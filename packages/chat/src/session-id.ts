// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';

/** `s_20261127T143000Z_ab12cd`: a chat session id that sorts by time. */
export const SESSION_ID_PATTERN: RegExp = /^s_\d{8}T\d{6}Z_[0-9a-f]{6}$/;

/**
 * A new chat session id: UTC time to the second, then six random hex digits.
 *
 * @example
 * newSessionId(new Date('2026-11-27T14:30:00Z')); // 's_20261127T143000Z_3f9a1c'
 */
export function newSessionId(date: Date = new Date()): string {
  const stamp = date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `s_${stamp}_${randomBytes(3).toString('hex')}`;
}
