// SPDX-License-Identifier: MIT
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Diagnostic } from './diagnostics';
import { type FriendlyContext, friendlyErrors } from './friendly';

// ajv-formats ships CommonJS with `exports.default`; under ESM interop the function may sit one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => void;

/** The one ajv setup Osiris uses: draft 2020-12, strict, every error, formats, defaults filled in. */
export function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true, useDefaults: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
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
  const validate = newAjv().compile(schema);
  return (data) => (validate(data) ? [] : friendlyErrors(validate.errors, data, { basePointer: '', ...context }));
}
