// SPDX-License-Identifier: MIT
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Diagnostic } from './diagnostics';
import { type FriendlyContext, friendlyErrors } from './friendly';

// ajv-formats ships CommonJS with `exports.default`; under ESM interop the function may sit one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => void;

let shared: Ajv2020 | undefined;

/**
 * The one ajv instance Osiris uses: draft 2020-12, strict, every error,
 * formats, defaults filled in. Schemas are not checked against the meta-schema
 * on compile (compiling the meta-schema costs more than everything else at
 * start-up); spec-card linting calls `validateSchema` explicitly instead.
 */
export function sharedAjv(): Ajv2020 {
  if (!shared) {
    shared = new Ajv2020({
      strict: true,
      allErrors: true,
      verbose: true,
      useDefaults: true,
      allowUnionTypes: true,
      validateSchema: false,
    });
    addFormats(shared);
  }
  return shared;
}

/** Compiles a schema once per process; a schema with an `$id` is looked up before it is compiled again. */
export function compileSchema(schema: object) {
  const ajv = sharedAjv();
  const id = (schema as { $id?: unknown }).$id;
  return (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
}

export type SchemaCheck = (data: unknown) => Diagnostic[];

/**
 * Compiles a JSON Schema (draft 2020-12) once and returns a checker whose
 * results are friendly diagnostics, never raw ajv messages.
 */
export function createSchemaValidator(
  schema: object,
  context: Pick<FriendlyContext, 'subject'> & Partial<FriendlyContext>,
): SchemaCheck {
  let validate: ReturnType<typeof compileSchema> | undefined;
  return (data) => {
    validate ??= compileSchema(schema);
    return validate(data) ? [] : friendlyErrors(validate.errors, data, { basePointer: '', ...context });
  };
}
