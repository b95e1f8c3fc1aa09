// SPDX-License-Identifier: MIT
import type { ParamValue, ValidationMode } from '@osiris/compiler';
import { OsirisError, OsirisErrorCode, parseYamlSource } from '@osiris/registry';

/** A setting from a flag, else the environment, else the default; an unknown value is a usage error. */
export function pick<T extends string>(
  name: string,
  flag: string | undefined,
  envName: string,
  env: Readonly<Record<string, string | undefined>>,
  allowed: readonly T[],
  fallback: T,
): T {
  const fromEnv = env[envName] === '' ? undefined : env[envName];
  const value = flag ?? fromEnv;
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    const source = flag === undefined ? `${envName}=${value}` : `--${name} ${value}`;
    throw new OsirisError(OsirisErrorCode.Validation, `${source} is not valid; use one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

export function validationMode(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ValidationMode {
  return pick('mode', flag, 'OSIRIS_VALIDATION', env, ['warn', 'strict', 'off'], 'warn');
}

/** `--param k=v` pairs; values are read as YAML scalars (`5000` is a number, `true` a boolean). */
export function parseParams(pairs: readonly string[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const name = equals > 0 ? pair.slice(0, equals) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new OsirisError(OsirisErrorCode.Validation, `--param ${pair} must have the form name=value`, {
        hint: 'For example: --param chunk_size=10000',
      });
    }
    const raw = pair.slice(equals + 1);
    // Read with the same limits as every YAML file; anything but a scalar stays the text as typed.
    const parsed = parseYamlSource(raw);
    let value = parsed.diagnostics.length > 0 ? raw : parsed.value;
    if (value !== null && typeof value === 'object') value = raw;
    params[name] = (value ?? null) as ParamValue;
  }
  return params;
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
