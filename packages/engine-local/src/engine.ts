// SPDX-License-Identifier: MIT
import { filesystemCsvConnector } from '@osiris/connector-filesystem';
import { mysqlTableConnector } from '@osiris/connector-mysql';
import { supabaseTableConnector } from '@osiris/connector-supabase';
import { type Connector, createInProcessEngine, type InProcessEngine } from '@osiris/runner';

/** The in-process engine, with the connectors it runs. */
export interface LocalEngine extends InProcessEngine {
  readonly name: 'local';
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

/**
 * An engine that runs every step in this process: the runner's
 * `createInProcessEngine` with the built-in connectors. Connectors given
 * here, or in the run's context, replace built-in ones of the same type.
 *
 * @example
 * const engine = createLocalEngine();
 * const result = await runManifest({ manifest, configs, engine, registry, runsDir, env: process.env });
 */
export function createLocalEngine(options: LocalEngineOptions = {}): LocalEngine {
  const engine = createInProcessEngine([...builtinConnectors, ...(options.connectors ?? [])]);
  return { ...engine, name: 'local' };
}

/** The local engine with the built-in connectors (`filesystem.csv`, `mysql.table`, `supabase.table`). */
export const localEngine: LocalEngine = createLocalEngine();
