// SPDX-License-Identifier: MIT
import { resolve } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import { discoverWithCache, osirisPaths, resolveConnections } from '@osiris/runner';
import type { Command } from 'commander';
import type { Composition } from '../composition';
import { ExitCode } from '../exit-codes';
import { tablesJson } from '../json';
import type { CliIo, Output } from '../output';
import type { Action } from '../program';

interface DiscoverOptions {
  component?: string;
  schema?: string;
  table?: string;
  secretsFile?: string;
  refresh?: boolean;
  ttl: string;
  json?: boolean;
}

export interface DiscoverRequest {
  readonly component?: string;
  readonly schema?: string;
  readonly table?: string;
  readonly secretsFile?: string;
  readonly refresh?: boolean;
  readonly ttlMs: number;
}

/**
 * Discovers the tables behind a connection reference through the runner's
 * cached discovery; the component comes from the request, or from the
 * connector that declares the scheme of the connection's URL (`urlSchemes`).
 * Used by `osiris discover` and by the chat agent's discover_schema tool.
 */
export async function discoverConnection(io: CliIo, ref: string, request: DiscoverRequest, deps: Composition) {
  const set = await deps.connectors();
  const registry = deps.registry();
  const secretsFile = request.secretsFile === undefined ? {} : { secretsFile: resolve(io.cwd, request.secretsFile) };
  // Resolve once without schema checks to learn the URL scheme, then again against the component's card.
  const probe = await resolveConnections([ref], { env: io.env, ...secretsFile });
  const fields = probe.connections.get(ref) ?? {};
  const connector = request.component === undefined ? set.forUrl(fields.url ?? '') : set.get(request.component);
  const spec = connector === undefined ? undefined : registry.get(connector.type);
  if (!spec || !connector) {
    throw new OsirisError(OsirisErrorCode.Config, `cannot tell which component discovers ${ref}`, {
      hint: `Pass --component (one of: ${set.types().join(', ')}).`,
    });
  }
  const resolution = await resolveConnections([ref], {
    env: io.env,
    registry,
    componentsByRef: new Map([[ref, [spec.name]]]),
    ...secretsFile,
  });
  const result = await discoverWithCache({
    connector,
    ref,
    connection: resolution.connections.get(ref) ?? {},
    componentType: spec.name,
    componentVersion: spec.version,
    specFingerprint: registry.fingerprint(),
    options: {
      ...(request.schema === undefined ? {} : { schema: request.schema }),
      ...(request.table === undefined ? {} : { table: request.table }),
    },
    cacheDir: osirisPaths({ env: io.env, cwd: io.cwd }).cacheDir,
    ttlMs: request.ttlMs,
    ...(request.refresh ? { refresh: true } : {}),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
  });
  return { ...result, component: spec.name, secrets: resolution.secrets };
}

export function registerDiscover(program: Command, action: Action, deps: Composition): void {
  program
    .command('discover')
    .description('List tables, columns, types, nullability, primary keys and approximate row counts of a connection.')
    .argument('<connection>', 'a connection reference, e.g. @mysql')
    .option('--component <type>', 'component to discover with (default: from the connection URL scheme)')
    .option('--schema <schema>', 'only this schema (database)')
    .option('--table <table>', 'only this table')
    .option(
      '--secrets-file <file>',
      'YAML with connections: { <name>: { <field>: value } }; beats OSIRIS_CONN__* variables',
    )
    .option('--refresh', 'ask the database even when the cache is fresh')
    .option('--ttl <seconds>', 'how long a cached result stays fresh', '3600')
    .option('--json', 'print the tables as JSON')
    .action(
      action(async (output: Output, ref: string, options: DiscoverOptions) => {
        const ttlSeconds = Number(options.ttl);
        if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
          throw new OsirisError(OsirisErrorCode.Validation, `--ttl ${options.ttl} is not a number of seconds`);
        }
        const result = await discoverConnection(
          output.io,
          ref,
          {
            ttlMs: ttlSeconds * 1000,
            ...(options.component === undefined ? {} : { component: options.component }),
            ...(options.schema === undefined ? {} : { schema: options.schema }),
            ...(options.table === undefined ? {} : { table: options.table }),
            ...(options.secretsFile === undefined ? {} : { secretsFile: options.secretsFile }),
            ...(options.refresh ? { refresh: true } : {}),
          },
          deps,
        );
        output.useSecrets(result.secrets);
        if (options.json) {
          output.json({
            connection: ref,
            component: result.component,
            cached: result.cached,
            fetched_at: result.fetchedAt,
            tables: tablesJson(result.tables),
          });
          return ExitCode.Success;
        }
        output.err(
          output.dim(`${ref} (${result.component}), ${result.cached ? `cached at ${result.fetchedAt}` : 'fresh'}`),
        );
        for (const table of result.tables) {
          const rows = table.approxRows === null ? '' : `  ~${table.approxRows.toLocaleString('en-US')} rows`;
          output.out(`${output.bold(`${table.schema}.${table.name}`)}${rows}`);
          const width = Math.max(...table.columns.map((column) => column.name.length));
          for (const column of table.columns) {
            const flags = [column.primaryKey ? 'primary key' : '', column.nullable ? 'null' : 'not null'].filter(
              Boolean,
            );
            output.out(`  ${column.name.padEnd(width)}  ${column.nativeType} (${column.kind})  ${flags.join(', ')}`);
          }
        }
        if (result.tables.length === 0) output.err('no tables found');
        return ExitCode.Success;
      }),
    );
}
