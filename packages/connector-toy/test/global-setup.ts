// SPDX-License-Identifier: MIT
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { remoteRunnerBundle } from '../../../tsup.config.base.ts';
import { toyBundleDir } from './bundle-path';

/** Builds the runner bundle with the toy connector from the current sources before any test uploads it. */
export async function setup(): Promise<void> {
  const card = readFileSync(new URL('../components/toy.table/spec.yaml', import.meta.url), 'utf8');
  await build({
    ...remoteRunnerBundle({
      entry: fileURLToPath(new URL('./remote-runner.ts', import.meta.url)),
      outDir: toyBundleDir,
      define: { TOY_CARD: JSON.stringify(card) },
    }),
    config: false,
    silent: true,
  });
}
