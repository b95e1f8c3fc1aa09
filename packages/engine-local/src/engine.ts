// SPDX-License-Identifier: MIT
import { builtinConnectors, connectorSet } from '@osiris/connectors';
import { type Connector, createInProcessEngine, type InProcessEngine } from '@osiris/runner';

/** The in-process engine, with the connectors it runs. */
export interface LocalEngine extends InProcessEngine {
  readonly name: 'local';
}

export interface LocalEngineOptions {
  /** Connectors to use instead of (same `type`) or besides the built-in ones (`builtinConnectors` of `@osiris/connectors`). */
  readonly connectors?: readonly Connector[];
}

/**
 * An engine that runs every step in this process: the runner's
 * `createInProcessEngine` with the built-in connectors of `@osiris/connectors`.
 * Connectors given here, or in the run's context, replace built-in ones of the
 * same type.
 *
 * @example
 * const engine = createLocalEngine();
 * const result = await runManifest({ manifest, configs, engine, registry, runsDir, env: process.env });
 */
export function createLocalEngine(options: LocalEngineOptions = {}): LocalEngine {
  const set = connectorSet(builtinConnectors).with(options.connectors ?? []);
  return { ...createInProcessEngine(set.list), name: 'local' };
}

/** The local engine with the built-in connectors of `@osiris/connectors`. */
export const localEngine: LocalEngine = createLocalEngine();
