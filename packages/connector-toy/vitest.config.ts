// SPDX-License-Identifier: MIT
import { mergeConfig } from 'vitest/config';
import { packageTests } from '../../vitest.shared.ts';

export default mergeConfig(packageTests({ testTimeout: 60_000 }), {
  test: { globalSetup: ['test/global-setup.ts'] },
});
