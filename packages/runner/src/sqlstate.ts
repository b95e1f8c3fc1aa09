// SPDX-License-Identifier: MIT

// Five characters with at least one digit (`23514`, `42P01`, `HY000`): Node's own codes (`EPIPE`) and Osiris's
// (`RUN`) never match.
const SQLSTATE = /^(?=.*\d)[0-9A-Z]{5}$/;

/**
 * The SQLSTATE of the database error behind an error, when there is one: MySQL's `sqlState`, or
 * Postgres's `code`, found on the error or one of its causes.
 *
 * @example
 * sqlstateOf(new OsirisError('RUN', 'load failed', { cause: pgError })); // '23514'
 */
export function sqlstateOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && !seen.has(current) && seen.size < 16) {
    seen.add(current);
    const record = current as Record<string, unknown>;
    for (const value of [record.sqlState, record.sqlstate, record.code]) {
      if (typeof value === 'string' && SQLSTATE.test(value)) return value;
    }
    current = record.cause;
  }
  return undefined;
}
