// SPDX-License-Identifier: MIT
import { defineConfig, type Options } from 'tsup';

/** The one build recipe every package uses; a package only names its entries. */
export function packageBuild(options: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    clean: true,
    sourcemap: true,
    splitting: false,
    ...options,
  });
}
