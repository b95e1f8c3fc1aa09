// SPDX-License-Identifier: MIT
import type { EngineName, ParamValue, ValidationMode } from '@osiris/compiler';
import { choiceSetting, OsirisError, OsirisErrorCode, parseYamlSource, resolveSetting } from '@osiris/registry';

type Env = Readonly<Record<string, string | undefined>>;

const validationSetting = choiceSetting('--mode', 'OSIRIS_VALIDATION', ['warn', 'strict', 'off']);

/** `--mode`, else `OSIRIS_VALIDATION`, else `warn` (SPEC §4). */
export function validationMode(flag: string | undefined, env: Env): ValidationMode {
  return resolveSetting(validationSetting, { flag, env }, 'warn');
}

/**
 * `--engine`, else `OSIRIS_ENGINE`, else `local`: the engine `osiris compile` records in the manifest, one of
 * the engines this CLI can run.
 */
export function compileEngine(flag: string | undefined, env: Env, engines: readonly string[]): EngineName {
  return resolveSetting(choiceSetting('--engine', 'OSIRIS_ENGINE', engines), { flag, env }, 'local');
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
