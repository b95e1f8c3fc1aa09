// SPDX-License-Identifier: MIT
import { join } from 'node:path';
import type { RunManifest, StepConfig } from '@osiris/compiler';
import { builtinConnectors } from '@osiris/connectors';
import { ExitCode, exitCodeOf, isOsirisError, OsirisErrorCode } from '@osiris/registry';
import { type Connector, DEFAULT_RUN_SETTINGS, type EngineContext, runManifest } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { createE2bEngine, DEFAULT_E2B_TEMPLATE, DEFAULT_E2B_TIMEOUT_MS } from '../src/engine';
import { createE2bEngineFromEnv } from '../src/env';
import type { SandboxFactory } from '../src/sandbox';
import {
  captureOutput,
  compilePipeline,
  copyPipeline,
  filesUnder,
  recordingFactory,
  registry,
  tempDir,
} from './helpers';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const env = {
  OSIRIS_CONN__MYSQL__URL: 'mysql://root@127.0.0.1:3306/shop',
  OSIRIS_CONN__SUPABASE__URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
};

function context(overrides: Partial<EngineContext> = {}): EngineContext {
  return {
    runId: 'r_20261127T143000Z_abcdef',
    correlationId: 'c',
    connections: new Map([
      ['@mysql', { url: env.OSIRIS_CONN__MYSQL__URL }],
      ['@supabase', { url: env.OSIRIS_CONN__SUPABASE__URL }],
    ]),
    events: () => undefined,
    signal: new AbortController().signal,
    settings: { ...DEFAULT_RUN_SETTINGS, chunkSize: 100 },
    registry,
    ...overrides,
  };
}

const compiled = () => compilePipeline(copyPipeline({ mysqlDb: 'shop', source: 'orders', target: 'orders' }));

describe('the API key', () => {
  it.each([
    ['no environment', {}],
    ['an empty key', { OSIRIS_E2B_API_KEY: '' }],
    ['an explicit e2b sandbox', { OSIRIS_E2B_SANDBOX: 'e2b' }],
  ])('is required for a real sandbox: exit 5 with how to set it (%s)', (_name, settings) => {
    const error = thrown(() => createE2bEngineFromEnv(settings));
    expect(isOsirisError(error)).toBe(true);
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toContain('OSIRIS_E2B_API_KEY');
    expect((error as { hint?: string }).hint).toContain('set OSIRIS_E2B_API_KEY=');
    expect((error as { hint?: string }).hint).toContain('OSIRIS_E2B_SANDBOX=local');
  });

  it('is required by createE2bEngine with the default sandbox too', () => {
    expect(exitCodeOf(thrown(() => createE2bEngine()))).toBe(ExitCode.Config);
    expect(createE2bEngine({ apiKey: 'e2b_key' }).name).toBe('e2b');
  });

  it('is not needed by the local sandbox, and an explicit key beats the environment', () => {
    expect(createE2bEngineFromEnv({ OSIRIS_E2B_SANDBOX: 'local' }).name).toBe('e2b');
    expect(createE2bEngineFromEnv({}, { apiKey: 'e2b_flag' }).name).toBe('e2b');
  });
});

describe('createE2bEngineFromEnv settings', () => {
  it.each([
    ['an unknown sandbox kind', { OSIRIS_E2B_SANDBOX: 'docker' }, 'OSIRIS_E2B_SANDBOX'],
    [
      'a timeout that is not a number',
      { OSIRIS_E2B_SANDBOX: 'local', OSIRIS_E2B_TIMEOUT_MS: 'soon' },
      'OSIRIS_E2B_TIMEOUT_MS',
    ],
    ['a zero timeout', { OSIRIS_E2B_SANDBOX: 'local', OSIRIS_E2B_TIMEOUT_MS: '0' }, 'OSIRIS_E2B_TIMEOUT_MS'],
  ])('refuses %s with exit 5', (_name, settings, named) => {
    const error = thrown(() => createE2bEngineFromEnv(settings));
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toContain(named);
  });

  // The run's settings are runManifest's to read (RunSettings), with the same words as for a local run.
  it.each([
    ['an unknown log level', { OSIRIS_LOG_LEVEL: 'trace' }, 'OSIRIS_LOG_LEVEL=trace'],
    [
      'an unknown redaction strategy',
      { OSIRIS_REDACTION_STRATEGY: 'none' },
      'OSIRIS_REDACTION_STRATEGY=none is not one of fixed, hash',
    ],
  ])('a run refuses %s with exit 5 before any sandbox is made', async (_name, settings, named) => {
    const { factory, recorded } = recordingFactory();
    const { manifest, configs } = compiled();
    const runsDir = join(tempDir(), 'runs');
    const error = await runManifest({
      manifest,
      configs,
      engine: createE2bEngine({ sandbox: factory }),
      registry,
      runsDir,
      env: { ...env, ...settings },
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toContain(named);
    expect(recorded.creates).toHaveLength(0);
  });

  it('hands the template and timeout to the sandbox factory', async () => {
    const seen: unknown[] = [];
    const factory: SandboxFactory = async (options) => {
      seen.push(options);
      throw new Error('stop here');
    };
    const engine = createE2bEngine({
      apiKey: 'e2b_k',
      template: 'osiris-node20',
      timeoutMs: 120_000,
      sandbox: factory,
    });
    const { manifest, configs } = compiled();
    await engine.run(manifest, configs, context());
    expect(seen).toEqual([{ apiKey: 'e2b_k', template: 'osiris-node20', timeoutMs: 120_000 }]);
    const defaults = createE2bEngine({ sandbox: factory });
    await defaults.run(manifest, configs, context());
    expect(seen[1]).toEqual({ apiKey: undefined, template: DEFAULT_E2B_TEMPLATE, timeoutMs: DEFAULT_E2B_TIMEOUT_MS });
  });
});

describe('a sandbox that cannot be created', () => {
  it('is a run error (exit 4) with the SDK reason, redacted', async () => {
    const apiKey = 'e2b_canary0f1e2d3c4b5a';
    const failing: SandboxFactory = async () => {
      throw new Error(
        `401: Invalid API key ${apiKey} (https://svc:pw-canary-77@api.example.test/sandboxes, Authorization: Bearer ${apiKey})`,
      );
    };
    const output = captureOutput();
    const { manifest, configs } = compiled();
    const result = await runManifest({
      manifest,
      configs,
      engine: createE2bEngine({ apiKey, sandbox: failing, output }),
      registry,
      runsDir: join(tempDir(), 'runs'),
      env: { ...env, OSIRIS_E2B_API_KEY: apiKey },
    });
    expect(result.exitCode).toBe(ExitCode.Run);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe(OsirisErrorCode.Run);
    expect(result.error?.message).toContain('cannot create the e2b sandbox (template base): 401: Invalid API key');
    expect(result.error?.message).not.toContain(apiKey);
    expect(result.error?.message).not.toContain('pw-canary-77');
    expect(result.error?.hint).toContain('OSIRIS_E2B_API_KEY');
    for (const file of filesUnder(result.runDir)) {
      expect(file.text).not.toContain(apiKey);
      expect(file.text).not.toContain('pw-canary-77');
    }
    expect(result.steps.map((step) => step.status)).toEqual(['skipped', 'skipped']);
  });

  it('ends interrupted (130) when Ctrl-C comes while the sandbox is being made, and the late sandbox is killed', async () => {
    const controller = new AbortController();
    let killed = false;
    const slow: SandboxFactory = () =>
      new Promise((resolve) => {
        controller.abort();
        setTimeout(
          () =>
            resolve({
              files: { write: async () => undefined, read: async () => '' },
              commands: { run: async () => ({ exitCode: 0, stdout: '', stderr: '' }) },
              kill: async () => {
                killed = true;
              },
            }),
          50,
        );
      });
    const { manifest, configs } = compiled();
    const result = await runManifest({
      manifest,
      configs,
      engine: createE2bEngine({ sandbox: slow }),
      registry,
      runsDir: join(tempDir(), 'runs'),
      env,
      signal: controller.signal,
    });
    expect(result.exitCode).toBe(ExitCode.Interrupted);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(killed).toBe(true);
  });
});

describe('what the engine refuses to send', () => {
  it('a config that holds a connection secret (exit 5), before any sandbox is made', async () => {
    const { factory, recorded } = recordingFactory();
    const { manifest, configs } = compiled();
    const leaky: Record<string, StepConfig> = {
      ...configs,
      src: {
        ...(configs.src as StepConfig),
        options: { table: 'orders', schema: 'mysql://root:hunter2hunter2@db/shop' },
      },
    };
    const error = await createE2bEngine({ sandbox: factory })
      .run(
        manifest,
        leaky,
        context({
          connections: new Map([
            ['@mysql', { url: 'mysql://root:hunter2hunter2@db/shop' }],
            ['@supabase', { url: env.OSIRIS_CONN__SUPABASE__URL }],
          ]),
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toBe(
      'cfg/src.json holds the value of a connection secret and will not be uploaded to the sandbox',
    );
    expect(recorded.creates).toHaveLength(0);
  });

  it('connection fields that would not come back under the same name', async () => {
    const { manifest, configs } = compiled();
    const error = await createE2bEngine({ sandbox: recordingFactory().factory })
      .run(
        manifest,
        configs,
        context({
          connections: new Map([
            ['@mysql', { url: env.OSIRIS_CONN__MYSQL__URL, sslMode: 'require' }],
            ['@supabase', { url: env.OSIRIS_CONN__SUPABASE__URL }],
          ]),
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toContain('field "sslMode"');
  });

  it('an embedded pglite:// database, which lives on this machine', async () => {
    const { manifest, configs } = compiled();
    const error = await createE2bEngine({ sandbox: recordingFactory().factory })
      .run(
        manifest,
        configs,
        context({
          connections: new Map([
            ['@mysql', { url: env.OSIRIS_CONN__MYSQL__URL }],
            ['@supabase', { url: 'pglite://.osiris/db' }],
          ]),
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toContain('embedded database (pglite://)');
  });

  it("a step whose connector says a sandbox cannot run it, with the connector's reason, before any sandbox", async () => {
    const { manifest, configs } = compiled();
    const { factory, recorded } = recordingFactory();
    const mysql = builtinConnectors.find((connector) => connector.type === 'mysql.table');
    const localOnly = { ...mysql, sandbox: () => 'the server only listens on this machine' } as Connector;
    const error = await createE2bEngine({ sandbox: factory, connectors: [...builtinConnectors, localOnly] })
      .run(manifest, configs, context())
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toBe(
      'step "src" (mysql.table) cannot run in the e2b sandbox with connection @mysql: the server only listens on this machine',
    );
    expect((error as { hint?: string }).hint).toContain('--engine local');
    expect(recorded.creates).toHaveLength(0);
  });

  it('a filesystem.csv step, whose files are on this machine', async () => {
    const { manifest, configs } = compilePipeline(
      [
        'version: 0.0.1',
        'name: csv_out',
        'sources:',
        '  - { id: src, type: mysql.table, connection: "@mysql", mode: read, options: { table: orders } }',
        'sinks:',
        '  - { id: dst, type: filesystem.csv, connection: "@files", mode: write, options: { path: out.csv } }',
        '',
      ].join('\n'),
    );
    const { factory, recorded } = recordingFactory();
    const error = await createE2bEngine({ sandbox: factory })
      .run(
        manifest,
        configs,
        context({
          connections: new Map([
            ['@mysql', { url: env.OSIRIS_CONN__MYSQL__URL }],
            ['@files', { base_dir: '/data' }],
          ]),
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toMatch(
      /^step "dst" \(filesystem.csv\) cannot run in the e2b sandbox .*files on this machine/,
    );
    expect(recorded.creates).toHaveLength(0);
  });

  it('a step without a config, as a local run would (exit 2), before any sandbox', async () => {
    const { manifest, configs } = compiled();
    const { factory, recorded } = recordingFactory();
    const error = await createE2bEngine({ sandbox: factory })
      .run(manifest, { src: configs.src } as typeof configs, context())
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Validation);
    expect((error as Error).message).toBe('step "dst" (supabase.table) has no config');
    expect(recorded.creates).toHaveLength(0);
  });

  it('connectors given in process, which cannot travel', async () => {
    const { manifest, configs } = compiled();
    const error = await createE2bEngine({ sandbox: recordingFactory().factory })
      .run(manifest, configs, context({ connectors: [{ type: 'mysql.table', modes: ['read'], capabilities: [] }] }))
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
  });
});

describe('the runner bundle', () => {
  it('is missing: exit 5 naming the file and how to build it', async () => {
    const { manifest, configs } = compiled();
    const error = await createE2bEngine({ sandbox: recordingFactory().factory, runnerBundle: '/nowhere/runner.mjs' })
      .run(manifest, configs as Readonly<Record<string, StepConfig>>, context())
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
    expect((error as Error).message).toContain('/nowhere/runner.mjs');
  });

  it('refuses to run for an engine of another version (exit 5), and the engine reports it', async () => {
    const { manifest, configs } = compiled();
    const output = captureOutput();
    const { factory, recorded } = recordingFactory();
    const engine = createE2bEngine({ sandbox: factory, output });
    // Reproduce what the engine uploads, then start the bundle with another version.
    const tampered: SandboxFactory = async (options) => {
      const sandbox = await factory(options);
      return {
        ...sandbox,
        commands: {
          run: (cmd, opts) => sandbox.commands.run(cmd.replace(/--expect-version \S+/, '--expect-version 9.9.9'), opts),
        },
      };
    };
    const result = await createE2bEngine({ sandbox: tampered, output }).run(
      manifest as RunManifest,
      configs,
      context(),
    );
    expect(engine.name).toBe('e2b');
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe(OsirisErrorCode.Config);
    expect(result.error?.message).toMatch(
      /^this runner bundle is version \S+, the e2b engine that uploaded it 9\.9\.9$/,
    );
    expect(output.text()).toContain('agent=runner engine=e2b osiris-runner: this runner bundle is version');
    expect(recorded.kills).toBe(1);
  });
});
