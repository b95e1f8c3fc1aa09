// SPDX-License-Identifier: MIT
// The remote runner: what the self-contained runner bundle (`dist/remote/osiris-runner.mjs`, built from
// `builtin.ts`) runs with `node` inside the sandbox. It runs the manifest next to it with `runManifest` and the
// runner's in-process engine — the same runner, engine and redactor as a local run, with the connectors its bundle
// was built with — with the settings of `settings.json`, and prints each line of its run log on stdout as it is
// written. Connections come from OSIRIS_CONN__<NAME>__<FIELD> variables only.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCompiled } from '@osiris/compiler';
import { connectorSet } from '@osiris/connectors';
import {
  createRedactor,
  createRegistry,
  ExitCode,
  exitCodeOf,
  isOsirisError,
  loadRegistry,
  loadSpecSchema,
  OsirisError,
  OsirisErrorCode,
  readSpecSources,
  type SpecSource,
} from '@osiris/registry';
import {
  type Connector,
  createInProcessEngine,
  describeError,
  parseRunSettings,
  type RunSettings,
  runManifest,
} from '@osiris/runner';
import { version } from '../../package.json';
import {
  OUT_DIR,
  OUT_ERROR,
  OUT_METRICS,
  OUT_STATUS,
  REMOTE_RUNS_DIR,
  type RemoteError,
  runFromArgs,
  SETTINGS_FILE,
} from '../internal/protocol';
import { createLogTail } from './tail';

/** What a runner bundle runs with: see {@link startRemoteRunner}. */
export interface RemoteRunnerOptions {
  /**
   * The connectors of this bundle, e.g. `[...builtinConnectors, myConnector]`
   * (`@osiris/connectors`): the e2b engine that uploads the bundle must be
   * given the same list (`connectors`), since it asks them before the upload.
   */
  readonly connectors: readonly Connector[];
  /**
   * Spec cards besides the built-in ones, for the components of connectors
   * the built-in cards do not describe: each card's text and a file name
   * for messages (`my.table/spec.yaml`). They are inlined into the bundle by
   * its build, as the built-in ones are.
   */
  readonly components?: readonly SpecSource[];
}

function usage(message: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Config, message, {
    hint: 'The runner bundle is started by the e2b engine; use the engine and runner of the same version.',
  });
}

/** Only the connection variables: nothing else of the sandbox's environment steers the run. */
function connectionEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith('OSIRIS_CONN__') && entry[1] !== undefined,
    ),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The run's settings as the host engine resolved them. */
async function readSettings(dir: string): Promise<RunSettings> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8'));
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Run, `${SETTINGS_FILE} in the sandbox cannot be read`, {
      cause: error,
      hint: 'The upload was damaged; run again.',
    });
  }
  return parseRunSettings(value);
}

/** The log line with the host's run id, so that what the user sees matches the local run folder. */
function relabel(line: string, runId: string): string {
  try {
    const parsed: unknown = JSON.parse(line);
    if (isRecord(parsed) && typeof parsed.run_id === 'string') return JSON.stringify({ ...parsed, run_id: runId });
  } catch {
    // Not JSON: passed on as it is.
  }
  return line;
}

async function writeOut(dir: string, name: string, text: string): Promise<void> {
  await mkdir(join(dir, OUT_DIR), { recursive: true });
  await writeFile(join(dir, name), text);
}

/** The run's files as the host uploaded them; any problem with them is a damaged upload. */
function readUpload(dir: string) {
  try {
    return readCompiled(dir, { label: '' });
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Run, `the run's files in the sandbox are damaged: ${describeError(error)}`, {
      cause: error,
      hint: 'The upload was damaged; run again.',
    });
  }
}

async function main(argv: readonly string[], signal: AbortSignal, options: RemoteRunnerOptions): Promise<number> {
  const run = runFromArgs(argv, usage);
  if (run.expectVersion !== version) {
    throw new OsirisError(
      OsirisErrorCode.Config,
      `this runner bundle is version ${version}, the e2b engine that uploaded it ${run.expectVersion}`,
      { hint: 'Reinstall @osiris/engine-e2b so that the engine and its bundle come from the same build.' },
    );
  }
  const dir = process.cwd();
  const settings = await readSettings(dir);
  const { manifest, configs, manifestText } = readUpload(dir);
  // The cards this bundle was built with (inlined by its build), not any the sandbox may hold.
  const registry =
    options.components === undefined
      ? loadRegistry()
      : createRegistry([...readSpecSources(), ...options.components], loadSpecSchema());
  const runsDir = join(dir, REMOTE_RUNS_DIR);
  const tail = createLogTail((line) => process.stdout.write(`${relabel(line, run.runId)}\n`));
  let result: Awaited<ReturnType<typeof runManifest>>;
  try {
    result = await runManifest({
      manifest,
      configs,
      engine: createInProcessEngine(connectorSet(options.connectors).list, { name: 'e2b' }),
      registry,
      runsDir,
      env: connectionEnv(),
      signal,
      manifestText,
      correlationId: run.correlationId,
      settings,
      // Each event is in the run log once it gets here: stream it to the host at once.
      onEvent: (event) => {
        tail.open(join(runsDir, event.runId, 'run.log.jsonl'));
        tail.flush();
      },
    });
  } finally {
    tail.close();
  }
  await mkdir(join(dir, OUT_DIR), { recursive: true });
  await copyFile(join(result.runDir, 'metrics.json'), join(dir, OUT_METRICS));
  await copyFile(join(result.runDir, 'status.json'), join(dir, OUT_STATUS));
  if (result.error !== undefined) {
    const report: RemoteError = {
      code: result.error.code,
      message: result.error.message,
      ...(result.error.hint === undefined ? {} : { hint: result.error.hint }),
    };
    await writeOut(dir, OUT_ERROR, `${JSON.stringify(report, null, 2)}\n`);
  }
  return result.exitCode;
}

/** Reports an error that stopped the runner before or outside a run, redacted, and returns its exit code. */
async function fail(error: unknown): Promise<number> {
  const redactor = createRedactor({ knownSecrets: Object.values(connectionEnv()) });
  const report: RemoteError = isOsirisError(error)
    ? {
        code: error.code,
        message: redactor.text(error.message),
        ...(error.hint === undefined ? {} : { hint: redactor.text(error.hint) }),
      }
    : { code: OsirisErrorCode.Run, message: redactor.text(`the remote runner failed: ${describeError(error)}`) };
  process.stderr.write(`osiris-runner: ${report.message}\n`);
  try {
    await writeOut(process.cwd(), OUT_ERROR, `${JSON.stringify(report, null, 2)}\n`);
  } catch {
    // The message on stderr is what is left.
  }
  return exitCodeOf(error, ExitCode.Run);
}

/**
 * Runs the manifest uploaded next to this process (the entry of a runner
 * bundle): reads the run's files, runs them with these connectors, prints the
 * log lines, leaves `out/metrics.json`, `out/status.json` and `out/error.json`
 * for the host, and sets `process.exitCode`. SIGINT and SIGTERM interrupt the
 * run (a second one ends the process). Only for the entry of a bundle built
 * with `remoteRunnerBundle` (ADR 0018); the bundle's version must be the
 * engine's that uploads it.
 *
 * @example
 * // my-runner.ts, bundled into osiris-runner.mjs and given to createE2bEngine({ runnerBundle, connectors })
 * startRemoteRunner({ connectors: [...builtinConnectors, myConnector], components: [myCard] });
 */
export function startRemoteRunner(options: RemoteRunnerOptions): void {
  const controller = new AbortController();
  let signals = 0;
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    process.on(name, () => {
      signals += 1;
      // A second signal does not wait for the writers to roll back.
      if (signals > 1) process.exit(ExitCode.Interrupted);
      controller.abort();
    });
  }

  main(process.argv.slice(2), controller.signal, options).then(
    (code) => {
      process.exitCode = code;
    },
    async (error: unknown) => {
      process.exitCode = await fail(error);
    },
  );
}
