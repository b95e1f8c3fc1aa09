// SPDX-License-Identifier: MIT
// The tools of `osiris mcp`, one table: each entry is its name, what an agent reads about it, its input and
// output JSON Schemas and what it does. The server lists and calls them from here, and
// scripts/mcp-docs.mjs writes docs/reference/mcp.md from here. A new tool (dlq_list, dlq_replay) is one more
// entry in `mcpTools`. Tools throw Osiris errors; the server turns them into tool errors (why/fix/example).
import { resolve } from 'node:path';
import { compile, omlSchema, type ParamValue, renderCompiled, writeCompiled } from '@osiris/compiler';
import { compactSpec } from '@osiris/context';
import { ExitCode, exitCodeOf, hasErrors, isOsirisError, OsirisError, OsirisErrorCode } from '@osiris/registry';
import { listRuns, osirisPaths, readRun } from '@osiris/runner';
import { discoverConnection } from '../commands/discover';
import { executePlan } from '../commands/run';
import type { Composition } from '../composition';
import { diagnosticsJson, runDetailsJson, runJson, runSummaryJson, tablesJson } from '../json';
import { loadPlan, planFromText } from '../load-plan';
import type { CliIo, Output } from '../output';
import { validationMode } from '../settings';
import { listConnections } from './connections';

/** A JSON Schema of an object (MCP requires objects for tool input and output). */
export interface ObjectSchema {
  readonly type: 'object';
  readonly properties?: Readonly<Record<string, object>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly [key: string]: unknown;
}

/** What a tool gets besides its input: the process's composition and settings, and a progress channel. */
export interface ToolContext {
  readonly deps: Composition;
  /** Output whose stdout is stderr: nothing but the protocol may reach stdout under stdio. */
  readonly output: Output;
  readonly io: CliIo;
  readonly secretsFile: string | undefined;
  readonly runsDir: string | undefined;
  /** Reports progress to the client when it asked for it (`_meta.progressToken`); a no-op otherwise. */
  progress(progress: number, total: number | undefined, message: string): void;
}

export interface McpTool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: ObjectSchema;
  readonly outputSchema: ObjectSchema;
  /** MCP tool annotations: hints for clients that ask the user before a tool changes something. */
  readonly annotations: {
    readonly readOnlyHint: boolean;
    readonly destructiveHint?: boolean;
    readonly openWorldHint?: boolean;
  };
  /** Input has been checked against `inputSchema`. Returns the structured result (matching `outputSchema`). */
  call(input: Record<string, unknown>, context: ToolContext): Promise<Record<string, unknown>>;
}

const str = (description: string) => ({ type: 'string', description });
const connectionRef = {
  type: 'string',
  pattern: '^@[A-Za-z0-9_-]+$',
  description: 'a connection reference, e.g. "@mysql"',
};
const oml = { type: 'string', minLength: 1, description: 'the pipeline file (OML) as YAML text' };
const params = {
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
  description: 'values for the params the pipeline declares (like --param k=v)',
};
const mode = {
  type: 'string',
  enum: ['warn', 'strict', 'off'],
  description: 'validation mode (default: OSIRIS_VALIDATION, else warn)',
};
const diagnostics = {
  type: 'array',
  description: 'problems found, each located (line, col) and explained (why, fix, example)',
  items: {
    type: 'object',
    properties: {
      severity: { type: 'string', enum: ['error', 'warning'] },
      line: { type: 'integer' },
      col: { type: 'integer' },
      path: { type: 'string' },
      rule: { type: 'string' },
      message: { type: 'string' },
      why: { type: 'string' },
      fix: { type: 'string' },
      example: { type: 'string' },
    },
    required: ['severity', 'message', 'why', 'fix'],
  },
};
const anyObject = { type: 'object', additionalProperties: true };
const runSummary = {
  type: 'object',
  properties: {
    run_id: { type: 'string' },
    run_dir: { type: 'string' },
    status: { type: 'string' },
    exit_code: { type: ['integer', 'null'] },
    pipeline: { type: 'string' },
    engine: { type: 'string' },
    started_at: { type: 'string' },
    duration_ms: { type: 'number' },
    rows_read: { type: 'integer' },
    rows_written: { type: 'integer' },
    error: { type: 'string' },
  },
  required: ['run_id', 'run_dir', 'status', 'exit_code'],
};
const object = (properties: Record<string, object>, required: string[] = []): ObjectSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
/** Outputs may grow fields; agents must not be broken by one. */
const output = (properties: Record<string, object>, required: string[]): ObjectSchema => ({
  type: 'object',
  properties,
  required,
});

/** Where a pipeline given as text is said to be in diagnostics. */
const OML_FILE = 'pipeline.yaml';

function asParams(value: unknown): Record<string, ParamValue> {
  return (value ?? {}) as Record<string, ParamValue>;
}

function compileText(input: Record<string, unknown>, context: ToolContext, engine?: string) {
  return compile(input.oml as string, {
    registry: context.deps.registry(),
    file: OML_FILE,
    mode: validationMode(input.mode as string | undefined, context.io.env),
    params: asParams(input.params),
    engines: context.deps.engineNames,
    ...(engine === undefined ? {} : { engine }),
  });
}

function resourceUris(runId: string) {
  return {
    manifest: `osiris://runs/${runId}/manifest`,
    metrics: `osiris://runs/${runId}/metrics`,
    log: `osiris://runs/${runId}/log`,
  };
}

function runsDirOf(context: ToolContext): string {
  return osirisPaths({
    env: context.io.env,
    cwd: context.io.cwd,
    ...(context.runsDir === undefined ? {} : { runsDir: context.runsDir }),
  }).runsDir;
}

function unknownComponent(context: ToolContext, type: string): OsirisError {
  const registry = context.deps.registry();
  const suggestion = registry.suggest(type);
  return new OsirisError(
    OsirisErrorCode.Validation,
    `unknown component type "${type}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    {
      hint: `Known components: ${registry
        .list()
        .map((spec) => spec.name)
        .join(', ')}`,
    },
  );
}

export const mcpTools: readonly McpTool[] = [
  {
    name: 'components_list',
    title: 'List components',
    description: 'The components a pipeline step can use (its `type`): name, version, title, modes and capabilities.',
    inputSchema: object({}),
    outputSchema: output({ components: { type: 'array', items: anyObject } }, ['components']),
    annotations: { readOnlyHint: true },
    call: async (_input, context) => ({
      components: context.deps
        .registry()
        .list()
        .map(({ name, version, title, modes, capabilities }) => ({ name, version, title, modes, capabilities })),
    }),
  },
  {
    name: 'components_spec',
    title: 'Show a component card',
    description:
      "One component's spec card: its config JSON Schema, modes, constraints, examples and secret fields. " +
      'compact: true returns only what a model needs to write a step (required fields, enums, defaults, rules).',
    inputSchema: object(
      {
        type: str('component type, e.g. supabase.table'),
        compact: { type: 'boolean', description: 'only what a model needs to write a step' },
      },
      ['type'],
    ),
    outputSchema: output({ type: { type: 'string' }, compact: { type: 'boolean' }, spec: anyObject }, [
      'type',
      'compact',
      'spec',
    ]),
    annotations: { readOnlyHint: true },
    call: async (input, context) => {
      const type = input.type as string;
      const spec = context.deps.registry().get(type);
      if (!spec) throw unknownComponent(context, type);
      const compact = input.compact === true;
      return { type, compact, spec: compact ? compactSpec(spec) : spec };
    },
  },
  {
    name: 'connections_list',
    title: 'List connections',
    description:
      'The connections this server can use (from its secrets file and OSIRIS_CONN__<NAME>__<FIELD> variables): ' +
      'reference, where it comes from, component family and the names of the fields that are set. Never a value.',
    inputSchema: object({}),
    outputSchema: output(
      {
        connections: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              connection: { type: 'string' },
              origin: { type: 'string', enum: ['file', 'env'] },
              component: { type: ['string', 'null'] },
              family: { type: ['string', 'null'] },
              fields_set: { type: 'array', items: { type: 'string' } },
              problem: { type: 'string' },
            },
            required: ['connection', 'origin', 'component', 'family', 'fields_set'],
          },
        },
      },
      ['connections'],
    ),
    annotations: { readOnlyHint: true },
    call: async (_input, context) => ({
      connections: (await listConnections(context.io, context.secretsFile, context.deps)).map((entry) => ({
        connection: entry.ref,
        origin: entry.origin,
        component: entry.component,
        family: entry.family,
        fields_set: entry.fieldsSet,
        ...(entry.problem === undefined ? {} : { problem: entry.problem }),
      })),
    }),
  },
  {
    name: 'connections_test',
    title: 'Test a connection',
    description:
      'Connects with one connection and says what works: whether its fields resolve and validate, whether the ' +
      'database answers and how many tables it shows, and which modes its component offers. Errors are redacted.',
    inputSchema: object(
      { connection: connectionRef, component: str('component to test with (default: from the URL scheme)') },
      ['connection'],
    ),
    outputSchema: output(
      {
        connection: { type: 'string' },
        ok: { type: 'boolean' },
        component: { type: ['string', 'null'] },
        modes: { type: 'array', items: { type: 'string' } },
        tables: { type: 'integer' },
        error: anyObject,
      },
      ['connection', 'ok', 'component'],
    ),
    annotations: { readOnlyHint: true, openWorldHint: true },
    call: async (input, context) => {
      const ref = input.connection as string;
      try {
        const result = await discoverConnection(
          context.io,
          ref,
          {
            ttlMs: 0,
            refresh: true,
            ...(typeof input.component === 'string' ? { component: input.component } : {}),
            ...(context.secretsFile === undefined ? {} : { secretsFile: context.secretsFile }),
          },
          context.deps,
        );
        const spec = context.deps.registry().get(result.component);
        return {
          connection: ref,
          ok: true,
          component: result.component,
          modes: spec?.modes ?? [],
          tables: result.tables.length,
        };
      } catch (error) {
        return { connection: ref, ok: false, component: null, error: errorJson(error) };
      }
    },
  },
  {
    name: 'discover',
    title: 'Discover tables',
    description:
      'Schemas, tables, columns (type, nullability, primary key) and approximate row counts behind a connection, ' +
      'through the same cache as `osiris discover` (fresh for an hour unless refresh: true).',
    inputSchema: object(
      {
        connection: connectionRef,
        schema: str('only this schema (database)'),
        table: str('only this table'),
        component: str('component to discover with (default: from the URL scheme)'),
        refresh: { type: 'boolean', description: 'ask the database even when the cache is fresh' },
      },
      ['connection'],
    ),
    outputSchema: output(
      {
        connection: { type: 'string' },
        component: { type: 'string' },
        cached: { type: 'boolean' },
        fetched_at: { type: 'string' },
        tables: { type: 'array', items: anyObject },
      },
      ['connection', 'component', 'cached', 'tables'],
    ),
    annotations: { readOnlyHint: true, openWorldHint: true },
    call: async (input, context) => {
      const ref = input.connection as string;
      const result = await discoverConnection(
        context.io,
        ref,
        {
          ttlMs: 3_600_000,
          ...(typeof input.schema === 'string' ? { schema: input.schema } : {}),
          ...(typeof input.table === 'string' ? { table: input.table } : {}),
          ...(typeof input.component === 'string' ? { component: input.component } : {}),
          ...(input.refresh === true ? { refresh: true } : {}),
          ...(context.secretsFile === undefined ? {} : { secretsFile: context.secretsFile }),
        },
        context.deps,
      );
      return {
        connection: ref,
        component: result.component,
        cached: result.cached,
        fetched_at: result.fetchedAt,
        tables: tablesJson(result.tables),
      };
    },
  },
  {
    name: 'oml_schema',
    title: 'OML JSON Schema',
    description: 'The JSON Schema of pipeline files (OML) with every component inlined, as editors use it.',
    inputSchema: object({}),
    outputSchema: output({ schema: anyObject }, ['schema']),
    annotations: { readOnlyHint: true },
    call: async (_input, context) => ({ schema: omlSchema(context.deps.registry()) }),
  },
  {
    name: 'validate',
    title: 'Validate a pipeline',
    description:
      'Checks OML text against its components. Returns ok and the diagnostics, each with line:col, why, fix and ' +
      'an example. Fix every error and validate again before compile or run.',
    inputSchema: object({ oml, params, mode }, ['oml']),
    outputSchema: output({ ok: { type: 'boolean' }, steps: { type: 'integer' }, diagnostics }, ['ok', 'diagnostics']),
    annotations: { readOnlyHint: true },
    call: async (input, context) => {
      const result = compileText(input, context);
      return {
        ok: !hasErrors(result.diagnostics),
        steps: result.manifest?.steps.length ?? 0,
        diagnostics: diagnosticsJson(result.diagnostics),
      };
    },
  },
  {
    name: 'compile',
    title: 'Compile a pipeline',
    description:
      'Compiles OML text (with params) into the canonical Run Manifest and one JSON config per step, returned as ' +
      'text. Nothing is written unless `out` names a folder (relative to the server’s working directory).',
    inputSchema: object(
      {
        oml,
        params,
        mode,
        engine: str('engine recorded in the manifest (default: OSIRIS_ENGINE, else local)'),
        out: str('write manifest.yaml and cfg/<step>.json into this folder'),
      },
      ['oml'],
    ),
    outputSchema: output(
      {
        ok: { type: 'boolean' },
        manifest: { type: 'string', description: 'manifest.yaml' },
        configs: { type: 'object', additionalProperties: { type: 'string' }, description: 'cfg/<step>.json by path' },
        fingerprints: anyObject,
        files: { type: 'array', items: { type: 'string' } },
        diagnostics,
      },
      ['ok', 'manifest', 'configs', 'diagnostics'],
    ),
    annotations: { readOnlyHint: false, destructiveHint: false },
    call: async (input, context) => {
      const engine = typeof input.engine === 'string' ? input.engine : undefined;
      if (engine !== undefined && !context.deps.engineNames.includes(engine)) {
        throw new OsirisError(OsirisErrorCode.Validation, `unknown engine "${engine}"`, {
          hint: `Use one of: ${context.deps.engineNames.join(', ')}`,
        });
      }
      const result = compileText(input, context, engine);
      if (!result.manifest) {
        throw new OsirisError(OsirisErrorCode.Validation, `${OML_FILE} did not compile`, {
          diagnostics: result.diagnostics,
          hint: 'Fix the errors the diagnostics name (validate shows them too) and compile again.',
        });
      }
      const files = renderCompiled(result);
      const written =
        typeof input.out === 'string' ? writeCompiled(resolve(context.io.cwd, input.out), result) : undefined;
      return {
        ok: true,
        manifest: files.get('manifest.yaml') ?? '',
        configs: Object.fromEntries([...files].filter(([path]) => path !== 'manifest.yaml')),
        fingerprints: result.manifest.fingerprints,
        ...(written === undefined ? {} : { files: written }),
        diagnostics: diagnosticsJson(result.diagnostics),
      };
    },
  },
  {
    name: 'run',
    title: 'Run a pipeline',
    description:
      'Runs a pipeline (a file path, or OML text) on an engine: it reads and WRITES real data. Refused unless ' +
      'confirm: true, which an agent should pass only after the user agreed. Returns the run id, status, counts ' +
      'and the run folder; the run’s manifest, metrics and log are resources osiris://runs/<run_id>/…. Reports ' +
      'progress when the client sends a progressToken.',
    inputSchema: object(
      {
        pipeline: str('path of a pipeline file or a compiled manifest.yaml (relative to the server’s folder)'),
        oml: { ...oml, description: 'the pipeline as YAML text (instead of pipeline)' },
        params,
        mode,
        engine: str("where to run (default: the manifest's, else local)"),
        confirm: { type: 'boolean', description: 'must be true: the run changes the target' },
      },
      ['confirm'],
    ),
    outputSchema: output(
      {
        ok: { type: 'boolean' },
        run_id: { type: 'string' },
        run_dir: { type: 'string' },
        pipeline: { type: 'string' },
        engine: { type: 'string' },
        status: { type: 'string' },
        exit_code: { type: 'integer' },
        rows_read: { type: 'integer' },
        rows_written: { type: 'integer' },
        duration_ms: { type: 'number' },
        steps: { type: 'array', items: anyObject },
        warnings: { type: 'array', items: anyObject },
        error: anyObject,
        resources: anyObject,
      },
      ['ok', 'run_id', 'run_dir', 'status', 'exit_code', 'rows_read', 'rows_written'],
    ),
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    call: async (input, context) => {
      if (input.confirm !== true) {
        throw new OsirisError(OsirisErrorCode.Validation, 'run changes data and needs confirm: true', {
          hint: 'Show the user the pipeline (validate and compile it first), and call run again with confirm: true once they agree.',
        });
      }
      const hasFile = typeof input.pipeline === 'string';
      if (hasFile === (typeof input.oml === 'string')) {
        throw new OsirisError(
          OsirisErrorCode.Validation,
          'run needs either pipeline (a file path) or oml (text), not both',
          {
            hint: 'Pass pipeline: "pipelines/orders.yaml", or oml: "version: 0.0.1\\n…".',
          },
        );
      }
      const options = {
        param: [],
        params: asParams(input.params),
        engines: context.deps.engineNames,
        ...(typeof input.mode === 'string' ? { mode: input.mode } : {}),
        ...(typeof input.engine === 'string' ? { engine: input.engine } : {}),
      };
      const registry = context.deps.registry();
      // A file gets --param-style params only if it is OML; loadPlan says so for a manifest.
      const plan = hasFile
        ? loadPlan(context.output, registry, input.pipeline as string, options)
        : planFromText(context.output, registry, input.oml as string, OML_FILE, options);
      const steps = plan.manifest.steps.length;
      let ended = 0;
      let lastReport = 0;
      const result = await executePlan(
        context.output,
        plan,
        {
          ...(context.secretsFile === undefined ? {} : { secretsFile: context.secretsFile }),
          ...(context.runsDir === undefined ? {} : { runsDir: context.runsDir }),
        },
        context.deps,
        {
          // MCP progress: steps ended of steps, with the rows moved so far; at most one a second while rows move.
          onEvent: (event) => {
            if (event.type === 'end' && event.step !== null) ended += 1;
            const now = Date.now();
            if (event.type === 'progress' && now - lastReport < 1000) return;
            if (!['start', 'progress', 'end', 'phase'].includes(event.type)) return;
            lastReport = now;
            const rows = event.payload.rowsRead ?? event.payload.rowsWritten;
            const what = event.payload.phase ?? event.type;
            context.progress(
              ended,
              steps,
              `${event.step ?? 'run'} ${what}${rows === undefined ? '' : `: ${rows} rows`}`,
            );
          },
        },
      );
      return {
        ...runJson(result, plan.manifest.pipeline, plan.manifest.execution.engine),
        resources: resourceUris(result.runId),
      };
    },
  },
  {
    name: 'runs_list',
    title: 'List runs',
    description: 'Past runs, newest first: id, status, exit code, pipeline, rows and duration.',
    inputSchema: object({ limit: { type: 'integer', minimum: 1, description: 'at most this many (default 20)' } }),
    outputSchema: output({ runs: { type: 'array', items: runSummary } }, ['runs']),
    annotations: { readOnlyHint: true },
    call: async (input, context) => {
      const limit = typeof input.limit === 'number' ? input.limit : 20;
      return { runs: (await listRuns(runsDirOf(context))).slice(0, limit).map(runSummaryJson) };
    },
  },
  {
    name: 'runs_view',
    title: 'Show a run',
    description:
      'One run: status, exit code, steps with rows and durations (metrics.json), the paths of its files, and the ' +
      'URIs of its manifest, metrics and log resources. run_id "latest" is the newest run.',
    inputSchema: object({ run_id: str('a run id from runs_list, or "latest"') }, ['run_id']),
    outputSchema: output(
      { ...runSummary.properties, artifacts: anyObject, metrics: anyObject, resources: anyObject },
      runSummary.required,
    ),
    annotations: { readOnlyHint: true },
    call: async (input, context) => {
      const runsDir = runsDirOf(context);
      const runId = input.run_id as string;
      const id = runId === 'latest' ? ((await listRuns(runsDir))[0]?.runId ?? runId) : runId;
      const run = await readRun(runsDir, id);
      return { ...runDetailsJson(run), resources: resourceUris(run.runId) };
    },
  },
];

/** An error as tools return it: the CLI's fields (message, why, fix, example, diagnostics) and exit code. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (!isOsirisError(error)) {
    return {
      code: 'INTERNAL',
      exit_code: ExitCode.Internal,
      message: 'internal error',
      why: 'An error nobody raised on purpose: a bug in Osiris (the server logs it on stderr, redacted).',
      fix: 'Please report it with the tool call that caused it.',
      diagnostics: [],
    };
  }
  const first = error.diagnostics.find((d) => d.severity === 'error') ?? error.diagnostics[0];
  return {
    code: error.code,
    exit_code: exitCodeOf(error),
    message: error.message,
    why: first?.why ?? error.message,
    fix: error.hint ?? first?.fix ?? '',
    ...(first?.example === undefined ? {} : { example: first.example }),
    diagnostics: diagnosticsJson(error.diagnostics),
  };
}
