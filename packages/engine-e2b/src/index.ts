// SPDX-License-Identifier: MIT
export { ENGINE_VERSION } from './bundle';
export type { E2bEngine, E2bEngineOptions, LineOutput } from './engine';
export {
  createE2bEngine,
  DEFAULT_E2B_TEMPLATE,
  DEFAULT_E2B_TIMEOUT_MS,
  DEFAULT_E2B_WORKDIR,
  E2B_LINE_PREFIX,
  missingApiKeyError,
} from './engine';
export type { E2bEngineFromEnvOptions } from './env';
export { createE2bEngineFromEnv } from './env';
export type { LocalProcessSandboxOptions } from './local-sandbox';
export { LocalProcessSandbox, localProcessSandboxFactory } from './local-sandbox';
export type {
  Sandbox,
  SandboxCommandOptions,
  SandboxCommandResult,
  SandboxCommands,
  SandboxCreateOptions,
  SandboxFactory,
  SandboxFiles,
} from './sandbox';
export { e2bSandboxFactory } from './sandbox';
