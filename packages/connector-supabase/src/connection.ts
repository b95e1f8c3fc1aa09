// SPDX-License-Identifier: MIT
import { connect } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { createRedactor, type Redactor } from '@osiris/registry';
import type { StepContext } from '@osiris/runner';
import { Client, types as pgTypes } from 'pg';
import { SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';

/** A Postgres server reached over the network with `pg`. */
export interface ServerTarget {
  readonly kind: 'server';
  readonly connectionString: string;
  /** `host:port/database`, safe to show. */
  readonly where: string;
  readonly user: string;
  /** Masks the connection's secrets (driver messages are not trusted to leave them out). */
  readonly redactor: Redactor;
}

/** An embedded PGlite database: a data folder, or memory. */
export interface EmbeddedTarget {
  readonly kind: 'embedded';
  /** The data folder resolved against the working directory; undefined for `pglite://memory`. */
  readonly dataDir: string | undefined;
  /** `pglite://memory` or `pglite:///absolute/folder`, safe to show. */
  readonly where: string;
  /** An embedded database has no secrets; the redactor still masks what looks like one. */
  readonly redactor: Redactor;
}

/** Where to connect, and how to keep its secrets out of a message. */
export type ConnectionTarget = ServerTarget | EmbeddedTarget;

const noSecrets = createRedactor();

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const PGLITE_PREFIX = 'pglite://';

/**
 * Reads the step's `url`: `postgresql://user:password@host:5432/db?sslmode=require`
 * for a server, `pglite://<folder>` or `pglite://memory` for an embedded PGlite.
 * `sslmode` follows libpq: `require` encrypts without verifying the
 * certificate, `verify-ca`/`verify-full` verify it (`sslrootcert` names a CA file).
 * A PGlite folder is taken as it is written (no percent-decoding), relative to
 * the working directory; `pglite:///abs/path` is absolute.
 */
export function resolveConnection(stepId: string, connection: Readonly<Record<string, string>>): ConnectionTarget {
  const url = connection.url;
  const invalid = (why: string) =>
    new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      stepId,
      `supabase.table step '${stepId}': ${why} Use postgresql://user:password@host:5432/database?sslmode=require, or pglite://<folder> (pglite://memory) for an embedded database.`,
    );
  if (url === undefined || url === '') throw invalid('the connection has no url.');
  if (url.toLowerCase().startsWith(PGLITE_PREFIX)) {
    const location = url.slice(PGLITE_PREFIX.length);
    if (location === '' || location === '/') throw invalid('the pglite:// url names no folder.');
    if (location === 'memory') {
      return { kind: 'embedded', dataDir: undefined, where: 'pglite://memory', redactor: noSecrets };
    }
    const dataDir = resolvePath(location);
    return { kind: 'embedded', dataDir, where: `pglite://${dataDir}`, redactor: noSecrets };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('the connection url is not a valid URL.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw invalid('the connection url must start with postgresql://, postgres:// or pglite://.');
  }
  const secrets = [url];
  if (parsed.password !== '') secrets.push(parsed.password, safeDecode(parsed.password));
  if (connection.password !== undefined && connection.password !== '') secrets.push(connection.password);
  if (!parsed.searchParams.has('uselibpqcompat')) parsed.searchParams.set('uselibpqcompat', 'true');
  const database = safeDecode(parsed.pathname.replace(/^\//, ''));
  const user = safeDecode(parsed.username);
  return {
    kind: 'server',
    connectionString: parsed.toString(),
    where: `${parsed.hostname}:${parsed.port || '5432'}/${database || user || 'postgres'}`,
    user,
    redactor: createRedactor({ knownSecrets: [...secrets, parsed.toString()] }),
  };
}

type Parser = (value: string) => unknown;

const toNumber: Parser = (v) => Number(v);
const toBoolean: Parser = (v) => v === 't';
const toBuffer: Parser = (v) =>
  v.startsWith('\\x') ? Buffer.from(v.slice(2), 'hex') : (pgTypes.getTypeParser(17, 'text')(v) as Buffer);
const asText: Parser = (v) => v;

/** Text-format parsers by type OID: exact strings for int8, numeric, dates and json; numbers, booleans and Buffers otherwise. */
const BUILTIN_PARSERS: ReadonlyMap<number, Parser> = new Map([
  [16, toBoolean], // bool
  [17, toBuffer], // bytea
  [21, toNumber], // int2
  [23, toNumber], // int4
  [26, toNumber], // oid
  [700, toNumber], // float4
  [701, toNumber], // float8
]);

/**
 * Type parsers for one client (never the global `pg.types`): unknown OIDs
 * stay text; `alias` maps a domain's OID onto its base type's parser.
 */
export class ClientTypes {
  readonly #extra = new Map<number, Parser>();
  #table: Readonly<Record<number, Parser>> | undefined;

  alias(domainOid: number, baseOid: number): void {
    const parser = BUILTIN_PARSERS.get(baseOid);
    if (parser !== undefined) {
      this.#extra.set(domainOid, parser);
      this.#table = undefined;
    }
  }

  getTypeParser = (oid: number, format?: string): Parser => {
    if (format === 'binary') return pgTypes.getTypeParser(oid, 'binary') as Parser;
    return BUILTIN_PARSERS.get(oid) ?? this.#extra.get(oid) ?? asText;
  };

  /**
   * The same parsers as a record, for PGlite (which looks parsers up by OID and
   * has its own for dates, int8, json, arrays…): every OID in `known` is text
   * unless one of ours applies.
   */
  parserTable(known: readonly number[]): Readonly<Record<number, Parser>> {
    if (this.#table === undefined) {
      const table: Record<number, Parser> = {};
      for (const oid of known) table[oid] = asText;
      for (const [oid, parser] of BUILTIN_PARSERS) table[oid] = parser;
      for (const [oid, parser] of this.#extra) table[oid] = parser;
      this.#table = table;
    }
    return this.#table;
  }
}

function describeConnectError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case '28P01':
    case '28000':
      return `the server refused the login (${message}). Check the user and password of the connection.`;
    case '3D000':
      return `the database does not exist (${message}). Check the database in the connection url.`;
    case 'ECONNREFUSED':
      return 'the connection was refused. Check the host and port, and that the server is running.';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved. Check the host of the connection url.';
    case 'ETIMEDOUT':
      return 'the connection timed out. Check the host, port and any firewall in between.';
    default:
      return `${message}. Check the connection url (and sslmode).`;
  }
}

export function abortedError(stepId: string, signal: AbortSignal, what: string): SupabaseConnectorError {
  return new SupabaseConnectorError(
    SUPABASE_ERROR_REASONS.ABORTED,
    stepId,
    `supabase.table step '${stepId}': the ${what} was aborted (the run was interrupted or another step failed).`,
    { cause: signal.reason },
  );
}

/** Opens one client with its own type parsers; rejects with a message that names no secret. */
export async function openClient(
  ctx: StepContext,
  target: ServerTarget,
  types: ClientTypes,
  what: string,
): Promise<Client> {
  if (ctx.signal.aborted) throw abortedError(ctx.stepId, ctx.signal, what);
  let client: Client;
  try {
    client = new Client({
      connectionString: target.connectionString,
      types,
      application_name: 'osiris',
      connectionTimeoutMillis: 15_000,
      keepAlive: true,
    });
  } catch (err) {
    // pg reads the TLS settings (and sslrootcert files) while parsing the URL.
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.CONFIG_INVALID,
      ctx.stepId,
      target.redactor.text(
        `supabase.table step '${ctx.stepId}': the connection url's settings are not usable: ${err instanceof Error ? err.message : String(err)}. Check sslmode and sslrootcert.`,
      ),
      { cause: err },
    );
  }
  // A late socket error must not crash the process; each query reports its own.
  client.on('error', () => {});
  const onAbort = () => {
    destroyClient(client);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
  } catch (err) {
    destroyClient(client);
    if (ctx.signal.aborted) throw abortedError(ctx.stepId, ctx.signal, what);
    throw new SupabaseConnectorError(
      SUPABASE_ERROR_REASONS.CONNECTION_FAILED,
      ctx.stepId,
      target.redactor.text(
        `supabase.table step '${ctx.stepId}': could not connect to Postgres at ${target.where} as '${target.user}': ${describeConnectError(err)}`,
      ),
      { cause: err },
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  return client;
}

/** How long a cancel request may take to reach the server. */
const CANCEL_TIMEOUT_MS = 5000;
/** The CancelRequest code of the Postgres protocol. */
const CANCEL_REQUEST_CODE = 80877102;

/**
 * Asks the server to stop the statement the client is running: a CancelRequest with the backend's
 * pid and secret key on a connection of its own, as libpq and pg send it (poolers forward it to the
 * backend). Best effort, bounded in time.
 */
function cancelStatement(client: Client): void {
  const { processID, secretKey, activeQuery } = client as unknown as {
    processID: number | null;
    secretKey: number | null;
    activeQuery: unknown;
  };
  if (processID === null || secretKey === null || activeQuery === null || activeQuery === undefined) return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  const socket = client.host.startsWith('/')
    ? connect(`${client.host}/.s.PGSQL.${client.port}`)
    : connect(client.port, client.host);
  socket.setTimeout(CANCEL_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => {});
  socket.on('connect', () => socket.end(packet));
}

/**
 * Ends the session now: cancels the statement in flight (closing the socket alone leaves it running,
 * with its locks, until it next sends something to the client), then closes the socket, and the
 * server rolls the transaction back.
 */
export function destroyClient(client: Client): void {
  cancelStatement(client);
  try {
    client.connection.stream.destroy();
  } catch {
    // already closed
  }
}

/** Ends the session politely; falls back to destroying the socket. */
export async function closeClient(client: Client): Promise<void> {
  try {
    await client.end();
  } catch {
    destroyClient(client);
  }
}

/**
 * A driver error as `message (SQLSTATE x). detail`, for wrapping: one line that does not end in a
 * period, since the caller goes on with ". …".
 */
export function describePgError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; detail?: string; hint?: string; where?: string };
  let text = sentence(e.message);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) text += ` (SQLSTATE ${e.code})`;
  if (e.detail) text += `. ${sentence(e.detail)}`;
  if (e.where) text += ` [${e.where}]`;
  if (e.hint) text += `. Hint: ${sentence(e.hint)}`;
  return text;
}

/** A server's sentence without its closing period: callers go on with ". …" (no "exists.. The write"). */
function sentence(text: string): string {
  return text.trim().replace(/\.+$/, '');
}
