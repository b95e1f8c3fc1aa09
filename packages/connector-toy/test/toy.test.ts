// SPDX-License-Identifier: MIT
// A connector of a new component type, added by touching only this package and one composition line
// (test/composition.ts), runs locally and in the e2b local sandbox, is found by `osiris discover` through its URL
// scheme, and has its transient errors retried (ADR 0018).
import { join } from 'node:path';
import { builtinEngines, type CliOverrides } from '@osiris/cli';
import { createE2bEngineFromEnv } from '@osiris/engine-e2b';
import { createRegistry, loadSpecSchema, readSpecSources } from '@osiris/registry';
import type { RunMetrics } from '@osiris/runner';
import { afterEach, describe, expect, it } from 'vitest';
import { toyComponents } from '../src/card';
import { toyConnector } from '../src/connector';
import { toyBundle } from './bundle-path';
import { connectors } from './composition';
import { NUMBERS, readJson, runCli, workspace } from './helpers';

// The cards: the built-in ones and the toy's own.
const registry = createRegistry([...readSpecSources(), ...toyComponents()], loadSpecSchema());
const overrides: CliOverrides = { connectors, registry };

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const remove of cleanup.splice(0)) remove();
});

function setup(busyTimes: number) {
  const ws = workspace(busyTimes);
  cleanup.push(ws.remove);
  const env = { OSIRIS_HOME: join(ws.dir, 'home'), OSIRIS_CONN__TOY__URL: `toy://${ws.data}` };
  return { ...ws, env };
}

/** metrics.json of the run `osiris run --json` reported. */
function metricsOf(home: string, stdout: string): RunMetrics {
  const { run_id } = JSON.parse(stdout) as { run_id: string };
  return readJson<RunMetrics>(join(home, 'runs', run_id, 'metrics.json'));
}

describe('the toy connector, composed with the built-in ones', () => {
  it('runs locally through the CLI, and its transient errors are retried', async () => {
    const ws = setup(2);
    const run = await runCli(['run', ws.pipeline, '--json'], { cwd: ws.dir, env: ws.env, overrides });
    expect(run.code, run.stderr).toBe(0);
    expect(readJson(join(ws.data, 'copy.json'))).toEqual(NUMBERS);
    const metrics = metricsOf(ws.env.OSIRIS_HOME, run.stdout);
    // The source was busy twice before its read began, so the sink started once.
    expect(metrics.steps.map((step) => [step.id, step.status, step.attempts])).toEqual([
      ['src', 'succeeded', 3],
      ['dst', 'succeeded', 1],
    ]);
    expect(readJson<number>(join(ws.data, 'numbers.reads'))).toBe(3);
  });

  it('is not retried without its own verdict: the runner does not know TOY_BUSY', async () => {
    const ws = setup(1);
    const { isTransient: _verdict, ...withoutVerdict } = toyConnector;
    const run = await runCli(['run', ws.pipeline, '--json'], {
      cwd: ws.dir,
      env: ws.env,
      overrides: { registry, connectors: [...connectors, withoutVerdict] },
    });
    expect(run.code).toBe(4);
    expect(metricsOf(ws.env.OSIRIS_HOME, run.stdout).steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('runs through the e2b engine in the local sandbox, with a runner bundle that carries it', async () => {
    const ws = setup(2);
    const env = { ...ws.env, OSIRIS_E2B_SANDBOX: 'local' };
    const run = await runCli(['run', ws.pipeline, '--engine', 'e2b', '--json'], {
      cwd: ws.dir,
      env,
      overrides: {
        ...overrides,
        engines: {
          ...builtinEngines,
          // The built-in e2b engine, uploading the bundle built with the toy (test/remote-runner.ts).
          e2b: (setup) =>
            createE2bEngineFromEnv(setup.env, {
              output: setup.output,
              connectors: setup.connectors,
              runnerBundle: toyBundle,
            }),
        },
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, engine: 'e2b' });
    expect(run.stderr).toContain('agent=runner engine=e2b');
    expect(readJson(join(ws.data, 'copy.json'))).toEqual(NUMBERS);
    // The retries happened in the sandbox: its metrics came back.
    expect(metricsOf(env.OSIRIS_HOME, run.stdout).steps.map((step) => step.attempts)).toEqual([3, 1]);
  });

  it('is refused by the e2b engine, with its own reason, when a sandbox cannot reach its folder (exit 5)', async () => {
    const ws = setup(0);
    const run = await runCli(['run', ws.pipeline, '--engine', 'e2b'], {
      cwd: ws.dir,
      env: { ...ws.env, OSIRIS_E2B_SANDBOX: 'local', OSIRIS_CONN__TOY__URL: 'toy://data' },
      overrides,
    });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(
      'step "src" (toy.table) cannot run in the e2b sandbox with connection @toy: the folder data is relative to the working directory of this machine',
    );
  });

  it('is found by osiris discover through its URL scheme', async () => {
    const ws = setup(0);
    const run = await runCli(['discover', '@toy', '--json'], { cwd: ws.dir, env: ws.env, overrides });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      component: 'toy.table',
      tables: [{ schema: 'toy', name: 'numbers', approx_rows: 25 }],
    });
  });
});
