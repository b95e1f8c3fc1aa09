// SPDX-License-Identifier: MIT
import type { StepMode } from '@osiris/registry';

/**
 * The name of the engine a manifest runs on (`local`, `e2b`, or one an
 * embedder adds): lower-case letters, digits, `_` and `-`, starting with a
 * letter ({@link ENGINE_NAME_PATTERN}). The compiler checks only that it is
 * well formed, and, when its caller passes `engines`, that it is one of them;
 * which engines exist is the caller's to say.
 */
export type EngineName = string;

/** What a well-formed engine name looks like (see {@link EngineName}). */
export const ENGINE_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,63}$';

/** One step of a Run Manifest. Sources produce tabular data; sinks consume it from the steps they `need`. */
export interface ManifestStep {
  readonly id: string;
  readonly component: string;
  readonly component_version: string;
  readonly mode: StepMode;
  /** Relative path of the step's JSON config, always `cfg/<id>.json`. */
  readonly cfg: string;
  readonly produces?: 'tabular';
  readonly consumes?: 'tabular';
  readonly needs?: readonly string[];
}

/** The canonical, deterministic plan every run executes (`manifest.yaml`). */
export interface RunManifest {
  readonly apiVersion: 'osiris.v1';
  readonly kind: 'RunManifest';
  readonly pipeline: string;
  readonly fingerprints: { readonly oml: string; readonly registry: string };
  readonly steps: readonly ManifestStep[];
  readonly execution: {
    readonly engine: EngineName;
    readonly params: Readonly<Record<string, unknown>>;
  };
}

/** The content of `cfg/<id>.json`: what one step needs, with the connection as a reference only. */
export interface StepConfig {
  readonly id: string;
  readonly component: string;
  readonly mode: StepMode;
  /** `@name`; resolved to secrets only at run time, never written. */
  readonly connection: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** JSON Schema (draft 2020-12) that every emitted manifest validates against. */
export const manifestSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://osiris.dev/schemas/run-manifest.v1.json',
  title: 'Osiris Run Manifest',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'pipeline', 'fingerprints', 'steps', 'execution'],
  properties: {
    apiVersion: { const: 'osiris.v1' },
    kind: { const: 'RunManifest' },
    pipeline: { type: 'string', pattern: '^[a-z0-9_-]+$' },
    fingerprints: {
      type: 'object',
      additionalProperties: false,
      required: ['oml', 'registry'],
      properties: {
        oml: { type: 'string', pattern: '^sha256-[0-9a-f]{64}$' },
        registry: { type: 'string', pattern: '^sha256-[0-9a-f]{64}$' },
      },
    },
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'component', 'component_version', 'mode', 'cfg'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9_-]+$' },
          component: { type: 'string', minLength: 1 },
          component_version: { type: 'string', minLength: 1 },
          mode: { enum: ['read', 'write', 'transform'] },
          cfg: { type: 'string', pattern: '^cfg/[a-z0-9_-]+\\.json$' },
          produces: { const: 'tabular' },
          consumes: { const: 'tabular' },
          needs: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9_-]+$' }, minItems: 1 },
        },
      },
    },
    execution: {
      type: 'object',
      additionalProperties: false,
      required: ['engine', 'params'],
      properties: {
        engine: { type: 'string', pattern: ENGINE_NAME_PATTERN },
        params: { type: 'object' },
      },
    },
  },
} as const;

/** JSON Schema of a step config file (`cfg/<id>.json`). */
export const stepConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://osiris.dev/schemas/step-config.v1.json',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'component', 'mode', 'connection', 'options'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9_-]+$' },
    component: { type: 'string' },
    mode: { enum: ['read', 'write', 'transform'] },
    connection: { type: 'string', pattern: '^@[A-Za-z0-9_-]+$' },
    options: { type: 'object' },
  },
} as const;
