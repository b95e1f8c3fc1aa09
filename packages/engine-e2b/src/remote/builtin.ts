// SPDX-License-Identifier: MIT
// The entry of the built-in runner bundle (`dist/remote/osiris-runner.mjs`): the remote runner with the built-in
// connectors. A bundle with other connectors has an entry like this one (ADR 0018).
import { builtinConnectors } from '@osiris/connectors';
import { startRemoteRunner } from './main';

startRemoteRunner({ connectors: builtinConnectors });
