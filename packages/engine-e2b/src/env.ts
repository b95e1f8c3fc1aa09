// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import { createE2bEngine, type E2bEngine, type E2bEngineOptions, missingApiKeyError } from './engine';
import { localProcessSandboxFactory } from './local-sandbox';

/** Options that beat the environment (command-line flags), plus where the lines go. */
export type E2bEngineFromEnvOptions = Omit<E2bEngineOptions, 'sandbox'>;

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new OsirisError(OsirisErrorCode.Config, `${name} must be a positive whole number of milliseconds`, {
      hint: `Set ${name} to e.g. 3600000 (one hour), or unset it.`,
    });
  }
  return Number(value);
}

/**
 * The e2b engine as the environment configures it (an option beats the environment):
 *
 * - `OSIRIS_E2B_SANDBOX`: unset or `e2b` for a real e2b sandbox, `local` for a
 *   {@link LocalProcessSandbox} (offline development and tests); anything else is exit 5.
 * - `OSIRIS_E2B_API_KEY`: required for e2b; missing is `OsirisError(Config)` (exit 5) saying how to set it.
 * - `OSIRIS_E2B_TEMPLATE` (default `base`) and `OSIRIS_E2B_TIMEOUT_MS` (default one hour).
 * - No variable of this environment travels to the sandbox. The run's settings (log level,
 *   redaction strategy, retries, timeouts: `EngineContext.settings`, which `runManifest` takes from
 *   `OSIRIS_LOG_LEVEL`, `OSIRIS_REDACTION_STRATEGY`, …) go up as `settings.json`.
 *
 * @example
 * const engine = createE2bEngineFromEnv(process.env, { output: process.stderr });
 */
export function createE2bEngineFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: E2bEngineFromEnvOptions = {},
): E2bEngine {
  const kind = env.OSIRIS_E2B_SANDBOX ?? '';
  if (kind !== '' && kind !== 'e2b' && kind !== 'local') {
    throw new OsirisError(OsirisErrorCode.Config, 'OSIRIS_E2B_SANDBOX must be e2b or local', {
      hint: 'Unset OSIRIS_E2B_SANDBOX (or set it to e2b) for a real e2b sandbox; set it to local to run offline.',
    });
  }
  const local = kind === 'local';
  const apiKey = options.apiKey ?? env.OSIRIS_E2B_API_KEY;
  if (!local && (apiKey === undefined || apiKey === '')) throw missingApiKeyError();
  const template = options.template ?? (env.OSIRIS_E2B_TEMPLATE || undefined);
  const timeoutMs = options.timeoutMs ?? positiveInteger('OSIRIS_E2B_TIMEOUT_MS', env.OSIRIS_E2B_TIMEOUT_MS);
  return createE2bEngine({
    ...options,
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
    ...(template === undefined ? {} : { template }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(local ? { sandbox: localProcessSandboxFactory() } : {}),
  });
}
