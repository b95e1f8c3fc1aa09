// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf, OsirisErrorCode } from './errors';
import { choiceSetting, resolveSetting, type Setting } from './settings';

const mode = choiceSetting('--mode', 'OSIRIS_VALIDATION', ['warn', 'strict', 'off']);
const seconds: Setting<number> = {
  flag: '--idle-timeout',
  env: 'OSIRIS_IDLE_TIMEOUT',
  parse: (text) => (/^\d+$/.test(text.trim()) ? Number(text) * 1000 : undefined),
  expected: 'a number of seconds',
  example: '600',
};

describe('resolveSetting', () => {
  it.each([
    ['the flag beats the environment', 'off', { OSIRIS_VALIDATION: 'strict' }, 'off'],
    ['the environment beats the default', undefined, { OSIRIS_VALIDATION: 'strict' }, 'strict'],
    ['the default when neither is set', undefined, {}, 'warn'],
    ['an empty variable counts as unset', undefined, { OSIRIS_VALIDATION: '' }, 'warn'],
    ['a blank variable counts as unset', undefined, { OSIRIS_VALIDATION: '  ' }, 'warn'],
    ['a valid flag wins over a bad variable', 'strict', { OSIRIS_VALIDATION: 'loose' }, 'strict'],
  ])('%s', (_name, flag, env, expected) => {
    expect(resolveSetting(mode, { flag, env }, 'warn')).toBe(expected);
  });

  it('returns the fallback as given, also one of another type', () => {
    expect(resolveSetting(seconds, { env: {} }, undefined)).toBeUndefined();
    expect(resolveSetting(seconds, { flag: '5', env: { OSIRIS_IDLE_TIMEOUT: '9' } }, undefined)).toBe(5000);
    expect(resolveSetting(seconds, { env: { OSIRIS_IDLE_TIMEOUT: '9' } }, undefined)).toBe(9000);
  });

  it('rejects a bad flag as a usage error (exit 2) naming the flag, the value and the choices', () => {
    const call = () => resolveSetting(mode, { flag: 'loose', env: {} }, 'warn');
    expect(call).toThrow(expect.objectContaining({ code: OsirisErrorCode.Validation }));
    expect(call).toThrow('--mode loose is not one of warn, strict, off');
    expect(call).toThrow(expect.objectContaining({ hint: 'For example: --mode warn' }));
    try {
      call();
    } catch (error) {
      expect(exitCodeOf(error)).toBe(ExitCode.Validation);
    }
  });

  it('rejects a bad environment value as a configuration error (exit 5) naming the variable', () => {
    const call = () => resolveSetting(seconds, { env: { OSIRIS_IDLE_TIMEOUT: 'ten' } }, undefined);
    expect(call).toThrow(
      expect.objectContaining({
        code: OsirisErrorCode.Config,
        message: 'OSIRIS_IDLE_TIMEOUT=ten is not a number of seconds',
        hint: 'Unset OSIRIS_IDLE_TIMEOUT, or set it to a number of seconds.',
      }),
    );
    try {
      call();
    } catch (error) {
      expect(exitCodeOf(error)).toBe(ExitCode.Config);
    }
  });

  it('matches choices exactly (no case folding, no trimming)', () => {
    expect(() => resolveSetting(mode, { env: { OSIRIS_VALIDATION: 'Strict' } }, 'warn')).toThrow(
      'OSIRIS_VALIDATION=Strict is not one of warn, strict, off',
    );
    expect(() => resolveSetting(mode, { flag: ' off', env: {} }, 'warn')).toThrow(/is not one of/);
  });
});
