// SPDX-License-Identifier: MIT
// What `main` composes: engines by name, connectors found by their URL schemes, the cards it is given.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinConnectors } from '@osiris/connectors';
import type { Connector, Engine, EngineResult } from '@osiris/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinEngines, type EngineSetup } from '../src/composition';
import { repoRoot, runCli, tempDirs } from './helpers';

const dirs = tempDirs();
afterAll(() => dirs.clean());

const example = join(repoRoot, 'examples/mysql-to-supabase-merge/pipeline.yaml');
const env = {
  OSIRIS_CONN__MYSQL__URL: 'mysql://app@127.0.0.1:1/shop',
  OSIRIS_CONN__SUPABASE__URL: 'postgresql://svc@127.0.0.1:1/postgres',
};

/** An engine that runs nothing and says every step succeeded; it records what it was given. */
function fakeEngines() {
  const seen: { setup: EngineSetup; engine: string }[] = [];
  const factory =
    (name: string) =>
    (setup: EngineSetup): Engine => {
      seen.push({ setup, engine: name });
      return {
        name,
        async run(manifest): Promise<EngineResult> {
          return {
            status: 'succeeded',
            steps: manifest.steps.map((step) => ({
              id: step.id,
              component: step.component,
              componentVersion: step.component_version,
              mode: step.mode,
              status: 'succeeded',
              attempts: 1,
              rowsRead: 0,
              rowsWritten: 0,
              durationMs: 0,
            })),
          };
        },
      };
    };
  return { seen, engines: { local: factory('local'), remote: factory('remote') } };
}

describe('engines come from one map of names to factories', () => {
  it('the built-in map has local and e2b', () => {
    expect(Object.keys(builtinEngines)).toEqual(['local', 'e2b']);
  });

  it('--engine takes its names, compile records one, and run makes that engine with the connectors', async () => {
    const { seen, engines } = fakeEngines();
    const dir = dirs.make('osiris-engines-');
    const compiled = await runCli(['compile', example, '--out', join(dir, 'build'), '--engine', 'remote'], {
      overrides: { engines },
    });
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(readFileSync(join(dir, 'build', 'manifest.yaml'), 'utf8')).toContain('engine: remote');

    const run = await runCli(['run', join(dir, 'build', 'manifest.yaml'), '--runs-dir', join(dir, 'runs'), '--json'], {
      env,
      overrides: { engines },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, engine: 'remote' });
    expect(seen.map(({ engine }) => engine)).toEqual(['remote']);
    expect(seen[0]?.setup.connectors.map((c) => c.type)).toEqual(['filesystem.csv', 'mysql.table', 'supabase.table']);

    const local = await runCli(['run', example, '--engine', 'local', '--runs-dir', join(dir, 'runs')], {
      env,
      overrides: { engines },
    });
    expect(local.code, local.stderr).toBe(0);
    expect(seen.map(({ engine }) => engine)).toEqual(['remote', 'local']);
  });

  it('refuses an engine name the map does not have: on the command line and in a manifest (exit 2)', async () => {
    const { engines } = fakeEngines();
    const dir = dirs.make('osiris-engines-');
    const flag = await runCli(['run', example, '--engine', 'e2b'], { env, overrides: { engines } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Allowed choices are local, remote');

    const compiled = await runCli(['compile', example, '--out', join(dir, 'build'), '--engine', 'e2b']);
    expect(compiled.code, compiled.stderr).toBe(0);
    const run = await runCli(['run', join(dir, 'build', 'manifest.yaml')], { env, overrides: { engines } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the engine "e2b" is not one of local, remote');
  });
});

describe('osiris discover finds the connector by the scheme of the connection URL', () => {
  const tables = [{ schema: 'shop', name: 'orders', approxRows: 3, columns: [] }];
  /** Replaces mysql.table with a connector that discovers without a database and takes only mariadb:// URLs. */
  const fakeMysql: Connector = {
    type: 'mysql.table',
    modes: ['read'],
    capabilities: ['discovery'],
    urlSchemes: ['mariadb'],
    async discover() {
      return tables;
    },
  };
  const connectors = [...builtinConnectors, fakeMysql];

  it('uses the connector that declares the scheme, from the connectors given to main', async () => {
    const home = dirs.make('osiris-discover-');
    const result = await runCli(['discover', '@db', '--json'], {
      env: { OSIRIS_HOME: home, OSIRIS_CONN__DB__URL: 'mariadb://app@db:3306/shop' },
      overrides: { connectors },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ component: 'mysql.table', tables: [{ name: 'orders' }] });
  });

  it('says which components it knows when no connector takes the scheme (exit 5)', async () => {
    const result = await runCli(['discover', '@db'], {
      env: { OSIRIS_CONN__DB__URL: 'mysql://app@db:3306/shop' },
      overrides: { connectors },
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('cannot tell which component discovers @db');
    expect(result.stderr).toContain('Pass --component (one of: filesystem.csv, mysql.table, supabase.table)');
  });
});

describe('the registry given to main', () => {
  it('is what every command validates against', async () => {
    const dir = dirs.make('osiris-registry-');
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, readFileSync(example, 'utf8'));
    const { createRegistry, loadSpecSchema, readSpecSources } = await import('@osiris/registry');
    const withoutMysql = createRegistry(
      readSpecSources().filter((source) => !source.file.includes('mysql.table')),
      loadSpecSchema(),
    );
    const result = await runCli(['validate', file], { overrides: { registry: withoutMysql } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mysql.table');
    const list = await runCli(['components', 'list', '--json'], { overrides: { registry: withoutMysql } });
    expect(JSON.parse(list.stdout).map((c: { name: string }) => c.name)).toEqual(['filesystem.csv', 'supabase.table']);
  });
});
