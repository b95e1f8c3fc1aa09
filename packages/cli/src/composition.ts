// SPDX-License-Identifier: MIT

import type { ConnectorSet } from '@osiris/connectors';
import { loadRegistry, type Registry } from '@osiris/registry';
import type { Bus, Connector, Engine } from '@osiris/runner';
import type { Command } from 'commander';
import type { ChatDeps } from './commands/chat';

/**
 * What `osiris run` hands the factory of the engine a pipeline runs on. The run's own settings (log
 * level, redaction, timeouts) reach the engine with each run, in `EngineContext.settings`.
 */
export interface EngineSetup {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The connectors of this command line: the built-in ones, or those given to `main`. */
  readonly connectors: readonly Connector[];
  /** Where an engine's own lines go (stderr, redacted), e.g. the e2b sandbox's. */
  readonly output: { write(text: string): unknown };
}

/** Makes one engine for one run. */
export type EngineFactory = (setup: EngineSetup) => Engine | Promise<Engine>;

/**
 * The engines `osiris run` knows, by the name a manifest records
 * (`execution.engine`) and `--engine` takes. Each is imported only when a
 * pipeline runs on it. The compiler knows no engine names: the CLI passes
 * these to it.
 */
export const builtinEngines: Readonly<Record<string, EngineFactory>> = {
  local: async ({ connectors }) => (await import('@osiris/engine-local')).createLocalEngine({ connectors }),
  e2b: async ({ env, connectors, output }) =>
    (await import('@osiris/engine-e2b')).createE2bEngineFromEnv(env, { output, connectors }),
};

/**
 * What the commands use instead of building it themselves, for tests and
 * embedders: a command line with another connector is
 * `main(argv, io, { connectors: [...builtinConnectors, mine], registry })`.
 */
export interface CliOverrides {
  /** What `osiris chat` uses: the model's tools. */
  readonly chat?: ChatDeps;
  /** The component cards. Default: the built-in ones (`loadRegistry()`). */
  readonly registry?: Registry;
  /** The connectors, e.g. `[...builtinConnectors, mine]`. Default: `builtinConnectors` of `@osiris/connectors`. */
  readonly connectors?: readonly Connector[];
  /** The engines by name. Default: {@link builtinEngines}. */
  readonly engines?: Readonly<Record<string, EngineFactory>>;
  /**
   * The bus runs and chat publish their envelopes on (ADR 0019); subscribe to it to follow them, and give it a
   * `deadLetter` sink. Default: a bus per command whose failing handlers' envelopes go to the dead-letter queue.
   */
  readonly bus?: Bus;
  /** Sees the whole command tree before the arguments are parsed: the docs generator's one source (ADR 0026). */
  readonly inspect?: (program: Command) => void;
}

/** The registry, connectors and engines of one command line, each made when a command first needs it. */
export interface Composition {
  registry(): Registry;
  connectors(): Promise<ConnectorSet>;
  readonly engines: Readonly<Record<string, EngineFactory>>;
  /** The engine names, in the order `--help` shows them. */
  readonly engineNames: readonly string[];
  /** The embedder's bus, if any. */
  readonly bus: Bus | undefined;
}

export function composition(overrides: CliOverrides): Composition {
  let registry = overrides.registry;
  let connectors: Promise<ConnectorSet> | undefined;
  const engines = overrides.engines ?? builtinEngines;
  return {
    registry: () => {
      registry ??= loadRegistry();
      return registry;
    },
    // The built-in connectors load their drivers: only the commands that talk to databases import them.
    connectors: () => {
      connectors ??= import('@osiris/connectors').then(({ builtinConnectors, connectorSet }) =>
        connectorSet(overrides.connectors ?? builtinConnectors),
      );
      return connectors;
    },
    engines,
    engineNames: Object.keys(engines),
    bus: overrides.bus,
  };
}
