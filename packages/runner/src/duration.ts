// SPDX-License-Identifier: MIT

/** The longest delay a Node.js timer takes (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A number of seconds as users write it (`600`, `1.5`, `0`) in milliseconds, or undefined when
 * the text is not one or is longer than a timer can wait.
 */
export function parseSeconds(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  const ms = Math.round(Number(trimmed) * 1000);
  return ms <= MAX_TIMER_MS ? ms : undefined;
}
