// SPDX-License-Identifier: MIT
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const componentsDir = fileURLToPath(new URL('./components/', import.meta.url));
// The registry's build copies components/ into its package, lints the cards and stamps them there.
const stampFile = fileURLToPath(new URL('./packages/registry/components/verified.json', import.meta.url));

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The built-in components folder as `@osiris/registry` reads it in a bundle: its files, keyed by their path
 * in it. The cards come from the source of truth; the registry build's stamp comes along when there is one,
 * and a stamp that does not match them (the registry was not rebuilt) only means that the bundle lints its
 * cards when it starts, as an unstamped one does.
 */
function builtinComponentFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'spec.schema.json': readFileSync(join(componentsDir, 'spec.schema.json'), 'utf8'),
  };
  if (existsSync(stampFile)) files['verified.json'] = readFileSync(stampFile, 'utf8');
  for (const entry of readdirSync(componentsDir, { withFileTypes: true })) {
    const card = join(componentsDir, entry.name, 'spec.yaml');
    if (entry.isDirectory() && existsSync(card)) files[`${entry.name}/spec.yaml`] = readFileSync(card, 'utf8');
  }
  return files;
}

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/** Puts the built-in components folder into the registry's `src/embedded-components.ts` (bundles only). */
const builtinComponents: EsbuildPlugin = {
  name: 'osiris-builtin-components',
  setup(build) {
    build.onLoad({ filter: /[\\/]packages[\\/]registry[\\/]src[\\/]embedded-components\.ts$/ }, () => ({
      contents: `export const embeddedComponents = ${JSON.stringify(builtinComponentFiles())};\n`,
      loader: 'js',
      watchDirs: [componentsDir],
    }));
  },
};

/**
 * pg decides when it is imported whether it runs on Cloudflare Workers. On Node 20, which has no
 * `navigator`, the probe constructs a fetch `Response`, which loads Node's fetch implementation: about
 * 30 ms of every start, in a bundle that only ever runs on Node. The build fails when pg's code no longer
 * reads as expected, so the patch cannot silently stop applying.
 */
const pgOnNode: EsbuildPlugin = {
  name: 'osiris-pg-on-node',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const probe = 'if (isCloudflareRuntime()) {';
      if (!text.includes(probe)) {
        throw new Error(`${args.path} no longer probes for Cloudflare as pgOnNode expects; update or drop the patch`);
      }
      return { contents: text.replace(probe, 'if (false) {'), loader: 'js' };
    });
  },
};

/**
 * A self-contained ESM program (the `osiris` binary, the e2b runner): the entry
 * with its npm and workspace dependencies inlined, so that Node loads a few
 * files instead of hundreds at start. Workspace packages are bundled from their
 * source (`@osiris/source`), so a bundle always matches its commit; the
 * built-in spec cards are inlined too, since a bundle has no
 * `@osiris/registry` folder beside it to read them from. `external` names
 * packages to import at run time instead, besides the two every bundle keeps out.
 */
export function selfContainedBundle({
  external: alsoExternal = [],
  esbuildOptions,
  ...options
}: Omit<Options, 'external'> & { outDir: string; external?: readonly string[] }): Options {
  // pg loads its optional native binding only when asked to, and nothing asks. PGlite finds its WASM and data
  // files next to its own modules, so it is imported as a package, not inlined.
  const external = ['pg-native', '@electric-sql/pglite', ...alsoExternal];
  return {
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: false,
    clean: true,
    sourcemap: false,
    ...options,
    // tsup lets `noExternal` win over `external`, so the packages kept out are left out of this pattern.
    noExternal: [new RegExp(`^(?!(?:${external.map(escapeRegExp).join('|')})(?:/|$))`)],
    external,
    // Bundled CommonJS dependencies call require() and read __dirname; give every ESM chunk those.
    banner: {
      js: [
        "import { createRequire as __osirisCreateRequire } from 'node:module';",
        "import { fileURLToPath as __osirisFileURLToPath } from 'node:url';",
        'const require = __osirisCreateRequire(import.meta.url);',
        'const __filename = __osirisFileURLToPath(import.meta.url);',
        "const __dirname = __osirisFileURLToPath(new URL('.', import.meta.url));",
      ].join('\n'),
    },
    esbuildPlugins: [builtinComponents, pgOnNode, ...(options.esbuildPlugins ?? [])],
    esbuildOptions(esbuild, context) {
      esbuild.conditions = ['@osiris/source'];
      esbuildOptions?.(esbuild, context);
    },
  };
}

/**
 * The runner bundle the e2b engine uploads (ADR 0006, 0012): one minified ESM file
 * `<outDir>/osiris-runner.mjs` from an entry that calls `startRemoteRunner` of
 * `@osiris/engine-e2b/remote` with its connectors. `@osiris/engine-e2b` builds the built-in one; a package with
 * its own connector builds one the same way and hands its path to the engine as `runnerBundle`.
 */
export function remoteRunnerBundle({
  entry,
  ...options
}: Omit<Options, 'entry' | 'external'> & { entry: string; outDir: string }): Options {
  return selfContainedBundle({
    entry: { 'osiris-runner': entry },
    outExtension: () => ({ js: '.mjs' }),
    minify: true,
    splitting: false,
    ...options,
  });
}
