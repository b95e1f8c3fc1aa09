// SPDX-License-Identifier: MIT
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, createRedactor, isCredentialField, OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Connector, DiscoveredTable, DiscoverOptions, StepReporter } from './contracts';

export interface DiscoverWithCacheOptions {
  readonly connector: Connector;
  /** The connection reference (`@mysql`): part of the cache key; its values never are. */
  readonly ref: string;
  /** Resolved connection fields. Secret: used for the call, never cached. */
  readonly connection: Readonly<Record<string, string>>;
  readonly componentType: string;
  readonly componentVersion: string;
  /** Fingerprint of the component's spec card (or of the registry). */
  readonly specFingerprint: string;
  readonly options: DiscoverOptions;
  /** `<OSIRIS_HOME or .osiris>/cache` (see `osirisPaths`). */
  readonly cacheDir: string;
  /** How long a cached result stays fresh. */
  readonly ttlMs: number;
  /** `--refresh`: ask the database even when the cache is fresh. */
  readonly refresh?: boolean;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  readonly reporter?: StepReporter;
}

export interface DiscoveryResult {
  readonly tables: readonly DiscoveredTable[];
  /** True when the result came from the cache. */
  readonly cached: boolean;
  readonly fetchedAt: string;
  readonly cacheFile: string;
}

interface CacheKey {
  readonly component: string;
  readonly component_version: string;
  readonly connection: string;
  /** SHA-256 of what the connection points at (see {@link targetOf}). */
  readonly target_sha256: string;
  readonly options_sha256: string;
  readonly spec_fingerprint: string;
}

interface CacheEntry extends CacheKey {
  readonly key: string;
  readonly fetched_at: string;
  readonly tables: readonly DiscoveredTable[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const URL_FIELD = /url|uri|dsn/i;

/**
 * What a connection points at, without its secrets: a URL's scheme, user,
 * host, port, database and query (less any secret-looking parameter), and the
 * other fields unless they look secret. A rotated password keeps the cache; a
 * re-pointed reference does not.
 */
function targetOf(connection: Readonly<Record<string, string>>): Record<string, string> {
  const target: Record<string, string> = {};
  for (const [field, value] of Object.entries(connection)) {
    if (URL_FIELD.test(field)) {
      try {
        const url = new URL(value);
        url.password = '';
        for (const name of [...url.searchParams.keys()]) {
          if (isCredentialField(name)) url.searchParams.delete(name);
        }
        target[field] = url.toString();
      } catch {
        // A URL that does not parse cannot be connected to either; its reference alone keys the cache.
      }
    } else if (!isCredentialField(field)) {
      target[field] = value;
    }
  }
  return target;
}

async function readEntry(file: string, key: string): Promise<CacheEntry | undefined> {
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheEntry>;
    if (entry.key !== key || typeof entry.fetched_at !== 'string' || !Array.isArray(entry.tables)) return undefined;
    return entry as CacheEntry;
  } catch {
    return undefined;
  }
}

/**
 * Discovers tables and columns through a connector, cached under
 * `<cacheDir>/discovery/<key>.json`. The key is a SHA-256 of the component
 * type and version, the connection reference, what the connection points at
 * (scheme, host, port, database and user, hashed; never its secrets), the
 * canonical options and the spec fingerprint: when any of them changes, or
 * the TTL runs out, or `refresh` is set, the database is asked again. The
 * cache holds the reference and hashes, never the connection's values.
 *
 * @example
 * const { tables, cached } = await discoverWithCache({ connector, ref: '@mysql', connection, componentType: 'mysql.table',
 *   componentVersion: '0.1.0', specFingerprint: registry.fingerprint(), options: { schema: 'shop' },
 *   cacheDir: paths.cacheDir, ttlMs: 3_600_000 });
 */
export async function discoverWithCache(options: DiscoverWithCacheOptions): Promise<DiscoveryResult> {
  const { connector } = options;
  if (!connector.capabilities.includes('discovery') || typeof connector.discover !== 'function') {
    throw new OsirisError(OsirisErrorCode.Validation, `${options.componentType} cannot discover`, {
      hint: 'Only components with the discovery capability can list tables.',
    });
  }
  const now = options.now ?? (() => new Date());
  const fields: CacheKey = {
    component: options.componentType,
    component_version: options.componentVersion,
    connection: options.ref,
    target_sha256: sha256(canonicalJson(targetOf(options.connection))),
    options_sha256: sha256(canonicalJson(options.options)),
    spec_fingerprint: options.specFingerprint,
  };
  const key = sha256(canonicalJson(fields));
  const dir = join(options.cacheDir, 'discovery');
  const cacheFile = join(dir, `${key}.json`);

  if (options.refresh !== true) {
    const entry = await readEntry(cacheFile, key);
    if (entry !== undefined) {
      const age = now().getTime() - Date.parse(entry.fetched_at);
      if (age >= 0 && age < options.ttlMs) {
        return { tables: entry.tables, cached: true, fetchedAt: entry.fetched_at, cacheFile };
      }
    }
  }

  const redactor = createRedactor({
    knownSecrets: Object.entries(options.connection)
      .filter(([field]) => isCredentialField(field))
      .map(([, value]) => value),
  });
  const discovered = await connector.discover(
    {
      stepId: 'discover',
      connection: options.connection,
      chunkSize: 1,
      signal: options.signal ?? new AbortController().signal,
      reporter: options.reporter ?? { log() {} },
    },
    options.options,
  );
  const tables = redactor.value(discovered);
  const fetchedAt = now().toISOString();
  const entry: CacheEntry = { ...fields, key, fetched_at: fetchedAt, tables };
  await mkdir(dir, { recursive: true });
  const temporary = `${cacheFile}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${canonicalJson(entry, 2)}\n`);
  await rename(temporary, cacheFile);
  return { tables, cached: false, fetchedAt, cacheFile };
}
