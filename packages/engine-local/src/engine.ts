// SPDX-License-Identifier: MIT
import { builtinConnectors, connectorSet } from '@osiris/connectors';
import { type Connector, type Engine, executeSteps } from '@osiris/runner';

/** The in-process engine, with the connectors it runs. */
export interface LocalEngine extends Engine {
  readonly name: 'local';
  /** One connector per component type, in type order. */
  readonly connectors: readonly Connector[];
}

export interface LocalEngineOptions {
  /** Connectors to use instead of (same `type`) or besides the built-in ones (`builtinConnectors` of `@osiris/connectors`). */
  readonly connectors?: readonly Connector[];
}

/**
 * An engine that runs every step in this process with `executeSteps`: rows
 * stream from the source connector into the sink connector, memory bounded
 * by the chunk size. Connectors given here, or in the run's context, replace
 * built-in ones of the same type.
 *
 * @example
 * const engine = createLocalEngine();
 * const result = await runManifest({ manifest, configs, engine, registry, runsDir, env: process.env });
 */
export function createLocalEngine(options: LocalEngineOptions = {}): LocalEngine {
  const set = connectorSet(builtinConnectors).with(options.connectors ?? []);
  return {
    name: 'local',
    connectors: set.list,
    run(manifest, configs, context) {
      return executeSteps(manifest, configs, {
        connectors: set.with(context.connectors ?? []).list,
        connections: context.connections,
        events: context.events,
        signal: context.signal,
        chunkSize: context.chunkSize,
        ...(context.registry === undefined ? {} : { registry: context.registry }),
        ...(context.retry === undefined ? {} : { retry: context.retry }),
        ...(context.progressIntervalMs === undefined ? {} : { progressIntervalMs: context.progressIntervalMs }),
        ...(context.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: context.idleTimeoutMs }),
      });
    },
  };
}

/** The local engine with the built-in connectors of `@osiris/connectors`. */
export const localEngine: LocalEngine = createLocalEngine();
