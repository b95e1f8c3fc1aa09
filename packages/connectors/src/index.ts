// SPDX-License-Identifier: MIT
export { builtinConnectors } from './builtin';
export type { ConnectorSet } from './set';
export { connectorSet } from './set';
