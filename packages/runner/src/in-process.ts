// SPDX-License-Identifier: MIT
import type { Connector } from './contracts';
import type { Engine } from './engine';
import { executeSteps } from './execute';
import type { RetryPolicy } from './retry';

/** An engine that runs connectors in this process, with the connectors it runs. */
export interface InProcessEngine extends Engine {
  /** One connector per component type, in type order. */
  readonly connectors: readonly Connector[];
}

export interface InProcessEngineOptions {
  /** The engine's name, as the run log and `metrics.json` record it. Default `local`. */
  readonly name?: string;
  /** Replaces the default policy ({@link exponentialBackoff} with the run's `retry*` settings). */
  readonly retryPolicy?: RetryPolicy;
}

/** One connector per type, later lists winning, in code-unit order of the type. */
function byType(...lists: (readonly Connector[] | undefined)[]): Connector[] {
  const found = new Map<string, Connector>();
  for (const list of lists) for (const connector of list ?? []) found.set(connector.type, connector);
  // Code-unit order, not localeCompare: the first collator of a process costs several ms, and engines are
  // made when their module loads.
  return [...found.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/**
 * An engine that runs every step in this process with {@link executeSteps}:
 * rows stream from the source connector into the sink connector, memory
 * bounded by the chunk size, with the run's settings (`EngineContext.settings`).
 * Connectors in the run's context replace those given here of the same type.
 * `@osiris/engine-local` is this with the built-in connectors; the e2b runner
 * bundle runs the same engine inside its sandbox.
 *
 * @example
 * const engine = createInProcessEngine([myConnector, ...builtinConnectors]);
 * const result = await runManifest({ manifest, configs, engine, registry, runsDir, env: process.env });
 */
export function createInProcessEngine(
  connectors: readonly Connector[],
  options: InProcessEngineOptions = {},
): InProcessEngine {
  const own = byType(connectors);
  return {
    name: options.name ?? 'local',
    connectors: own,
    run(manifest, configs, context) {
      return executeSteps(manifest, configs, {
        connectors: context.connectors === undefined ? own : byType(own, context.connectors),
        connections: context.connections,
        events: context.events,
        signal: context.signal,
        settings: context.settings,
        runId: context.runId,
        ...(context.registry === undefined ? {} : { registry: context.registry }),
        ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
      });
    },
  };
}
