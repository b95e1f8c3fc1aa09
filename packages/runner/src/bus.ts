// SPDX-License-Identifier: MIT
import type { Connector } from './contracts';
import type { Envelope, Topic } from './envelope';
import { describeError } from './errors';
import { exponentialBackoff, type RetryPolicy } from './retry';

/** Handles one envelope of a topic. A thrown error (or rejected promise) is retried by the bus's policy. */
export type EnvelopeHandler = (envelope: Envelope) => void | Promise<void>;

/** An envelope whose handler kept failing: what the bus gives its dead-letter sink. */
export interface DeadLetter {
  readonly topic: Topic;
  readonly envelope: Envelope;
  /** The handler's last error, described in one line (not yet redacted). */
  readonly error: string;
  readonly attempts: number;
}

export interface BusOptions {
  /**
   * Decides whether a failed handler is tried again, and when: the runner's own policy
   * (default `exponentialBackoff({ attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 })`). A handler
   * counts as a connector that calls every error transient, so only an abort, an interruption or
   * `retryable: false` stops the retries early.
   */
  readonly retryPolicy?: RetryPolicy;
  /** Where an envelope goes when its handler still fails (the dead-letter queue). */
  readonly deadLetter?: (letter: DeadLetter) => void | Promise<void>;
  /** Waits between attempts (tests pass a fake). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The in-process bus: a contract, not a broker. Envelopes of one `correlation_id` reach the
 * handlers in the order they were published (FIFO per correlation id); different ids do not wait
 * for each other. `publish` resolves when every handler has taken the envelope (or it went to the
 * dead-letter sink); `drain` when everything published so far has.
 */
export interface Bus {
  subscribe(topic: Topic, handler: EnvelopeHandler): () => void;
  publish(topic: Topic, envelope: Envelope): Promise<void>;
  drain(): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A connector stand-in for a handler: its errors are all worth another attempt. */
function handlerConnector(topic: Topic): Connector {
  return { type: `bus:${topic}`, modes: [], capabilities: [], isTransient: () => true };
}

/**
 * A new bus.
 *
 * @example
 * const bus = createBus({ deadLetter: (letter) => dlq.write(letter) });
 * bus.subscribe('run.events', (envelope) => console.log(envelope.type));
 * await bus.publish('run.events', createEnvelope({ source: 'supervisor', type: 'RUN_RESULT', correlationId, payload }));
 */
export function createBus(options: BusOptions = {}): Bus {
  const policy = options.retryPolicy ?? exponentialBackoff({ attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 });
  const sleep = options.sleep ?? defaultSleep;
  const handlers = new Map<Topic, EnvelopeHandler[]>();
  // The tail of each correlation id's queue; removed once it is the last and has settled.
  const queues = new Map<string, Promise<void>>();

  async function deliver(topic: Topic, handler: EnvelopeHandler, envelope: Envelope): Promise<void> {
    const connector = handlerConnector(topic);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handler(envelope);
        return;
      } catch (error) {
        const decision = policy.next({ error, attempt, step: topic, connector });
        if (decision === undefined) {
          try {
            await options.deadLetter?.({ topic, envelope, error: describeError(error), attempts: attempt });
          } catch {
            // A dead-letter sink that fails too (a full disk) must not end the run that published: publish never
            // rejects, so publishers may fire and forget.
          }
          return;
        }
        await sleep(decision.delayMs);
      }
    }
  }

  return {
    subscribe(topic, handler) {
      const list = handlers.get(topic) ?? [];
      list.push(handler);
      handlers.set(topic, list);
      return () => {
        const index = list.indexOf(handler);
        if (index >= 0) list.splice(index, 1);
      };
    },
    publish(topic, envelope) {
      const key = envelope.correlation_id;
      const previous = queues.get(key) ?? Promise.resolve();
      const run = async () => {
        // Handlers of one topic take an envelope one after another, so their effects keep its order too.
        for (const handler of [...(handlers.get(topic) ?? [])]) await deliver(topic, handler, envelope);
      };
      const next = previous.then(run, run);
      queues.set(key, next);
      const settle = () => {
        if (queues.get(key) === next) queues.delete(key);
      };
      next.then(settle, settle);
      return next;
    },
    async drain() {
      while (queues.size > 0) await Promise.allSettled([...queues.values()]);
    },
  };
}
