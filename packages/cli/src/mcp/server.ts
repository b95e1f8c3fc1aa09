// SPDX-License-Identifier: MIT
// One MCP server (the official SDK's low-level `Server`) over the tool table, the resources and the prompt.
// Every answer leaves through `safe`: the one redactor of @osiris/registry, with every secret this process
// can resolve (secrets file, environment) as known secrets.
import { readFile } from 'node:fs/promises';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { omlSchema } from '@osiris/compiler';
import { buildContext, renderContext } from '@osiris/context';
import {
  canonicalJson,
  createRedactor,
  createSchemaValidator,
  type Diagnostic,
  isOsirisError,
  OsirisError,
  OsirisErrorCode,
  type Redactor,
  resolveSetting,
  type SchemaCheck,
} from '@osiris/registry';
import { listRuns, osirisPaths, RUN_ID_PATTERN, readRun, redactionSetting } from '@osiris/runner';
import type { Composition } from '../composition';
import { type CliIo, Output } from '../output';
import { version } from '../version';
import { knownSecrets } from './connections';
import { errorJson, type McpTool, mcpTools, type ToolContext } from './tools';

export interface McpServerOptions {
  readonly deps: Composition;
  readonly io: CliIo;
  /** `--secrets-file`, relative to `io.cwd`. */
  readonly secretsFile?: string;
  /** `--runs-dir`, relative to `io.cwd`. */
  readonly runsDir?: string;
  /** The tools to serve. Default: {@link mcpTools}. */
  readonly tools?: readonly McpTool[];
}

/** The same diagnostic OML validation gives an inline connection URL (compiler rule `inlineConnection`). */
const INLINE_CREDENTIAL = {
  rule: 'inlineConnection',
  message: 'connection holds credentials inline instead of an @reference',
  why: 'Pipelines are shared and compiled into manifests; credentials belong in a secrets file or the environment.',
  fix: 'Write connection: "@name" and put the fields in --secrets-file (connections: { name: { url: … } }) or OSIRIS_CONN__NAME__URL.',
  example: 'connection: "@supabase"',
} as const;
// A URL with user info that has a password part: scheme://user:password@host.
const CREDENTIAL_URL = /[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:[^\s@]*@/i;

/** Where, in a tool's input, a URL carries a password: one diagnostic per string that does, located in OML text. */
function inlineCredentials(value: unknown, path: string): Diagnostic[] {
  if (typeof value === 'string') {
    const match = CREDENTIAL_URL.exec(value);
    if (!match) return [];
    const before = value.slice(0, match.index).split('\n');
    const located =
      before.length > 1 || path === 'oml' ? { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 } : {};
    return [{ severity: 'error', path, pointer: `/${path.replaceAll('.', '/')}`, ...INLINE_CREDENTIAL, ...located }];
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, member]) => inlineCredentials(member, path ? `${path}.${key}` : key));
  }
  return [];
}

/**
 * A tool error: `isError` with the CLI's error fields as JSON text, `{ "error": { code, exit_code, message, why,
 * fix, example?, diagnostics } }`. Not as structured content: clients check that against the tool's output
 * schema, which describes success.
 */
function toolError(error: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: canonicalJson({ error: errorJson(error) }, 2) }] };
}

const text = (uri: string, mimeType: string, body: string) => ({ contents: [{ uri, mimeType, text: body }] });
const RUN_FILES = { manifest: 'application/yaml', metrics: 'application/json', log: 'application/x-ndjson' } as const;
/** A run log is read whole, up to this many bytes (its end, where failures are); the rest is left out with a note. */
const LOG_LIMIT = 1_000_000;

/** The prompt that drafts a pipeline: the user's request and the compact context, with the tools to check it. */
function draftPrompt(request: string, context: string): string {
  return [
    'Draft an Osiris pipeline (OML YAML) for this request:',
    request,
    '',
    'Work with the Osiris tools: connections_list for the @references you may use, discover for real tables and',
    'columns, components_spec for a component you are unsure of, then validate and fix every diagnostic until ok.',
    'Connections are @references only, never URLs or passwords. Do not call run before the user confirms.',
    '',
    'Components (compact context, JSON):',
    context,
  ].join('\n');
}

/** A new MCP server over the tool table; connect it to a transport (stdio, streamable HTTP). */
export function createMcpServer(options: McpServerOptions): Server {
  const { deps, io } = options;
  const tools = options.tools ?? mcpTools;
  // Nothing but the protocol may reach stdout under stdio: the tools' Output writes its "stdout" to stderr.
  const output = new Output({ ...io, stdout: io.stderr });
  const checks = new Map<string, SchemaCheck>();
  const runsDir = () =>
    osirisPaths({ env: io.env, cwd: io.cwd, ...(options.runsDir === undefined ? {} : { runsDir: options.runsDir }) })
      .runsDir;

  async function redactor(): Promise<Redactor> {
    const secrets = await knownSecrets(io, options.secretsFile);
    const strategy = resolveSetting(redactionSetting, { flag: undefined, env: io.env }, 'fixed');
    output.useSecrets(secrets);
    return createRedactor({ knownSecrets: secrets, strategy });
  }
  const safe = async <T>(value: T): Promise<T> => (await redactor()).value(value);

  const server = new Server(
    { name: 'osiris', title: 'Osiris', version },
    {
      capabilities: { tools: {}, resources: {}, prompts: {} },
      instructions:
        'Osiris validates, compiles and runs data pipelines (OML). Draft with components_list/components_spec and ' +
        'discover, check with validate until ok, compile to see the manifest, and call run with confirm: true only ' +
        'after the user agreed. Connections are @references; never put credentials in a pipeline.',
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.map(({ name, title, description, inputSchema, outputSchema, annotations }) => ({
      name,
      title,
      description,
      inputSchema,
      outputSchema,
      annotations,
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = tools.find((candidate) => candidate.name === request.params.name);
    const input = { ...(request.params.arguments ?? {}) };
    const progressToken = request.params._meta?.progressToken;
    const context: ToolContext = {
      deps,
      output,
      io: { ...io, stdout: io.stderr, signal: extra.signal },
      secretsFile: options.secretsFile,
      runsDir: options.runsDir,
      progress: (progress, total, message) => {
        if (progressToken === undefined) return;
        void safe({ progressToken, progress, ...(total === undefined ? {} : { total }), message }).then((params) =>
          extra.sendNotification({ method: 'notifications/progress', params }).catch(() => {}),
        );
      },
    };
    let result: CallToolResult;
    try {
      if (!tool) {
        throw new OsirisError(OsirisErrorCode.Validation, `unknown tool "${request.params.name}"`, {
          hint: `Use one of: ${tools.map((t) => t.name).join(', ')}`,
        });
      }
      // A credential is refused first, whatever else is wrong: the same words as OML validation.
      const credentials = inlineCredentials(input, '');
      if (credentials.length > 0) {
        throw new OsirisError(OsirisErrorCode.Validation, INLINE_CREDENTIAL.message, {
          diagnostics: credentials,
          hint: INLINE_CREDENTIAL.fix,
        });
      }
      let check = checks.get(tool.name);
      if (!check) {
        check = createSchemaValidator(tool.inputSchema, { subject: `${tool.name} input` });
        checks.set(tool.name, check);
      }
      const invalid = check(input);
      if (invalid.length > 0) {
        throw new OsirisError(OsirisErrorCode.Validation, `${tool.name}: the input does not match its schema`, {
          diagnostics: invalid,
        });
      }
      const structured = await tool.call(input, context);
      const failed = structured.ok === false && tool.name === 'run';
      result = {
        content: [{ type: 'text', text: canonicalJson(structured, 2) }],
        structuredContent: structured,
        ...(failed ? { isError: true } : {}),
      };
    } catch (error) {
      // An error nobody raised on purpose goes to stderr (redacted) for the operator; the agent gets no stack.
      if (!isOsirisError(error)) output.err(`osiris mcp: internal error in ${request.params.name}: ${String(error)}`);
      result = toolError(error);
    }
    return safe(result);
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [
      {
        uriTemplate: 'osiris://components/{type}',
        name: 'component',
        title: 'A component spec card',
        mimeType: 'application/json',
      },
      ...Object.entries(RUN_FILES).map(([file, mimeType]) => ({
        uriTemplate: `osiris://runs/{run_id}/${file}`,
        name: `run-${file}`,
        title: `A run's ${file}`,
        mimeType,
      })),
    ],
  }));

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const components = deps
      .registry()
      .list()
      .map((spec) => ({
        uri: `osiris://components/${spec.name}`,
        name: spec.name,
        title: spec.title,
        mimeType: 'application/json',
      }));
    // The newest runs; older ones are still readable through the templates.
    const runs = (await listRuns(runsDir())).slice(0, 20).flatMap((run) =>
      Object.entries(RUN_FILES).map(([file, mimeType]) => ({
        uri: `osiris://runs/${run.runId}/${file}`,
        name: `${run.runId} ${file}`,
        mimeType,
      })),
    );
    return safe({
      resources: [
        ...components,
        {
          uri: 'osiris://schema/oml',
          name: 'oml-schema',
          title: 'OML JSON Schema',
          mimeType: 'application/schema+json',
        },
        {
          uri: 'osiris://context',
          name: 'llm-context',
          title: 'Compact LLM context of the components',
          mimeType: 'application/json',
        },
        ...runs,
      ],
    });
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const { uri } = request.params;
    const registry = deps.registry();
    if (uri === 'osiris://schema/oml')
      return safe(text(uri, 'application/schema+json', canonicalJson(omlSchema(registry), 2)));
    if (uri === 'osiris://context') return safe(text(uri, 'application/json', renderContext(buildContext(registry))));
    const component = /^osiris:\/\/components\/([^/]+)$/.exec(uri);
    const spec = component?.[1] === undefined ? undefined : registry.get(decodeURIComponent(component[1]));
    if (spec) return safe(text(uri, 'application/json', canonicalJson(spec, 2)));
    const run = /^osiris:\/\/runs\/([^/]+)\/(manifest|metrics|log)$/.exec(uri);
    if (run?.[1] !== undefined && RUN_ID_PATTERN.test(run[1])) {
      const file = run[2] as keyof typeof RUN_FILES;
      let body: string | undefined;
      try {
        const details = await readRun(runsDir(), run[1]);
        const path = details.artifacts[file];
        body = path === undefined ? undefined : await readFile(path, 'utf8');
      } catch {
        body = undefined;
      }
      if (body !== undefined) {
        if (file === 'log' && body.length > LOG_LIMIT) {
          body = `{"note":"the first ${body.length - LOG_LIMIT} characters of the log are left out"}\n${body.slice(-LOG_LIMIT)}`;
        }
        return safe(text(uri, RUN_FILES[file], body));
      }
    }
    throw new McpError(ErrorCode.InvalidParams, `no resource ${uri}`, {
      why: 'Resources are osiris://components/<type>, osiris://schema/oml, osiris://context and osiris://runs/<run_id>/manifest|metrics|log.',
      fix: 'List them with resources/list, or take a run id from runs_list.',
    });
  });

  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: [
      {
        name: 'draft_pipeline',
        title: 'Draft a pipeline',
        description: 'Draft an OML pipeline from a plain-language request, with the compact component context.',
        arguments: [
          {
            name: 'request',
            description: 'what to move where, e.g. "copy shop.orders into public.orders by id"',
            required: true,
          },
        ],
      },
    ],
  }));

  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    if (request.params.name !== 'draft_pipeline') {
      throw new McpError(ErrorCode.InvalidParams, `no prompt "${request.params.name}"; the prompt is draft_pipeline`);
    }
    const wish = request.params.arguments?.request ?? '';
    const context = renderContext(buildContext(deps.registry()));
    return safe({
      description: 'Draft an Osiris pipeline',
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: draftPrompt(wish, context) } }],
    });
  });

  return server;
}
