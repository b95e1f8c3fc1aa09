// SPDX-License-Identifier: MIT
import { filesystemCsvConnector } from '@osiris/connector-filesystem';
import { mysqlTableConnector } from '@osiris/connector-mysql';
import { supabaseTableConnector } from '@osiris/connector-supabase';
import { type Connector, type Engine, executeSteps } from '@osiris/runner';

/** The in-process engine, with the connectors it runs. */
export interface LocalEngine extends Engine {
  readonly name: 'local';
  /** One connector per component type, in type order. */
  readonly connectors: readonly Connector[];
}

export interface LocalEngineOptions {
  /** Connectors to use instead of (same `type`) or besides the built-in ones. */
  readonly connectors?: readonly Connector[];
}

/** The connectors the local engine ships with. */
export const builtinConnectors: readonly Connector[] = [
  filesystemCsvConnector,
  mysqlTableConnector,
  supabaseTableConnector,
];

function merge(...lists: (readonly Connector[] | undefined)[]): Connector[] {
  const byType = new Map<string, Connector>();
  for (const list of lists) for (const connector of list ?? []) byType.set(connector.type, connector);
  // Code-unit order, not localeCompare: the first collator of a process costs several ms, and this runs when
  // the module loads.
  return [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
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
  const connectors = merge(builtinConnectors, options.connectors);
  return {
    name: 'local',
    connectors,
    run(manifest, configs, context) {
      return executeSteps(manifest, configs, {
        connectors: merge(connectors, context.connectors),
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

/** The local engine with the built-in connectors ({@link builtinConnectors}). */
export const localEngine: LocalEngine = createLocalEngine();
