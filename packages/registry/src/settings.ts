// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from './errors';

/** A setting a user chooses with a flag or an environment variable, and what a valid value is. */
export interface Setting<T> {
  /** The command-line flag as typed (`--mode`), named in usage errors. */
  readonly flag: string;
  /** The environment variable (`OSIRIS_VALIDATION`), named in configuration errors. */
  readonly env: string;
  /** The value a text stands for, or `undefined` when the text is not a valid value. */
  readonly parse: (text: string) => T | undefined;
  /** What a valid value is, completing "is not …": `one of warn, strict, off`, `a number of seconds`. */
  readonly expected: string;
  /** A valid text, shown after a bad flag (`For example: --mode strict`). */
  readonly example?: string;
}

/** Where a setting may come from: the flag's text (if given) and the environment. */
export interface SettingSources {
  /** The flag's value as typed, or `undefined` when the flag was not given. */
  readonly flag?: string | undefined;
  /** The environment (`process.env`); a variable that is empty or blank counts as unset. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * A setting whose value is one of a few words (`info | debug`).
 *
 * @example
 * const logLevel = choiceSetting('--log-level', 'OSIRIS_LOG_LEVEL', ['info', 'debug']);
 */
export function choiceSetting<const T extends string>(flag: string, env: string, choices: readonly T[]): Setting<T> {
  return {
    flag,
    env,
    parse: (text) => (choices as readonly string[]).find((choice) => choice === text) as T | undefined,
    expected: `one of ${choices.join(', ')}`,
    ...(choices[0] === undefined ? {} : { example: choices[0] }),
  };
}

/**
 * The one way a setting is chosen: the flag beats the environment beats the
 * default. A flag that is not a valid value is a usage error
 * (`OsirisError(Validation)`, exit 2); an environment variable that is not one
 * is a configuration error (`OsirisError(Config)`, exit 5). Both messages name
 * the flag or variable, the value given and the values allowed.
 *
 * @example
 * const mode = resolveSetting(choiceSetting('--mode', 'OSIRIS_VALIDATION', ['warn', 'strict', 'off']),
 *   { flag: options.mode, env: process.env }, 'warn');
 */
export function resolveSetting<T, D = T>(setting: Setting<T>, sources: SettingSources, fallback: D): T | D {
  if (sources.flag !== undefined) {
    const value = setting.parse(sources.flag);
    if (value !== undefined) return value;
    throw new OsirisError(OsirisErrorCode.Validation, `${setting.flag} ${sources.flag} is not ${setting.expected}`, {
      ...(setting.example === undefined ? {} : { hint: `For example: ${setting.flag} ${setting.example}` }),
    });
  }
  const text = sources.env[setting.env];
  if (text === undefined || text.trim() === '') return fallback;
  const value = setting.parse(text);
  if (value !== undefined) return value;
  throw new OsirisError(OsirisErrorCode.Config, `${setting.env}=${text} is not ${setting.expected}`, {
    hint: `Unset ${setting.env}, or set it to ${setting.expected}.`,
  });
}
