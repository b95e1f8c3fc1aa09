// SPDX-License-Identifier: MIT
// The entry of a runner bundle with the toy connector, built by test/global-setup.ts with the same recipe as the
// built-in one (remoteRunnerBundle) and uploaded by the e2b engine in place of it.
import { startRemoteRunner } from '@osiris/engine-e2b/remote';
import { connectors } from './composition';

/** The toy's spec card, inlined by the bundle's build: a sandbox has no components folder. */
declare const TOY_CARD: string;

startRemoteRunner({ connectors, components: [{ file: 'toy.table/spec.yaml', text: TOY_CARD }] });
