// SPDX-License-Identifier: MIT
import type { ManifestStep, RunManifest, StepConfig } from '@osiris/compiler';
import { OsirisError, OsirisErrorCode, type Registry } from '@osiris/registry';
import type { Connector } from './contracts';
import type { ResolvedConnections, StepConfigs } from './engine';

/** A step with everything it needs to run: its config, its connector and its resolved connection. */
export interface PlannedStep {
  readonly step: ManifestStep;
  readonly config: StepConfig;
  readonly connector: Connector;
  /** Secret: keep in memory only. */
  readonly connection: Readonly<Record<string, string>>;
  /** One table of a step that reads (or writes) many tables: the step's own id and the table (ADR 0021). */
  readonly table?: { readonly step: string; readonly name: string };
}

/** A unit that runs (and retries) as a whole: a source and the sink that reads it, or a source alone. */
export interface Pipe {
  readonly source: PlannedStep;
  readonly sink: PlannedStep | undefined;
}

/** What planning checks a manifest against. */
export interface PlanOptions {
  /** The implementations available, one per component `type`. */
  readonly connectors: readonly Connector[];
  readonly connections: ResolvedConnections;
  /** When given, every connector is checked against its spec card too. */
  readonly registry?: Registry;
}

/** Turns step configs given as a Map or an object into a Map. */
export function configMap(configs: StepConfigs): ReadonlyMap<string, StepConfig> {
  return configs instanceof Map
    ? (configs as ReadonlyMap<string, StepConfig>)
    : new Map(Object.entries(configs as Readonly<Record<string, StepConfig>>));
}

function violation(message: string, hint: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Validation, message, { hint });
}

/**
 * The first part of a run, before anything is read: checks every step — a
 * config for each step, a connector for its component that supports its mode,
 * a card (when a registry is given) that declares the mode and every
 * capability the connector claims, sinks that read exactly one source, a
 * resolved connection — and returns the pipes to run, in manifest order.
 * Throws the first violation as an `OsirisError` (`Validation`, exit 2; an
 * unresolved connection `Config`, exit 5).
 *
 * @example
 * const pipes = planRun(manifest, configs, { connectors, connections, registry });
 */
export function planRun(manifest: RunManifest, configs: StepConfigs, options: PlanOptions): Pipe[] {
  const configsById = configMap(configs);
  const byType = new Map(options.connectors.map((connector) => [connector.type, connector]));
  const planned = new Map<string, PlannedStep>();
  for (const step of manifest.steps) {
    const where = `step "${step.id}" (${step.component})`;
    const config = configsById.get(step.id);
    if (config === undefined) {
      throw violation(`${where} has no config`, `Compile the pipeline again so that cfg/${step.id}.json exists.`);
    }
    if (config.component !== step.component || config.mode !== step.mode) {
      throw violation(
        `${where}: cfg/${step.id}.json says ${config.component} in mode ${config.mode}, the manifest ${step.component} in mode ${step.mode}`,
        'Compile the pipeline again; the manifest and its configs must come from the same compile.',
      );
    }
    const connector = byType.get(step.component);
    if (connector === undefined) {
      throw violation(
        `${where}: this engine has no connector for ${step.component}`,
        `Available components: ${[...byType.keys()].sort().join(', ') || 'none'}.`,
      );
    }
    if (step.mode !== 'read' && step.mode !== 'write') {
      throw violation(
        `${where}: mode ${step.mode} is not supported by the runner`,
        'Use a read step as a source and a write step as a sink.',
      );
    }
    const method = step.mode === 'read' ? connector.read : connector.write;
    if (!connector.modes.includes(step.mode) || typeof method !== 'function') {
      throw violation(
        `${where} cannot ${step.mode}: its connector supports ${connector.modes.join(', ') || 'no mode'}`,
        `Set mode to ${connector.modes.join(' or ') || 'a supported mode'}, or use a component that can ${step.mode}.`,
      );
    }
    if (options.registry !== undefined) {
      const card = options.registry.get(step.component);
      if (card === undefined) {
        throw violation(
          `${where}: no spec card for ${step.component}`,
          'Use a component listed by `osiris components`.',
        );
      }
      if (!card.modes.includes(step.mode)) {
        throw violation(
          `${where} cannot ${step.mode}: its spec card declares ${card.modes.join(', ')}`,
          `Set mode to ${card.modes.join(' or ')}.`,
        );
      }
      const undeclaredModes = connector.modes.filter((mode) => !card.modes.includes(mode));
      const undeclaredCapabilities = connector.capabilities.filter((cap) => !card.capabilities.includes(cap));
      if (undeclaredModes.length > 0 || undeclaredCapabilities.length > 0) {
        const what = [
          ...undeclaredModes.map((mode) => `mode ${mode}`),
          ...undeclaredCapabilities.map((cap) => `capability ${cap}`),
        ].join(', ');
        throw violation(
          `${where}: the connector claims ${what}, which the ${step.component} spec card does not declare`,
          'A connector may only do what its card declares; fix the connector or add it to the card.',
        );
      }
    }
    const connection = options.connections.get(config.connection);
    if (connection === undefined) {
      throw new OsirisError(OsirisErrorCode.Config, `${where}: connection ${config.connection} was not resolved`, {
        hint: 'Resolve every connection reference with resolveConnections before running.',
      });
    }
    planned.set(step.id, { step, config, connector, connection });
  }

  const pipes: Pipe[] = [];
  const consumed = new Set<string>();
  for (const { step } of planned.values()) {
    const needs = step.needs ?? [];
    if (step.mode === 'read') {
      if (needs.length > 0) {
        throw violation(`step "${step.id}" reads and cannot need other steps`, 'Remove needs from the source step.');
      }
      continue;
    }
    const sourceId = needs[0];
    const source = sourceId === undefined ? undefined : planned.get(sourceId);
    if (needs.length !== 1 || source === undefined || source.step.mode !== 'read') {
      throw violation(
        `step "${step.id}" must need exactly one read step (it needs ${needs.length === 0 ? 'none' : needs.join(', ')})`,
        'A sink takes its rows from one source: needs: [<source id>].',
      );
    }
    if (consumed.has(source.step.id)) {
      // Two sinks would read the source twice and commit separately: one could land while the other fails.
      throw violation(
        `step "${step.id}" reads from "${source.step.id}", which another sink already reads`,
        'Give each sink its own source step (a copy of the source with its own id).',
      );
    }
    consumed.add(source.step.id);
    pipes.push({ source, sink: planned.get(step.id) });
  }
  // A source that feeds no sink is still read (and counted), after the pipes, in manifest order.
  for (const entry of planned.values()) {
    if (entry.step.mode === 'read' && !consumed.has(entry.step.id)) pipes.push({ source: entry, sink: undefined });
  }
  return pipes;
}
