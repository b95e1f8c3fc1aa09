// SPDX-License-Identifier: MIT
import type { Registry } from '@osiris/registry';
import { OML_VERSION, omlShapeSchema, omlStepSchema } from './oml';

function stepSchema(registry: Registry, mode: 'read' | 'write') {
  const base = omlStepSchema(mode);
  const components = registry.list().filter((spec) => spec.modes.includes(mode));
  return {
    ...base,
    properties: {
      ...base.properties,
      type: { enum: components.map((spec) => spec.name), description: base.properties.type.description },
      connection: { type: 'string', pattern: '^@[A-Za-z0-9_-]+$', description: base.properties.connection.description },
    },
    allOf: components.map((spec) => ({
      if: { type: 'object', required: ['type'], properties: { type: { const: spec.name } } },
      then: { type: 'object', properties: { options: spec.configSchema } },
    })),
  };
}

/**
 * JSON Schema (draft 2020-12) of a pipeline file with every component's
 * `configSchema` inlined by `type`: for editors (yaml-language-server) and for
 * LLM structured output. Deterministic for a given registry.
 */
export function omlSchema(registry: Registry): Record<string, unknown> {
  return {
    ...omlShapeSchema,
    $id: `https://osiris.dev/schemas/oml-${OML_VERSION}.json`,
    title: 'Osiris pipeline (OML)',
    $comment: `components: ${registry
      .list()
      .map((spec) => `${spec.name}@${spec.version}`)
      .join(', ')}`,
    properties: {
      ...omlShapeSchema.properties,
      sources: { ...omlShapeSchema.properties.sources, items: stepSchema(registry, 'read') },
      sinks: { ...omlShapeSchema.properties.sinks, items: stepSchema(registry, 'write') },
    },
  };
}
