// SPDX-License-Identifier: MIT

export type StepMode = 'read' | 'write' | 'transform';
export type RedactionStrategy = 'fixed' | 'hash';

/** A `must` rule of a constraint, for one dotted step path. */
export interface ConstraintRule {
  readonly required?: boolean;
  readonly minItems?: number;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
}

/** A rule JSON Schema cannot say simply: when these fields hold these values, those fields must … */
export interface ComponentConstraint {
  readonly when?: Readonly<Record<string, unknown>>;
  /** Rules for single fields. A constraint has `must`, `exactlyOne` or both. */
  readonly must?: Readonly<Record<string, ConstraintRule>>;
  /** Dotted paths of which the step must give exactly one (`[options.table, options.tables]`). */
  readonly exactlyOne?: readonly string[];
  readonly error: string;
}

export interface ComponentExample {
  readonly title: string;
  readonly oml: {
    readonly id: string;
    readonly type: string;
    readonly mode: StepMode;
    readonly connection?: string;
    readonly options?: Readonly<Record<string, unknown>>;
  };
}

/** One spec card (`components/<type>/spec.yaml`), as validated by `components/spec.schema.json`. */
export interface ComponentSpec {
  readonly apiVersion: 'osiris.v1';
  readonly kind: 'ComponentSpec';
  readonly name: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly modes: readonly StepMode[];
  readonly capabilities: readonly string[];
  /** JSON Schema (draft 2020-12) of a step's `options`. */
  readonly configSchema: Readonly<Record<string, unknown>>;
  readonly constraints?: readonly ComponentConstraint[];
  readonly examples?: readonly ComponentExample[];
  /** JSON Pointers, relative to a step, of secret-bearing fields. */
  readonly secrets?: readonly string[];
  readonly redaction?: { readonly strategy?: RedactionStrategy; readonly mask?: string };
  readonly [extension: `x-${string}`]: unknown;
}

/** A pipeline step as the registry checks it (the shape OML uses for sources and sinks). */
export interface StepInput {
  readonly id?: string;
  readonly type: string;
  readonly mode?: string;
  readonly connection?: unknown;
  readonly options?: unknown;
}
