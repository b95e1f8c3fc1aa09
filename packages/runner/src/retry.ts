// SPDX-License-Identifier: MIT
import type { Connector } from './contracts';
import { isTransientError } from './errors';

/** A failed attempt, as a {@link RetryPolicy} sees it. */
export interface RetryFailure {
  /** Why the attempt failed (not redacted). */
  readonly error: unknown;
  /** 1-based number of the attempt that failed. */
  readonly attempt: number;
  /** The id of the step the error belongs to. */
  readonly step: string;
  /** The connector of that step: it knows which of its driver's errors are worth another attempt. */
  readonly connector: Connector;
}

/** Try again after `delayMs`. */
export interface RetryDecision {
  readonly delayMs: number;
}

/**
 * Decides whether a failed attempt of a pipe (a source and its sink, which retry together) is
 * tried again, and when. The runner asks it after every failed attempt, except when the run was
 * interrupted. A supervisor can give its own (to count retries, or to send a pipe that keeps
 * failing to a dead-letter queue instead).
 *
 * @example
 * const never: RetryPolicy = { next: () => undefined };
 */
export interface RetryPolicy {
  /** The delay before the next attempt, or `undefined` to give up and fail the step. */
  next(failure: RetryFailure): RetryDecision | undefined;
  /** The most attempts it allows, the first included, when it has a bound: shown in messages (`attempt 1 of 3`). */
  readonly attempts?: number;
}

/** The parameters of {@link exponentialBackoff}: the `retry*` fields of `RunSettings`. */
export interface BackoffOptions {
  /** Attempts, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; it doubles for each one after. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. */
  readonly maxDelayMs: number;
}

/**
 * The default policy: retries an error that `isTransientError(error, connector)` calls transient
 * (a connection refused, reset or lost, too many connections), at most `attempts` times in all,
 * waiting `baseDelayMs`, then twice that, and so on, never more than `maxDelayMs`.
 *
 * @example
 * const policy = exponentialBackoff({ attempts: 3, baseDelayMs: 500, maxDelayMs: 5000 }); // waits 500 ms, then 1 s
 */
export function exponentialBackoff(options: BackoffOptions): RetryPolicy {
  return {
    attempts: options.attempts,
    next({ error, attempt, connector }) {
      if (attempt >= options.attempts || !isTransientError(error, connector)) return undefined;
      return { delayMs: Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1)) };
    },
  };
}
