// SPDX-License-Identifier: MIT
import { readFile } from 'node:fs/promises';
import type { StepConfig } from '@osiris/compiler';
import {
  didYouMean,
  isCredentialField,
  joinPointer,
  OsirisError,
  OsirisErrorCode,
  parseYamlSource,
  pointerToPath,
  type Registry,
  type YamlSource,
} from '@osiris/registry';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ResolvedConnections } from './engine';

// ajv-formats ships CommonJS with `exports.default`; under ESM interop the function may sit one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => void;

export interface ResolveConnectionsOptions {
  /** Spec cards; each card's `x-connection.schema` validates the connections its steps use. */
  readonly registry?: Registry;
  /** For each `@ref`, the component types whose steps use it (see {@link connectionRefsOf}). */
  readonly componentsByRef?: ReadonlyMap<string, readonly string[]>;
  /** `--secrets-file`: YAML `connections: { <name>: { <field>: value } }`. Beats the environment. */
  readonly secretsFile?: string;
  /** The environment to read `OSIRIS_CONN__<NAME>__<FIELD>` from (pass `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Where one connection came from (never its values). */
export type ConnectionOrigin =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'env'; readonly variables: readonly string[] };

export interface ConnectionResolution {
  /** Connection fields by reference. Secret: keep in memory only, hand to connectors, never write. */
  readonly connections: ResolvedConnections;
  /** Every secret-bearing value, for `createRedactor({ knownSecrets })`. */
  readonly secrets: readonly string[];
  readonly origins: ReadonlyMap<string, ConnectionOrigin>;
}

const REF = /^@([A-Za-z0-9_-]+)$/;

/** `@my-db` → `OSIRIS_CONN__MY_DB__` (the prefix of its environment variables). */
export function connectionEnvPrefix(ref: string): string {
  const name = ref.replace(/^@/, '');
  return `OSIRIS_CONN__${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}__`;
}

/** For every `@ref` the step configs use, the component types that use it. */
export function connectionRefsOf(configs: Iterable<StepConfig>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const config of configs) {
    const types = out.get(config.connection) ?? [];
    if (!types.includes(config.component)) types.push(config.component);
    out.set(config.connection, types);
  }
  return out;
}

function configError(message: string, hint: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Config, message, { hint });
}

interface SecretsFile {
  readonly file: string;
  readonly text: string;
  readonly yaml: YamlSource;
  readonly connections: Readonly<Record<string, unknown>>;
}

function at(yaml: YamlSource, pointer: string): string {
  const position = yaml.positionOf(pointer);
  return position === undefined ? `${yaml.file ?? ''}` : `${yaml.file ?? ''}:${position.line}:${position.col}`;
}

/** Where the key of the member at a pointer starts (for "unknown key" messages). */
function keyAt(file: SecretsFile, pointer: string): string {
  const position = file.yaml.positionOf(pointer, { key: true });
  return position === undefined ? file.file : `${file.file}:${position.line}:${position.col}`;
}

/** True when a component's connection schema requires nothing (every field optional). */
function needsNoFields(registry: Registry | undefined, type: string): boolean {
  const schema = (registry?.get(type)?.['x-connection'] as { schema?: Record<string, unknown> } | undefined)?.schema;
  if (schema === undefined) return false;
  const required = schema.required;
  return (
    (!Array.isArray(required) || required.length === 0) && schema.anyOf === undefined && schema.oneOf === undefined
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

async function readSecretsFile(file: string): Promise<SecretsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw configError(
      `cannot read the secrets file ${file}${typeof code === 'string' ? ` (${code})` : ''}`,
      'Check the path given to --secrets-file.',
    );
  }
  const yaml = parseYamlSource(text, file);
  const syntax = yaml.diagnostics[0];
  if (syntax !== undefined) {
    // The parser's own message may quote the text around the error, which can be a secret: say only where.
    const what =
      syntax.rule === 'duplicateKey'
        ? 'the same key appears twice'
        : syntax.rule === 'yamlLimit'
          ? syntax.message
          : 'invalid YAML';
    throw configError(`${file}:${syntax.line ?? 1}:${syntax.col ?? 1}: secrets file: ${what}`, syntax.fix);
  }
  const example = 'connections:\n  mysql:\n    url: mysql://user:password@host:3306/db';
  if (!isPlainObject(yaml.value)) {
    throw configError(
      `${file}:1:1: secrets file must be a mapping with a "connections" key`,
      `Write it as:\n${example}`,
    );
  }
  const parsed = { file, text, yaml };
  for (const key of Object.keys(yaml.value)) {
    if (key !== 'connections') {
      const where = keyAt({ ...parsed, connections: {} }, joinPointer('', key));
      throw configError(`${where}: secrets file: unknown key "${key}"`, `Write it as:\n${example}`);
    }
  }
  const connections = yaml.value.connections;
  if (!isPlainObject(connections)) {
    throw configError(
      `${at(yaml, '/connections')}: secrets file: "connections" must be a mapping of connection names`,
      `Write it as:\n${example}`,
    );
  }
  return { ...parsed, connections };
}

/** A URL as connectors read it (the WHATWG parser, as `new URL` does), with no port or one from 1 to 65535. */
function isConnectionUrl(value: string): boolean {
  try {
    return new URL(value).port !== '0';
  } catch {
    return false;
  }
}

/** A port written as text (environment variables always are): a whole number from 1 to 65535. */
function isPort(value: string): boolean {
  return /^[0-9]{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535;
}

const FORMAT_PROBLEMS: Readonly<Record<string, string>> = {
  'connection-url':
    'is not a valid URL: percent-encode @ : / ? # % [ ] in the user name and password (%40 for @), and give a port from 1 to 65535',
  port: 'is not a port (a whole number from 1 to 65535)',
};

const ajvCache = new WeakMap<object, ValidateFunction>();
let sharedAjv: Ajv2020 | undefined;

function validatorFor(schema: object, type: string): ValidateFunction {
  let validate = ajvCache.get(schema);
  if (validate === undefined) {
    if (sharedAjv === undefined) {
      // `anyOf: [{ required: [url] }, { required: [host] }]` is the usual way to say "one of", so strictRequired is off.
      // As in the registry's ajv, schemas are not checked against the meta-schema (compiling it costs more than
      // a run's whole start-up); strict mode and keyword value checks still reject a malformed schema.
      sharedAjv = new Ajv2020({
        strict: true,
        strictRequired: false,
        allErrors: true,
        verbose: true,
        allowUnionTypes: true,
        validateSchema: false,
      });
      addFormats(sharedAjv);
      sharedAjv.addFormat('connection-url', isConnectionUrl);
      sharedAjv.addFormat('port', isPort);
    }
    try {
      validate = sharedAjv.compile(schema);
    } catch (error) {
      throw new OsirisError(OsirisErrorCode.Config, `the x-connection schema of ${type} is not a valid JSON Schema`, {
        cause: error,
        hint: 'Fix x-connection.schema in the component card.',
      });
    }
    ajvCache.set(schema, validate);
  }
  return validate;
}

/** ajv errors as (pointer, text) pairs that never include the value. */
function schemaProblems(errors: readonly ErrorObject[]): { pointer: string; text: string; atKey?: boolean }[] {
  const out: { pointer: string; text: string; atKey?: boolean }[] = [];
  const anyOf = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf');
  for (const error of errors) {
    if (anyOf.some((group) => group !== error && error.schemaPath.startsWith(group.schemaPath))) continue;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        out.push({
          pointer: joinPointer(error.instancePath, String(params.missingProperty)),
          text: `is required`,
        });
        break;
      case 'additionalProperties': {
        const known = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
        const suggestion = didYouMean(String(params.additionalProperty), known);
        out.push({
          pointer: joinPointer(error.instancePath, String(params.additionalProperty)),
          text: suggestion ? `is not a known field (did you mean "${suggestion}"?)` : 'is not a known field',
          atKey: true,
        });
        break;
      }
      case 'anyOf':
      case 'oneOf': {
        const branches = Array.isArray(error.schema) ? (error.schema as unknown[]) : [];
        const sets = branches
          .map((branch) => (isPlainObject(branch) && Array.isArray(branch.required) ? branch.required.join(' + ') : ''))
          .filter(Boolean);
        out.push({
          pointer: error.instancePath,
          text: sets.length > 0 ? `needs one of: ${sets.join(' | ')}` : 'matches none of the allowed forms',
        });
        break;
      }
      case 'if':
        break; // the failing then/else branch is reported on its own
      case 'format':
        out.push({
          pointer: error.instancePath,
          text: FORMAT_PROBLEMS[String(params.format)] ?? `is not a valid ${String(params.format)}`,
        });
        break;
      case 'pattern':
        out.push({ pointer: error.instancePath, text: `does not have the expected form (${String(params.pattern)})` });
        break;
      default:
        // ajv's own messages name types, limits and formats, never the value.
        out.push({ pointer: error.instancePath, text: error.message ?? `breaks the "${error.keyword}" rule` });
    }
  }
  return out;
}

/**
 * Resolves connection references (`@mysql`) to their fields, in memory only.
 * A `--secrets-file` entry beats the environment (`OSIRIS_CONN__MYSQL__URL`
 * → `{ url }`); the whole connection comes from one place, never a mix.
 * Each connection is validated against the `x-connection.schema` of every
 * component that uses it. Errors are `OsirisError(Config)` that name the
 * file, line:col, environment variable and field — never a value.
 *
 * @example
 * const { connections, secrets } = await resolveConnections(['@mysql'], {
 *   registry, componentsByRef: connectionRefsOf(configs.values()), secretsFile: 'secrets.yaml', env: process.env,
 * });
 */
export async function resolveConnections(
  refs: Iterable<string>,
  options: ResolveConnectionsOptions,
): Promise<ConnectionResolution> {
  const file = options.secretsFile === undefined ? undefined : await readSecretsFile(options.secretsFile);
  const connections = new Map<string, Readonly<Record<string, string>>>();
  const origins = new Map<string, ConnectionOrigin>();
  const secrets = new Set<string>();
  const missing: string[] = [];
  const problems: { where: string; text: string }[] = [];

  for (const ref of [...new Set(refs)].sort()) {
    const match = REF.exec(ref);
    if (match?.[1] === undefined) {
      throw configError(`"${ref}" is not a connection reference`, 'Reference a connection as "@name", e.g. "@mysql".');
    }
    const name = match[1];
    const prefix = connectionEnvPrefix(ref);
    const types = options.componentsByRef?.get(ref) ?? [];

    let raw: Record<string, unknown> | undefined;
    let locate: (field: string | undefined, atKey?: boolean) => string;
    if (file !== undefined && Object.hasOwn(file.connections, name)) {
      const entry = file.connections[name];
      const base = joinPointer('/connections', name);
      const pointerOf = (field: string | undefined) => (field === undefined ? base : joinPointer(base, field));
      locate = (field, atKey) => (atKey === true ? keyAt(file, pointerOf(field)) : at(file.yaml, pointerOf(field)));
      if (!isPlainObject(entry)) {
        throw configError(
          `${locate(undefined)}: connection ${ref} in the secrets file must be a mapping of fields`,
          `Write it as:\nconnections:\n  ${name}:\n    url: …`,
        );
      }
      raw = entry;
      origins.set(ref, { kind: 'file', file: file.file });
    } else {
      const variables = Object.keys(options.env)
        .filter((key) => key.startsWith(prefix) && key.length > prefix.length && (options.env[key] ?? '') !== '')
        .sort();
      if (variables.length > 0) {
        raw = Object.fromEntries(variables.map((key) => [key.slice(prefix.length).toLowerCase(), options.env[key]]));
        origins.set(ref, { kind: 'env', variables });
      }
      locate = (field) => (field === undefined ? `${prefix}<FIELD>` : `${prefix}${field.toUpperCase()}`);
    }
    if (raw === undefined && types.length > 0 && types.every((type) => needsNoFields(options.registry, type))) {
      // e.g. filesystem.csv: a connection whose fields are all optional may be left out entirely.
      raw = {};
      origins.set(ref, { kind: 'env', variables: [] });
    }
    if (raw === undefined) {
      missing.push(ref);
      continue;
    }

    const fields: Record<string, string> = {};
    for (const [field, value] of Object.entries(raw)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        fields[field] = String(value);
      } else {
        problems.push(problem(ref, locate(field), field, 'must be a single value (text or number)'));
      }
    }

    for (const type of types) {
      const card = options.registry?.get(type);
      const schema = (card?.['x-connection'] as { schema?: unknown } | undefined)?.schema;
      if (!isPlainObject(schema)) continue;
      const validate = validatorFor(schema, type);
      if (validate(raw)) continue;
      for (const found of schemaProblems(validate.errors ?? [])) {
        const field = found.pointer === '' ? undefined : pointerToPath(found.pointer);
        const text = `${found.text} (${type} connection schema)`;
        problems.push(problem(ref, locate(field, found.atKey), field, text));
      }
    }

    const secretPointers = new Set(types.flatMap((type) => options.registry?.get(type)?.secrets ?? []));
    for (const [field, value] of Object.entries(fields)) {
      const declared = secretPointers.has(`/connection/${field}`);
      if (declared || isCredentialField(field) || types.length === 0) secrets.add(value);
    }
    connections.set(ref, fields);
  }

  if (problems.length > 0) {
    throw configError(
      [...new Set(problems.map((found) => `${found.where}: ${found.text}`))].join('\n'),
      'Fix the connection fields named above; values are never shown.',
    );
  }
  if (missing.length > 0) {
    const lines = missing.map((ref) => {
      const name = ref.slice(1);
      const prefix = connectionEnvPrefix(ref);
      const inFile =
        file === undefined ? 'no --secrets-file was given' : `not under connections.${name} in ${file.file}`;
      return `connection ${ref} is not defined: ${inFile}, and no ${prefix}<FIELD> variable is set (e.g. ${prefix}URL)`;
    });
    const first = missing[0]?.slice(1) ?? 'name';
    throw configError(
      lines.join('\n'),
      `Add it to a secrets file (connections:\n  ${first}:\n    url: …) and pass --secrets-file, or set ${connectionEnvPrefix(`@${first}`)}URL.`,
    );
  }
  return { connections, secrets: [...secrets], origins };
}

function problem(ref: string, where: string, field: string | undefined, text: string): { where: string; text: string } {
  return { where, text: `${field === undefined ? `connection ${ref}` : `connection ${ref} field "${field}"`} ${text}` };
}
