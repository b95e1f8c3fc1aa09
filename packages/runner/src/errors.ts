// SPDX-License-Identifier: MIT
import { isOsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Connector } from './contracts';

// Socket errors any driver surfaces as they are: the connection was refused, reset or cut, or the name of its host
// did not resolve for now. What a driver's own codes mean (MySQL's 1040, Postgres's 53300) is its connector's to say.
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);
const TRANSIENT_MESSAGE = /connection refused|connection reset|ECONNREFUSED|ECONNRESET/i;

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
 * True when an error (or one of its causes) is worth another attempt: a
 * socket error any driver surfaces (`ECONNREFUSED`, `ECONNRESET`, `EPIPE`,
 * `ETIMEDOUT`, `EAI_AGAIN`), or an error the failing step's connector calls
 * transient (`connector.isTransient`, asked for each error of the chain: the
 * MySQL connector for too many connections, the Postgres one for a server
 * restarting, …). Never for an abort or an interruption, nor when any error
 * of the chain says `retryable: false` (a connector marks so an error that
 * happened at or after COMMIT).
 *
 * @example
 * if (attempt < 3 && isTransientError(error, failedStep.connector)) await retry();
 */
export function isTransientError(error: unknown, connector?: Pick<Connector, 'isTransient'>): boolean {
  let transient = false;
  for (const link of errorChain(error)) {
    if (link.retryable === false) return false;
    if (isOsirisError(link) && link.code === OsirisErrorCode.Interrupted) return false;
    if (link.name === 'AbortError') return false;
    if (typeof link.code === 'string' && TRANSIENT_CODES.has(link.code)) transient = true;
    if (typeof link.message === 'string' && TRANSIENT_MESSAGE.test(link.message)) transient = true;
    if (!transient && connector?.isTransient?.(link) === true) transient = true;
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
