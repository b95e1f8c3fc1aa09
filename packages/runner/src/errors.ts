// SPDX-License-Identifier: MIT
import { isOsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Connector } from './contracts';

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  // Postgres: too_many_connections, admin_shutdown (also pg_terminate_backend), crash_shutdown,
  // cannot_connect_now, connection_failure
  '53300',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
]);
// MySQL: too many connections, too many of this user's; the server shutting down, MariaDB's "Connection was
// killed" (both sent, when the socket has room, instead of simply closing the connection).
const TRANSIENT_ERRNOS = new Set([1040, 1203, 1053, 1927]);
const TRANSIENT_MESSAGE =
  /too many (client )?connections|connection refused|connection reset|connection terminated unexpectedly|ECONNREFUSED|ECONNRESET/i;

function* errorChain(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown>;
    yield record;
    if ('cause' in record) queue.push(record.cause);
    if (Array.isArray(record.errors)) queue.push(...record.errors);
  }
}

/**
 * True when an error (or one of its causes) is a connection problem worth
 * another attempt: refused, reset, lost or terminated, too many connections
 * (`ER_CON_COUNT_ERROR`, Postgres `53300`). A connector marks an error that happened at or after
 * COMMIT with `retryable: false`, and the runner then never retries it.
 */
export function isTransientError(error: unknown, _connector?: Connector): boolean {
  let transient = false;
  for (const link of errorChain(error)) {
    if (link.retryable === false) return false;
    if (isOsirisError(link) && link.code === OsirisErrorCode.Interrupted) return false;
    if (link.name === 'AbortError') return false;
    if (typeof link.code === 'string' && TRANSIENT_CODES.has(link.code)) transient = true;
    if (typeof link.errno === 'number' && TRANSIENT_ERRNOS.has(link.errno)) transient = true;
    if (typeof link.message === 'string' && TRANSIENT_MESSAGE.test(link.message)) transient = true;
  }
  return transient;
}

/** One line that says what went wrong, with the causes a driver error wraps. Not redacted. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (const link of errorChain(error)) {
    const message = typeof link.message === 'string' ? link.message.trim() : '';
    // A driver's code (ER_BAD_DB_ERROR, 42P01) helps; an Osiris error's own code (RUN) says nothing new.
    const code =
      typeof link.code === 'string' && !isOsirisError(link) && !message.includes(link.code) ? ` (${link.code})` : '';
    const text = `${message}${code}`.trim();
    if (text !== '' && !parts.some((part) => part.includes(message || text))) parts.push(text);
    if (parts.length >= 4) break;
  }
  if (parts.length === 0) return typeof error === 'string' ? error : 'unknown error';
  return parts.join(': ');
}
