// SPDX-License-Identifier: MIT
import type { StepMode } from '@osiris/registry';

/** A source or sink of a pipeline file. */
export interface OmlStep {
  readonly id: string;
  readonly type: string;
  readonly mode: StepMode;
  /** `@name`: a reference to a connection resolved at run time. */
  readonly connection: string;
  readonly options?: Readonly<Record<string, unknown>>;
  /** Sinks only: the source this sink reads from; optional when the pipeline has one source. */
  readonly from?: string;
}

/** A pipeline file (OML, Osiris YAML). */
export interface Oml {
  readonly version: string;
  readonly name: string;
  readonly description?: string;
  readonly params?: Readonly<Record<string, string | number | boolean | null>>;
  readonly sources: readonly OmlStep[];
  readonly sinks?: readonly OmlStep[];
}

export const OML_VERSION = '0.0.1';
/** Sources, and sinks, a pipeline may hold: beyond this, validating it would take minutes. */
export const MAX_STEPS = 1000;
export const STEP_ID = '^[a-z0-9_-]+$';
export const CONNECTION_REF = '^@[A-Za-z0-9_-]+$';
const PARAM_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

/** JSON Schema of one step, without the component-specific `options`. */
export function omlStepSchema(mode: 'read' | 'write') {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'mode', 'connection'],
    properties: {
      id: { type: 'string', pattern: STEP_ID, description: 'Step id: lower-case letters, digits, _ and -.' },
      type: { type: 'string', minLength: 1, description: 'Component type, e.g. mysql.table.' },
      mode: { const: mode, description: mode === 'read' ? 'Sources read.' : 'Sinks write.' },
      connection: {
        type: ['string', 'object'],
        description: 'A connection reference such as "@supabase"; credentials never go into the pipeline file.',
      },
      options: { type: 'object', description: 'Component options, checked against its spec card.' },
      ...(mode === 'write'
        ? { from: { type: 'string', pattern: STEP_ID, description: 'The source this sink reads from.' } }
        : {}),
    },
  } as const;
}

/** JSON Schema of the pipeline file's shape (component options are checked by the registry). */
export const omlShapeSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'name', 'sources'],
  properties: {
    version: {
      type: 'string',
      const: OML_VERSION,
      description: `OML format version; this release reads ${OML_VERSION}.`,
    },
    name: { type: 'string', pattern: STEP_ID, description: 'Pipeline name: lower-case letters, digits, _ and -.' },
    description: { type: 'string' },
    params: {
      type: 'object',
      propertyNames: { pattern: PARAM_NAME },
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
      description: 'Parameters with their defaults; use them as ${params.name} in any string value.',
    },
    sources: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_STEPS,
      items: omlStepSchema('read'),
      description: 'Steps that read data.',
    },
    sinks: { type: 'array', maxItems: MAX_STEPS, items: omlStepSchema('write'), description: 'Steps that write data.' },
  },
} as const;
