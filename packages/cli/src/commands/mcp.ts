// SPDX-License-Identifier: MIT
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Command } from 'commander';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import type { Output } from '../output';
import type { Action } from '../program';

interface McpOptions {
  http?: boolean;
  port: string;
  secretsFile?: string;
  runsDir?: string;
}

export function registerMcp(program: Command, action: Action, deps: Composition): void {
  program
    .command('mcp')
    .description('Serve Osiris to AI agents over the Model Context Protocol (stdio, or streamable HTTP on loopback).')
    .option('--http', 'serve streamable HTTP on 127.0.0.1 instead of stdio')
    .option('--port <port>', 'port for --http (0: any free one; the URL is printed on stderr)', '7331')
    .option(
      '--secrets-file <file>',
      'YAML with connections: { <name>: { <field>: value } }; beats OSIRIS_CONN__* variables',
    )
    .option('--runs-dir <dir>', 'folder for run folders (default $OSIRIS_HOME/runs, else .osiris/runs)')
    .addHelpText(
      'after',
      `
Tools: components_list, components_spec, connections_list, connections_test, discover, oml_schema, validate,
compile, run (only with confirm: true), runs_list, runs_view. Resources: osiris://components/<type>,
osiris://schema/oml, osiris://context, osiris://runs/<run_id>/manifest|metrics|log. Prompt: draft_pipeline.
Every answer passes the redactor; a credential in a tool's input is refused. More in docs/how-to/mcp.md.

Examples:
  osiris mcp --secrets-file secrets.yaml                 (a client starts it and speaks on stdin/stdout)
  osiris mcp --http --port 7331                          (http://127.0.0.1:7331/mcp)`,
    )
    .action(
      action(async (output: Output, options: McpOptions) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new OsirisError(OsirisErrorCode.Validation, `--port ${options.port} is not a port number`, {
            hint: 'Use 0 to 65535, e.g. --port 7331 (0: any free port).',
          });
        }
        // The SDK loads only for this command.
        const { serveHttp, serveStdio } = await import('../mcp/serve');
        const serverOptions = {
          deps,
          io: output.io,
          ...(options.secretsFile === undefined ? {} : { secretsFile: options.secretsFile }),
          ...(options.runsDir === undefined ? {} : { runsDir: options.runsDir }),
        };
        if (options.http) {
          await serveHttp(serverOptions, port, (url) => output.err(`osiris mcp listening on ${url}`));
        } else {
          await serveStdio(serverOptions, { stdin: process.stdin, stdout: process.stdout });
        }
        return ExitCode.Success;
      }),
    );
}
