// SPDX-License-Identifier: MIT
import { defineConfig } from 'vitest/config';

// Vitest hands these to Node as `--conditions`, which also applies to `require()`: with `import`
// among them, pg's `require('pg-pool')` would load pg-pool's ESM build and fail. Node adds
// `import` for imports anyway.
const conditions = ['@osiris/source', 'node', 'default'];

/**
 * Tests resolve workspace packages to their `src` through the `@osiris/source`
 * export condition, so they never run against a stale `dist`.
 */
export function packageTests(options: { testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      clearMocks: true,
      restoreMocks: true,
      testTimeout: options.testTimeout ?? 20_000,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    },
  });
}
