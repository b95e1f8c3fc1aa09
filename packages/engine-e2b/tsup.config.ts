// SPDX-License-Identifier: MIT
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';
import { packageBuild } from '../../tsup.config.base.ts';

const componentsDir = fileURLToPath(new URL('../../components/', import.meta.url));

/** The built-in spec cards as `loadRegistry()` reads them, for the bundle to embed. */
function builtinSpecSources(): { file: string; text: string }[] {
  return readdirSync(componentsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(componentsDir, entry.name, 'spec.yaml')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({
      file: `@osiris/registry/components/${name}/spec.yaml`,
      text: readFileSync(join(componentsDir, name, 'spec.yaml'), 'utf8'),
    }));
}

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const builtinComponents: EsbuildPlugin = {
  name: 'osiris-builtin-components',
  setup(build) {
    build.onResolve({ filter: /^virtual:osiris-builtin-components$/ }, (args) => ({
      path: args.path,
      namespace: 'osiris-builtin-components',
    }));
    build.onLoad({ filter: /.*/, namespace: 'osiris-builtin-components' }, () => {
      const sources = builtinSpecSources();
      return {
        contents: `export const sources = ${JSON.stringify(sources)};\n`,
        loader: 'js',
        watchDirs: [componentsDir],
      };
    });
  },
};

/**
 * The self-contained runner bundle the e2b engine uploads: the runner, the
 * database connectors, their npm dependencies and the built-in spec cards in
 * one ESM file, so that nothing is installed in the sandbox. Workspace
 * packages are bundled from their source (`@osiris/source`), so the bundle
 * always matches this commit.
 */
export const runnerBundle: Options = {
  entry: { 'osiris-runner': 'src/remote/main.ts' },
  outDir: 'dist/remote',
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  target: 'node20',
  platform: 'node',
  dts: false,
  clean: true,
  sourcemap: false,
  minify: true,
  splitting: false,
  noExternal: [/.*/],
  // pg loads its optional native binding only when asked to; the bundle never asks. PGlite databases live
  // on the user's machine (the engine refuses them), so its WASM build is not shipped either.
  external: ['pg-native', '@electric-sql/pglite'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: [
      "import { createRequire as __osirisCreateRequire } from 'node:module';",
      "import { fileURLToPath as __osirisFileURLToPath } from 'node:url';",
      'const require = __osirisCreateRequire(import.meta.url);',
      'const __filename = __osirisFileURLToPath(import.meta.url);',
      "const __dirname = __osirisFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  esbuildPlugins: [builtinComponents],
  esbuildOptions(options) {
    options.conditions = ['@osiris/source'];
  },
};

export default [
  // The library; its `clean` leaves the bundle's folder to the bundle's own build.
  packageBuild({ clean: ['!remote/**'] }),
  runnerBundle,
];
