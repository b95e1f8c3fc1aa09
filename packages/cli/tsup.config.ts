// SPDX-License-Identifier: MIT
import { packageBuild, selfContainedBundle } from '../../tsup.config.base.ts';

export default [
  // The library (`main`) for embedders; its `clean` leaves the binary's folder to the binary's own build.
  packageBuild({ clean: ['!bin/**'] }),
  // The `osiris` binary: one bundle instead of hundreds of modules to resolve and load at every start. Split
  // at the dynamic imports, so a command loads only what it uses (the local engine's drivers, chat's client).
  selfContainedBundle({
    entry: { osiris: 'src/bin.ts' },
    outDir: 'dist/bin',
    splitting: true,
    // The e2b engine finds the runner bundle it uploads beside its own files and checks that both come from
    // one build; it also waits seconds for a sandbox, so loading it as a package costs nothing noticeable.
    external: ['@osiris/engine-e2b'],
  }),
];
