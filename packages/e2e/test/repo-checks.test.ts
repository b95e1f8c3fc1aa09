// SPDX-License-Identifier: MIT
// scripts/check-repo.mjs (run by `pnpm lint`) against made-up repositories: each rule must catch what it names.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from '@osiris/test-utils';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/check-repo.mjs', import.meta.url));
const repos: string[] = [];
afterAll(() => {
  for (const dir of repos) rmSync(dir, { recursive: true, force: true });
});

interface FakePackage {
  readonly layer?: string;
  readonly private?: boolean;
  readonly dependencies?: readonly string[];
  /** Files by path inside the package; each gets the SPDX header. */
  readonly files?: Readonly<Record<string, string>>;
}

const SPDX = '// SPDX-License-Identifier: MIT\n';

/** A repository with a registry, a runner and whatever the case adds, checked by the script. */
async function check(extra: Readonly<Record<string, FakePackage>>) {
  const root = mkdtempSync(join(tmpdir(), 'osiris-check-repo-'));
  repos.push(root);
  const packages: Record<string, FakePackage> = {
    registry: { layer: 'registry', files: { 'src/errors.ts': 'export class OsirisError extends Error {}\n' } },
    runner: {
      layer: 'runner',
      dependencies: ['registry'],
      files: { 'src/index.ts': "import { x } from '@osiris/registry';\n" },
    },
    ...extra,
  };
  for (const [dir, pkg] of Object.entries(packages)) {
    const manifest = {
      name: `@osiris/${dir}`,
      ...(pkg.private === true ? { private: true } : {}),
      ...(pkg.layer === undefined ? {} : { osiris: { layer: pkg.layer } }),
      dependencies: Object.fromEntries((pkg.dependencies ?? []).map((dep) => [`@osiris/${dep}`, 'workspace:^'])),
    };
    mkdirSync(join(root, 'packages', dir), { recursive: true });
    writeFileSync(join(root, 'packages', dir, 'package.json'), JSON.stringify(manifest));
    for (const [file, text] of Object.entries(pkg.files ?? {})) {
      mkdirSync(dirname(join(root, 'packages', dir, file)), { recursive: true });
      writeFileSync(join(root, 'packages', dir, file), SPDX + text);
    }
  }
  return runNode(script, [root], { cwd: root });
}

describe('scripts/check-repo.mjs', () => {
  it('passes a repository that keeps the rules, with a connectors layer between connectors and engines', async () => {
    const result = await check({
      'connector-toy': { layer: 'connector', private: true, dependencies: ['runner', 'registry'] },
      connectors: {
        layer: 'connectors',
        dependencies: ['connector-toy'],
        files: { 'src/index.ts': "import { x } from '@osiris/connector-toy';\n" },
      },
      'engine-local': {
        layer: 'engine',
        dependencies: ['connectors'],
        files: {
          'src/index.ts': "import { x } from '@osiris/connectors';\n",
          // Tests may fake a driver's error.
          'src/driver.test.ts': 'class DriverError extends Error {}\n',
        },
      },
      'test-utils': { layer: 'test-utils', private: true },
      e2e: { layer: 'tests', private: true, dependencies: ['engine-local', 'test-utils'] },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('check-repo: 7 packages');
  });

  it('fails for a package that names no layer, naming the package and the layers', async () => {
    const result = await check({ 'connector-new': { dependencies: ['runner'] } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'packages/connector-new/package.json: @osiris/connector-new names no layer; add "osiris": { "layer": "<test-utils | registry | pure | runner | report | connector | connectors | engine | cli | tests>" }',
    );
  });

  it('fails for an unknown layer, and for a published package on a private layer', async () => {
    const result = await check({ x: { layer: 'drivers' }, y: { layer: 'tests' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('@osiris/x names the unknown layer "drivers"');
    expect(result.stderr).toContain('@osiris/y is published, so it cannot be on the private layer "tests"');
  });

  it('fails for an import that points up, naming both layers', async () => {
    const result = await check({
      connectors: { layer: 'connectors', dependencies: ['runner'] },
      runner: {
        layer: 'runner',
        dependencies: ['registry', 'connectors'],
        files: { 'src/index.ts': "import { x } from '@osiris/connectors';\n" },
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'packages/runner/src/index.ts: @osiris/runner (layer runner) imports @osiris/connectors (layer connectors): dependencies must point down',
    );
  });

  it.each([
    ['class RowError extends Error {}'],
    ['export class BadInput extends TypeError {}'],
    ['class Many extends AggregateError {}'],
  ])('fails for `%s` in src/ outside the registry, with file and line', async (line) => {
    const result = await check({
      'connector-csv': { layer: 'connector', files: { 'src/internal/errors.ts': `\n${line}\n` } },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'packages/connector-csv/src/internal/errors.ts:3: extends a JavaScript error class; extend OsirisError or ConnectorError (@osiris/registry)',
    );
  });

  it('accepts classes that extend Osiris errors', async () => {
    const result = await check({
      'connector-csv': {
        layer: 'connector',
        files: { 'src/errors.ts': 'class CsvError extends ConnectorError {}\nclass E extends OsirisError {}\n' },
      },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each([['process.exit(130);'], ['process.exitCode = 4;']])('fails for an exit code literal: %s', async (line) => {
    const result = await check({ cli: { layer: 'cli', files: { 'src/bin.ts': `${line}\n` } } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'packages/cli/src/bin.ts:2: an exit code written as a number; use ExitCode (@osiris/registry)',
    );
  });
});
