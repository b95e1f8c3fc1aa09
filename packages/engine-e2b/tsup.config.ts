// SPDX-License-Identifier: MIT
import type { Options } from 'tsup';
import { packageBuild, remoteRunnerBundle } from '../../tsup.config.base.ts';

/**
 * The self-contained runner bundle the e2b engine uploads: the runner, the
 * built-in connectors, their npm dependencies and the built-in spec cards in
 * one ESM file, so that nothing is installed in the sandbox.
 */
export const runnerBundle: Options = remoteRunnerBundle({ entry: 'src/remote/builtin.ts', outDir: 'dist/remote' });

export default [
  // The library and `@osiris/engine-e2b/remote` (for bundles with other connectors); its `clean` leaves the
  // bundle's folder to the bundle's own build.
  packageBuild({ entry: { index: 'src/index.ts', 'remote-runner': 'src/remote.ts' }, clean: ['!remote/**'] }),
  runnerBundle,
];
