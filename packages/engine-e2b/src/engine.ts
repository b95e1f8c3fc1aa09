// SPDX-License-Identifier: MIT
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { type RunManifest, renderManifest, renderStepConfig, type StepConfig } from '@osiris/compiler';
import {
  createRedactor,
  ExitCode,
  errorCodeOfExit,
  isCredentialField,
  OsirisError,
  OsirisErrorCode,
  type Redactor,
  type Registry,
  secretParts,
} from '@osiris/registry';
import {
  type Connector,
  connectionEnvPrefix,
  connectionRefsOf,
  describeError,
  type Engine,
  type EngineContext,
  type EngineResult,
  type ResolvedConnections,
  type RunSettings,
  type StepConfigs,
} from '@osiris/runner';
import { defaultRunnerBundlePath, ENGINE_VERSION } from './bundle';
import { createLineSplitter } from './internal/lines';
import { OUT_ERROR, OUT_METRICS, OUT_STATUS, runnerFileName, runToArgs, SETTINGS_FILE } from './internal/protocol';
import {
  createStepTracker,
  parseMetrics,
  parseRemoteError,
  parseStatus,
  remoteError,
  runEventOf,
  type StepTracker,
  stepsFromMetrics,
} from './internal/remote-result';
import { commandLine } from './internal/shell';
import { e2bSandboxFactory, type Sandbox, type SandboxFactory } from './sandbox';

/** What every line streamed back from the sandbox is shown with (SPEC §8). */
export const E2B_LINE_PREFIX = 'agent=runner engine=e2b';
/** e2b's stock template, which has Node.js. */
export const DEFAULT_E2B_TEMPLATE = 'base';
/** One hour: the longest an e2b sandbox lives on the Hobby plan. */
export const DEFAULT_E2B_TIMEOUT_MS = 3_600_000;
/** Where the run's files go inside the sandbox. */
export const DEFAULT_E2B_WORKDIR = '/tmp/osiris';

/** Where the prefixed lines go: `process.stderr` in the CLI, an array in tests. */
export interface LineOutput {
  write(text: string): unknown;
}

export interface E2bEngineOptions {
  /** e2b API key. Required with the default (real e2b) sandbox; see {@link createE2bEngineFromEnv}. */
  readonly apiKey?: string;
  /** Sandbox template name or id; it must have Node.js 20 or later on `PATH`. Default `base`. */
  readonly template?: string;
  /** Lifetime of the sandbox, and so the longest a run may take. Default one hour. */
  readonly timeoutMs?: number;
  /** Makes the sandbox. Default: a real e2b sandbox ({@link e2bSandboxFactory}). */
  readonly sandbox?: SandboxFactory;
  /** Receives every line the remote runner prints, prefixed `agent=runner engine=e2b`. Default: shown nowhere. */
  readonly output?: LineOutput;
  /** Folder inside the sandbox for the run's files. Default `/tmp/osiris`. */
  readonly workdir?: string;
  /**
   * The runner bundle to upload. Default: the one built into this package,
   * with the built-in connectors. One with other connectors is built with
   * `remoteRunnerBundle` from an entry that calls `startRemoteRunner` of
   * `@osiris/engine-e2b/remote`; pass the same connectors as `connectors`.
   */
  readonly runnerBundle?: string;
  /**
   * The connectors of the runner bundle, asked before anything is uploaded
   * whether a sandbox can run each step (`Connector.sandbox`). Default: the
   * built-in ones (`builtinConnectors` of `@osiris/connectors`).
   */
  readonly connectors?: readonly Connector[];
}

/** The remote engine. */
export interface E2bEngine extends Engine {
  readonly name: 'e2b';
}

const STEP_ID = /^[A-Za-z0-9_-]+$/;

/** The error for a missing API key (exit 5), saying how to set one. */
export function missingApiKeyError(): OsirisError {
  return new OsirisError(OsirisErrorCode.Config, 'the e2b engine needs an API key and OSIRIS_E2B_API_KEY is not set', {
    hint:
      'Create an API key in the e2b dashboard and set OSIRIS_E2B_API_KEY=e2b_… in the environment, ' +
      'or set OSIRIS_E2B_SANDBOX=local to run the same bundle in a local process (offline, for development).',
  });
}

function configError(message: string, hint: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Config, message, { hint });
}

function toMap(configs: StepConfigs): ReadonlyMap<string, StepConfig> {
  return configs instanceof Map
    ? (configs as ReadonlyMap<string, StepConfig>)
    : new Map(Object.entries(configs as Readonly<Record<string, StepConfig>>));
}

interface Travelling {
  /** `OSIRIS_CONN__<NAME>__<FIELD>` for every field of every connection the configs reference. */
  readonly envs: Record<string, string>;
  /** The values among them that are secrets (and must not appear in an upload or a shown line). */
  readonly secrets: readonly string[];
}

/** The environment of the remote command: the referenced connections and nothing else. */
function travellingConnections(
  configs: ReadonlyMap<string, StepConfig>,
  connections: ResolvedConnections,
  registry: Registry | undefined,
): Travelling {
  const envs: Record<string, string> = {};
  const secrets: string[] = [];
  const owners = new Map<string, string>();
  const refs = connectionRefsOf(configs.values());
  for (const ref of [...refs.keys()].sort()) {
    const prefix = connectionEnvPrefix(ref);
    const other = owners.get(prefix);
    if (other !== undefined) {
      throw configError(
        `connections ${other} and ${ref} would both travel to the sandbox as ${prefix}<FIELD>`,
        'Rename one of the connections so that their names differ in more than case and punctuation.',
      );
    }
    owners.set(prefix, ref);
    const fields = connections.get(ref);
    if (fields === undefined) {
      throw configError(
        `connection ${ref} was not resolved`,
        'Resolve every connection reference before running (runManifest does).',
      );
    }
    const declared = new Set((refs.get(ref) ?? []).flatMap((type) => registry?.get(type)?.secrets ?? []));
    for (const [field, value] of Object.entries(fields)) {
      if (field === '' || field !== field.toLowerCase() || /[=\0]/.test(field)) {
        throw configError(
          `connection ${ref} field "${field}" cannot travel as an environment variable: the remote runner reads ${prefix}<FIELD> back in lower case`,
          'Write connection field names in lower case (url, host, user, password).',
        );
      }
      envs[`${prefix}${field.toUpperCase()}`] = value;
      if (registry === undefined || declared.has(`/connection/${field}`) || isCredentialField(field)) {
        secrets.push(value);
      }
    }
  }
  return { envs, secrets };
}

/**
 * Refuses, before anything is uploaded, a step without a config (as a local run would) and a step whose
 * connector says a sandbox cannot run it on its connection (an embedded database, files on this machine).
 */
function assertSandboxCanRun(
  manifest: RunManifest,
  configs: ReadonlyMap<string, StepConfig>,
  connections: ResolvedConnections,
  connectors: readonly Connector[],
): void {
  // As in a connector set, a later connector replaces an earlier one of its type.
  const byType = new Map(connectors.map((connector) => [connector.type, connector]));
  for (const step of manifest.steps) {
    const where = `step "${step.id}" (${step.component})`;
    const config = configs.get(step.id);
    if (config === undefined) {
      throw new OsirisError(OsirisErrorCode.Validation, `${where} has no config`, {
        hint: `Compile the pipeline again so that cfg/${step.id}.json exists.`,
      });
    }
    // A component the bundle has no connector for is reported by the remote runner, as a local run does.
    const connector = byType.get(step.component);
    const connection = connections.get(config.connection);
    const reason = connection === undefined ? undefined : connector?.sandbox?.(connection);
    if (reason !== undefined) {
      throw configError(
        `${where} cannot run in the e2b sandbox with connection ${config.connection}: ${reason}`,
        'Run this pipeline with --engine local, or change the connection to something the sandbox can reach.',
      );
    }
  }
}

interface Upload {
  /** Relative to the working folder in the sandbox. */
  readonly path: string;
  readonly text: string;
}

/**
 * The run's own files: the manifest and one config per step, exactly as `osiris compile` writes them, and
 * the run's settings, all of them, for the remote runner to read back with `parseRunSettings`.
 */
function runFiles(manifest: RunManifest, configs: ReadonlyMap<string, StepConfig>, settings: RunSettings): Upload[] {
  const files: Upload[] = [
    { path: 'manifest.yaml', text: renderManifest(manifest) },
    { path: SETTINGS_FILE, text: `${JSON.stringify(settings, null, 2)}\n` },
  ];
  for (const step of manifest.steps) {
    if (!STEP_ID.test(step.id)) {
      throw new OsirisError(OsirisErrorCode.Validation, `step id "${step.id}" cannot name a config file`, {
        hint: 'Use letters, digits, "_" and "-" in step ids, then compile again.',
      });
    }
    const config = configs.get(step.id);
    // Every step has one (assertSandboxCanRun).
    if (config !== undefined) files.push({ path: `cfg/${step.id}.json`, text: renderStepConfig(config) });
  }
  return files;
}

function assertNoSecrets(files: readonly Upload[], secrets: readonly string[]): void {
  const parts = [...new Set(secrets.flatMap(secretParts))];
  for (const file of files) {
    if (parts.some((part) => file.text.includes(part))) {
      throw configError(
        `${file.path} holds the value of a connection secret and will not be uploaded to the sandbox`,
        'Keep credentials out of the pipeline: reference connections as "@name" and put their fields in a secrets file ' +
          'or OSIRIS_CONN__<NAME>__<FIELD>. If the pipeline only happens to contain the same word as a password ' +
          '(a table named like it), change the password.',
      );
    }
  }
}

function interruptedResult(tracker: StepTracker): EngineResult {
  return {
    status: 'interrupted',
    steps: tracker.results('interrupted'),
    error: new OsirisError(OsirisErrorCode.Interrupted, 'the run was interrupted and the e2b sandbox killed', {
      hint: 'Nothing was committed by the step that was running; run again to load the data.',
    }),
  };
}

function failedResult(tracker: StepTracker, error: OsirisError): EngineResult {
  const status = error.code === OsirisErrorCode.Interrupted ? 'interrupted' : 'failed';
  return { status, steps: tracker.results(status), error };
}

/** Resolves with the value, or with `undefined` as soon as the signal aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The exit code a rejected command carries (e2b's `CommandExitError`), if any. */
function exitCodeOfError(error: unknown): number | undefined {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

async function readOptional(sandbox: Sandbox, path: string): Promise<string | undefined> {
  try {
    return await sandbox.files.read(path);
  } catch {
    return undefined;
  }
}

/**
 * An engine that runs a manifest in a sandbox (e2b by default). It uploads
 * `manifest.yaml`, `cfg/<step>.json`, the run's settings (`settings.json`)
 * and the self-contained runner bundle of this package's version — nothing
 * else — and runs the bundle with `node`.
 * The connections the manifest references travel only as environment
 * variables of that command (`OSIRIS_CONN__<NAME>__<FIELD>`); no other
 * variable of this machine does. Each line the remote runner prints is shown
 * on `output` prefixed `agent=runner engine=e2b`, and each of its log events
 * goes to the run's event sink as it arrives, so the local `run.log.jsonl`
 * fills while the run goes. At the end the remote `metrics.json` and
 * `status.json` are downloaded and become the result; the runner writes the
 * local ones from it. An abort (Ctrl-C) kills the sandbox: `interrupted`.
 *
 * Throws `OsirisError(Config)` (exit 5) when the default sandbox is used
 * without an API key.
 *
 * @example
 * const engine = createE2bEngine({ apiKey: process.env.OSIRIS_E2B_API_KEY, output: process.stderr });
 * const result = await runManifest({ manifest, configs, engine, registry, runsDir, env: process.env, signal });
 */
export function createE2bEngine(options: E2bEngineOptions = {}): E2bEngine {
  const apiKey = options.apiKey === '' ? undefined : options.apiKey;
  if (options.sandbox === undefined && apiKey === undefined) throw missingApiKeyError();
  const template = options.template ?? DEFAULT_E2B_TEMPLATE;
  const timeoutMs = options.timeoutMs ?? DEFAULT_E2B_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw configError(
      'the e2b sandbox timeout must be a positive whole number of milliseconds',
      'Set OSIRIS_E2B_TIMEOUT_MS to e.g. 3600000 (one hour).',
    );
  }
  if (template.trim() === '') {
    throw configError('the e2b template name is empty', 'Set OSIRIS_E2B_TEMPLATE to a template name, or unset it.');
  }
  const factory = options.sandbox ?? e2bSandboxFactory;
  const workdir = options.workdir ?? DEFAULT_E2B_WORKDIR;
  const bundlePath = options.runnerBundle ?? defaultRunnerBundlePath();
  let bundle: Promise<string> | undefined;
  const loadBundle = () => {
    bundle ??= readFile(bundlePath, 'utf8').catch((error: unknown) => {
      bundle = undefined;
      throw configError(
        `the e2b runner bundle is missing: cannot read ${bundlePath} (${(error as { code?: string }).code ?? 'error'})`,
        'Reinstall @osiris/engine-e2b; inside the repository run `pnpm --filter @osiris/engine-e2b build`.',
      );
    });
    return bundle;
  };

  async function run(manifest: RunManifest, stepConfigs: StepConfigs, context: EngineContext): Promise<EngineResult> {
    if (context.connectors !== undefined && context.connectors.length > 0) {
      throw configError(
        'the e2b engine cannot take connectors from this process: it runs the connectors bundled with it',
        'Run with the local engine to use your own connectors.',
      );
    }
    const configs = toMap(stepConfigs);
    const connectors = options.connectors ?? (await import('@osiris/connectors')).builtinConnectors;
    assertSandboxCanRun(manifest, configs, context.connections, connectors);
    const { envs, secrets } = travellingConnections(configs, context.connections, context.registry);
    const known = apiKey === undefined ? secrets : [...secrets, apiKey];
    const redactor: Redactor = createRedactor({ knownSecrets: known, strategy: context.settings.redactionStrategy });
    const files = runFiles(manifest, configs, context.settings);
    assertNoSecrets(files, known);
    const runner = runnerFileName(ENGINE_VERSION);
    const uploads: Upload[] = [{ path: runner, text: await loadBundle() }, ...files];
    const command = commandLine([
      'node',
      runner,
      ...runToArgs({ expectVersion: ENGINE_VERSION, runId: context.runId, correlationId: context.correlationId }),
    ]);

    const tracker = createStepTracker(manifest);
    const { signal } = context;
    if (signal.aborted) return interruptedResult(tracker);

    const creating = factory({ apiKey, template, timeoutMs });
    let sandbox: Sandbox | undefined;
    try {
      sandbox = await unlessAborted(creating, signal);
    } catch (error) {
      return failedResult(
        tracker,
        new OsirisError(
          OsirisErrorCode.Run,
          redactor.text(`cannot create the e2b sandbox (template ${template}): ${describeError(error)}`),
          {
            hint: 'Check OSIRIS_E2B_API_KEY, the template name (OSIRIS_E2B_TEMPLATE) and your e2b quota, then run again.',
          },
        ),
      );
    }
    if (sandbox === undefined) {
      // Ctrl-C while the sandbox was being made: throw it away as soon as it exists.
      creating.then((late) => late.kill()).catch(() => undefined);
      return interruptedResult(tracker);
    }

    const live = sandbox;
    let killing: Promise<unknown> | undefined;
    const kill = () => {
      killing ??= live.kill().catch(() => undefined);
      return killing;
    };
    signal.addEventListener('abort', kill, { once: true });
    const show = (line: string) => {
      if (line !== '') options.output?.write(`${E2B_LINE_PREFIX} ${redactor.text(line)}\n`);
    };
    const stderrTail: string[] = [];
    const stdout = createLineSplitter((line) => {
      show(line);
      const event = runEventOf(line);
      // Run-level events (start, end, the run's error) are the local runner's to write.
      if (event === undefined || event.step === null) return;
      tracker.onEvent(event);
      context.events(event);
    });
    const stderr = createLineSplitter((line) => {
      show(line);
      if (line.trim() === '') return;
      stderrTail.push(line);
      if (stderrTail.length > 10) stderrTail.shift();
    });
    const at = (path: string) => posix.join(workdir, path);

    try {
      for (const upload of uploads) {
        if (signal.aborted) return interruptedResult(tracker);
        await live.files.write(at(upload.path), upload.text);
      }
      if (signal.aborted) return interruptedResult(tracker);

      let exitCode: number | undefined;
      let failure: unknown;
      try {
        const result = await live.commands.run(command, {
          envs,
          cwd: workdir,
          timeoutMs,
          onStdout: (data) => stdout.push(data),
          onStderr: (data) => stderr.push(data),
        });
        exitCode = result.exitCode;
      } catch (error) {
        exitCode = exitCodeOfError(error);
        if (exitCode === undefined) failure = error;
      }
      stdout.end();
      stderr.end();
      if (signal.aborted) return interruptedResult(tracker);
      if (exitCode === undefined) {
        return failedResult(
          tracker,
          new OsirisError(
            OsirisErrorCode.Run,
            redactor.text(`the remote runner did not finish: ${describeError(failure)}`),
            {
              hint: 'If the sandbox ran out of time, raise OSIRIS_E2B_TIMEOUT_MS; nothing was committed by the step that was running.',
            },
          ),
        );
      }

      const [metricsText, statusText, errorText] = await Promise.all(
        [OUT_METRICS, OUT_STATUS, OUT_ERROR].map((path) => readOptional(live, at(path))),
      );
      const metrics = parseMetrics(metricsText);
      const outcome = parseStatus(statusText);
      const reported = parseRemoteError(errorText);
      if (metrics !== undefined && outcome !== undefined) {
        // status.json says how the run ended, metrics.json what each step did.
        const steps = stepsFromMetrics(manifest, metrics);
        if (outcome.status === 'succeeded') return { status: 'succeeded', steps };
        const code = reported?.code ?? metrics.error?.code ?? errorCodeOfExit(outcome.exit_code ?? exitCode);
        const message =
          reported?.message ?? outcome.error ?? metrics.error?.message ?? `the remote run ${outcome.status}`;
        return {
          status: outcome.status,
          steps,
          error: remoteError(code, redactor.text(message), reported?.hint),
        };
      }
      if (exitCode === ExitCode.Success && reported === undefined) {
        return failedResult(
          tracker,
          new OsirisError(OsirisErrorCode.Run, 'the remote runner ended without leaving metrics.json and status.json', {
            hint: 'Check that the sandbox template runs Node.js 20 or later; the lines above show what the runner printed.',
          }),
        );
      }
      const detail = stderrTail.length > 0 ? `: ${stderrTail.join(' | ')}` : '';
      return failedResult(
        tracker,
        remoteError(
          reported?.code ?? errorCodeOfExit(exitCode ?? ExitCode.Run),
          redactor.text(reported?.message ?? `the remote runner exited with code ${exitCode}${detail}`),
          reported?.hint ??
            'The lines above (agent=runner engine=e2b) show what the runner printed; the sandbox template must have Node.js 20 or later.',
        ),
      );
    } catch (error) {
      if (signal.aborted) return interruptedResult(tracker);
      return failedResult(
        tracker,
        new OsirisError(OsirisErrorCode.Run, redactor.text(`the e2b sandbox failed: ${describeError(error)}`), {
          hint: 'Check your connection to e2b and run again; nothing was committed by the step that was running.',
        }),
      );
    } finally {
      signal.removeEventListener('abort', kill);
      await kill();
    }
  }

  return { name: 'e2b', run };
}
