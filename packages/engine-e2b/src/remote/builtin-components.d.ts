// SPDX-License-Identifier: MIT
// The built-in spec cards, embedded in the runner bundle at build time (see tsup.config.ts).
declare module 'virtual:osiris-builtin-components' {
  import type { SpecSource } from '@osiris/registry';

  /** `components/<type>/spec.yaml` of every built-in component, labelled as `loadRegistry()` labels them. */
  export const sources: readonly SpecSource[];
}
