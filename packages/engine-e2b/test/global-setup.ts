// SPDX-License-Identifier: MIT
import { build } from 'tsup';
import { runnerBundle } from '../tsup.config';

/** Builds the runner bundle from the current source before any test uploads it, so no test runs a stale one. */
export async function setup(): Promise<void> {
  await build({ ...runnerBundle, config: false, silent: true });
}
