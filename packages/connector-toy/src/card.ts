// SPDX-License-Identifier: MIT
import { fileURLToPath } from 'node:url';
import { readSpecSources, type SpecSource } from '@osiris/registry';

/** The folder of this package's spec card (`components/toy.table/spec.yaml`). */
export const toyComponentsDir: string = fileURLToPath(new URL('../components/', import.meta.url));

/** The toy's card, as a registry takes cards besides the built-in ones. */
export function toyComponents(): SpecSource[] {
  return readSpecSources(toyComponentsDir);
}
