// SPDX-License-Identifier: MIT
import { builtinConnectors } from '@osiris/connectors';
import type { Connector } from '@osiris/runner';
import { toyConnector } from '../src/connector';

/** The one composition line: the built-in connectors and the toy, exactly as `builtinConnectors` composes its own. */
export const connectors: readonly Connector[] = [...builtinConnectors, toyConnector];
