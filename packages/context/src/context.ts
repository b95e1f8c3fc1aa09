// SPDX-License-Identifier: MIT
import { type ComponentSpec, canonicalJson, type Registry } from '@osiris/registry';

/** One option of a component, reduced to what a model needs to fill it in. */
export interface CompactOption {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly items?: CompactOption;
  readonly fields?: Readonly<Record<string, CompactOption>>;
  readonly required?: readonly string[];
  readonly minItems?: number;
}

/** A component as the LLM sees it: no prose, only names, types and rules. */
export interface CompactSpec {
  readonly name: string;
  readonly version: string;
  readonly modes: readonly string[];
  readonly capabilities: readonly string[];
  readonly required: readonly string[];
  readonly options: Readonly<Record<string, CompactOption>>;
  /** Constraints as `when → must` pairs, e.g. `{ when: { 'options.write_mode': 'merge' }, must: ['options.merge_keys'] }`. */
  readonly rules?: readonly {
    readonly when: Readonly<Record<string, unknown>>;
    readonly must?: Readonly<Record<string, unknown>>;
    /** Fields of which a step gives exactly one, e.g. `['options.table', 'options.tables']`. */
    readonly exactlyOne?: readonly string[];
  }[];
  readonly examples: readonly unknown[];
}

export interface LlmContext {
  readonly format: 'osiris.context.v1';
  readonly registry: string;
  readonly oml: {
    readonly version: string;
    readonly top: readonly string[];
    readonly step: readonly string[];
    readonly connection: string;
    readonly params: string;
  };
  readonly components: readonly CompactSpec[];
}

type Schema = Record<string, unknown>;

function compactOption(schema: Schema): CompactOption {
  const option: Record<string, unknown> = {};
  if (schema.type !== undefined) option.type = schema.type;
  if (Array.isArray(schema.enum)) option.enum = schema.enum;
  if (schema.default !== undefined) option.default = schema.default;
  if (typeof schema.minItems === 'number' && schema.minItems > 0) option.minItems = schema.minItems;
  if (schema.items && typeof schema.items === 'object') option.items = compactOption(schema.items as Schema);
  if (schema.properties && typeof schema.properties === 'object') {
    option.fields = Object.fromEntries(
      Object.entries(schema.properties as Record<string, Schema>).map(([key, value]) => [key, compactOption(value)]),
    );
    if (Array.isArray(schema.required) && schema.required.length > 0) option.required = schema.required;
  }
  return option as CompactOption;
}

/** The compact, prose-free form of one spec card. */
export function compactSpec(spec: ComponentSpec): CompactSpec {
  const config = spec.configSchema as Schema;
  const properties = (config.properties ?? {}) as Record<string, Schema>;
  const rules = (spec.constraints ?? []).map((constraint) => ({
    when: constraint.when ?? {},
    ...(constraint.must === undefined ? {} : { must: constraint.must as Record<string, unknown> }),
    ...(constraint.exactlyOne === undefined ? {} : { exactlyOne: constraint.exactlyOne }),
  }));
  return {
    name: spec.name,
    version: spec.version,
    modes: spec.modes,
    capabilities: spec.capabilities,
    required: (config.required as string[] | undefined) ?? [],
    options: Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, compactOption(value)])),
    ...(rules.length > 0 ? { rules } : {}),
    examples: (spec.examples ?? []).slice(0, 2).map((example) => example.oml),
  };
}

/**
 * The digest of a registry that an LLM gets in its system prompt: for each
 * component its modes, capabilities, required fields, option types, enums,
 * defaults, rules and at most two tiny examples. Deterministic: the same
 * registry gives the same bytes from `renderContext`.
 */
export function buildContext(registry: Registry): LlmContext {
  return {
    format: 'osiris.context.v1',
    registry: registry.fingerprint(),
    oml: {
      version: '0.0.1',
      top: ['version', 'name', 'params?', 'sources', 'sinks'],
      step: ['id', 'type', 'mode', 'connection', 'options', 'from?'],
      connection: '@name',
      params: '${params.name}',
    },
    components: registry.list().map(compactSpec),
  };
}

/** The context as compact canonical JSON text. */
export function renderContext(context: LlmContext): string {
  return canonicalJson(context);
}

/** Size of a rendered context in bytes and an estimate of its tokens (about four bytes a token for JSON). */
export function contextSize(text: string): { bytes: number; tokens: number } {
  const bytes = Buffer.byteLength(text, 'utf8');
  return { bytes, tokens: Math.ceil(bytes / 4) };
}
