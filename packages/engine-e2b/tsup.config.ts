// SPDX-License-Identifier: MIT
import type { Options } from 'tsup';
import { packageBuild, selfContainedBundle } from '../../tsup.config.base.ts';

/**
 * The self-contained runner bundle the e2b engine uploads: the runner, the
 * database connectors, their npm dependencies and the built-in spec cards in
 * one ESM file, so that nothing is installed in the sandbox.
 */
export const runnerBundle: Options = selfContainedBundle({
  entry: { 'osiris-runner': 'src/remote/main.ts' },
  outDir: 'dist/remote',
  outExtension: () => ({ js: '.mjs' }),
  minify: true,
  splitting: false,
});

export default [
  // The library; its `clean` leaves the bundle's folder to the bundle's own build.
  packageBuild({ clean: ['!remote/**'] }),
  runnerBundle,
];
