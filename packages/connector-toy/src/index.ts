// SPDX-License-Identifier: MIT
export { toyComponents, toyComponentsDir } from './card';
export { TOY_BUSY, toyConnector } from './connector';
