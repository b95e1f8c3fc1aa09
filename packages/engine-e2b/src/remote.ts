// SPDX-License-Identifier: MIT
// `@osiris/engine-e2b/remote`: for the entry of a runner bundle with other connectors than the built-in ones.
export type { RemoteRunnerOptions } from './remote/main';
export { startRemoteRunner } from './remote/main';
