// SPDX-License-Identifier: MIT
import { defineConfig } from 'vitest/config';

/**
 * Tests resolve workspace packages to their `src` through the `@osiris/source`
 * export condition, so they never run against a stale `dist`.
 */
export function packageTests(options: { testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { conditions: ['@osiris/source', 'node', 'import', 'default'] },
    ssr: { resolve: { conditions: ['@osiris/source', 'node', 'import', 'default'] } },
    test: {
      clearMocks: true,
      restoreMocks: true,
      testTimeout: options.testTimeout ?? 20_000,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    },
  });
}
