// SPDX-License-Identifier: MIT
// Which connections this process can use, and every secret they hold (for the redactor): the secrets file and
// the OSIRIS_CONN__<NAME>__<FIELD> environment, read the way `osiris run` reads them (resolveConnections).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isOsirisError, isSecretEnvName, parseYamlSource } from '@osiris/registry';
import { resolveConnections } from '@osiris/runner';
import type { Composition } from '../composition';
import type { CliIo } from '../output';

export interface ConnectionEntry {
  /** `@name`, as a pipeline references it. */
  readonly ref: string;
  /** `file` (the secrets file) or `env` (OSIRIS_CONN__… variables). */
  readonly origin: 'file' | 'env';
  /** The component that handles its URL scheme (`mysql.table`), when one does. */
  readonly component: string | null;
  /** The first part of that component's type (`mysql`, `supabase`). */
  readonly family: string | null;
  /** The names of the fields that are set; never a value. */
  readonly fieldsSet: readonly string[];
  /** Why it cannot be used as it is (value-free, from resolveConnections), when it cannot. */
  readonly problem?: string;
}

const ENV_CONNECTION = /^OSIRIS_CONN__([A-Z0-9_]+?)__([A-Z0-9_]+)$/;

/** The `@refs` the secrets file and the environment define, the file's first (it beats the environment). */
function connectionRefs(io: CliIo, secretsFile: string | undefined): { ref: string; origin: 'file' | 'env' }[] {
  const refs = new Map<string, 'file' | 'env'>();
  if (secretsFile !== undefined) {
    let text = '';
    try {
      text = readFileSync(resolve(io.cwd, secretsFile), 'utf8');
    } catch {
      // resolveConnections names the unreadable file when a connection is resolved.
    }
    const connections = (parseYamlSource(text, secretsFile).value as { connections?: unknown } | undefined)
      ?.connections;
    if (connections !== null && typeof connections === 'object') {
      for (const name of Object.keys(connections)) refs.set(`@${name}`, 'file');
    }
  }
  for (const [key, value] of Object.entries(io.env)) {
    const match = ENV_CONNECTION.exec(key);
    if (match?.[1] === undefined || (value ?? '') === '') continue;
    const ref = `@${match[1].toLowerCase()}`;
    if (!refs.has(ref)) refs.set(ref, 'env');
  }
  return [...refs].sort(([a], [b]) => a.localeCompare(b)).map(([ref, origin]) => ({ ref, origin }));
}

/** Every connection the secrets file and the environment define: names, component families and fields set. */
export async function listConnections(
  io: CliIo,
  secretsFile: string | undefined,
  deps: Composition,
): Promise<ConnectionEntry[]> {
  const set = await deps.connectors();
  const file = secretsFile === undefined ? {} : { secretsFile: resolve(io.cwd, secretsFile) };
  const entries: ConnectionEntry[] = [];
  for (const { ref, origin } of connectionRefs(io, secretsFile)) {
    try {
      const resolution = await resolveConnections([ref], { env: io.env, ...file });
      const fields = resolution.connections.get(ref) ?? {};
      const connector = set.forUrl(fields.url ?? '');
      entries.push({
        ref,
        origin,
        component: connector?.type ?? null,
        family: connector?.type.split('.')[0] ?? null,
        fieldsSet: Object.keys(fields).sort(),
      });
    } catch (error) {
      entries.push({
        ref,
        origin,
        component: null,
        family: null,
        fieldsSet: [],
        problem: isOsirisError(error) ? error.message : 'cannot be read',
      });
    }
  }
  return entries;
}

/**
 * Every secret value this process could hand out: the fields of every connection it can resolve and the
 * secret-named environment variables (API keys). Read again for each response, so that a secrets file edited
 * while the server runs is masked too.
 */
export async function knownSecrets(io: CliIo, secretsFile: string | undefined): Promise<string[]> {
  const secrets = new Set<string>();
  for (const [key, value] of Object.entries(io.env)) {
    if (value && isSecretEnvName(key)) secrets.add(value);
  }
  const file = secretsFile === undefined ? {} : { secretsFile: resolve(io.cwd, secretsFile) };
  for (const { ref } of connectionRefs(io, secretsFile)) {
    try {
      const resolution = await resolveConnections([ref], { env: io.env, ...file });
      for (const secret of resolution.secrets) secrets.add(secret);
    } catch {
      // A connection that does not resolve hands out nothing; its error names no value.
    }
  }
  return [...secrets];
}
