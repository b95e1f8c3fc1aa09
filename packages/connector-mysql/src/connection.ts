// SPDX-License-Identifier: MIT
import { createRedactor, type Redactor } from '@osiris/registry';
import type { StepContext } from '@osiris/runner';
import { type Connection, type ConnectionOptions, createConnection, escape as escapeValue } from 'mysql2';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';
import { exactFloats } from './row-parser';

/** Where to connect, and how to keep its secrets out of a message. */
export interface ConnectionTarget {
  readonly options: ConnectionOptions;
  /** `host:port`, safe to show. */
  readonly where: string;
  readonly user: string;
  readonly database: string | undefined;
  /** Masks the connection's secrets (driver messages are not trusted to leave them out). */
  readonly redactor: Redactor;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function sslFrom(params: URLSearchParams): ConnectionOptions['ssl'] | undefined {
  const mode = (params.get('ssl-mode') ?? params.get('sslmode') ?? params.get('ssl') ?? '').toLowerCase();
  if (mode === '' || mode === 'disabled' || mode === 'disable' || mode === 'false' || mode === 'preferred') {
    return undefined;
  }
  if (mode === 'verify_ca' || mode === 'verify_identity' || mode === 'verify-full' || mode === 'verify-ca') {
    return { rejectUnauthorized: true };
  }
  // `required`, `require`, `true`: encrypt, as the mysql client does, without verifying the certificate.
  return { rejectUnauthorized: false };
}

/**
 * Builds the mysql2 options from the step's connection fields: a `url`
 * (`mysql://user:password@host:3306/db?ssl-mode=REQUIRED`) and/or
 * `host`, `port`, `user`, `password`, `database` (which override the URL's parts).
 */
export function resolveConnection(stepId: string, connection: Readonly<Record<string, string>>): ConnectionTarget {
  const secrets: string[] = [];
  let host: string | undefined;
  let port: number | undefined;
  let user: string | undefined;
  let password: string | undefined;
  let database: string | undefined;
  let ssl: ConnectionOptions['ssl'] | undefined;

  const url = connection.url;
  if (url !== undefined && url !== '') {
    secrets.push(url);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new MysqlConnectorError(
        MYSQL_ERROR_REASONS.CONFIG_INVALID,
        stepId,
        `mysql.table step '${stepId}': the connection url is not a valid URL. Use mysql://user:password@host:3306/database.`,
      );
    }
    if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
      throw new MysqlConnectorError(
        MYSQL_ERROR_REASONS.CONFIG_INVALID,
        stepId,
        `mysql.table step '${stepId}': the connection url must start with mysql:// or mariadb://.`,
      );
    }
    if (parsed.password !== '') {
      secrets.push(parsed.password);
      password = safeDecode(parsed.password);
    }
    host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || undefined;
    port = parsed.port === '' ? undefined : Number(parsed.port);
    user = parsed.username === '' ? undefined : safeDecode(parsed.username);
    const path = safeDecode(parsed.pathname.replace(/^\//, ''));
    database = path === '' ? undefined : path;
    ssl = sslFrom(parsed.searchParams);
  }
  if (connection.host !== undefined && connection.host !== '') host = connection.host;
  if (connection.port !== undefined && connection.port !== '') port = Number(connection.port);
  if (connection.user !== undefined) user = connection.user;
  if (connection.password !== undefined) password = connection.password;
  if (connection.database !== undefined && connection.database !== '') database = connection.database;
  if (password !== undefined && password !== '') secrets.push(password);

  if (host === undefined) {
    throw new MysqlConnectorError(
      MYSQL_ERROR_REASONS.CONFIG_INVALID,
      stepId,
      `mysql.table step '${stepId}': the connection has neither a url nor a host. Set url (mysql://user:password@host:3306/database) or host, port, user, password and database.`,
    );
  }
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new MysqlConnectorError(
      MYSQL_ERROR_REASONS.CONFIG_INVALID,
      stepId,
      `mysql.table step '${stepId}': the connection port must be a number between 1 and 65535.`,
    );
  }
  const options: ConnectionOptions = {
    host,
    port: port ?? 3306,
    user: user ?? 'root',
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
    ...(ssl === undefined ? {} : { ssl }),
    // Exact values: text for DECIMAL, BIGINT and JSON; dates as the server prints them.
    charset: 'UTF8MB4_GENERAL_CI',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    multipleStatements: false,
    connectTimeout: 10_000,
  };
  return {
    options,
    where: `${host}:${port ?? 3306}`,
    user: user ?? 'root',
    database,
    redactor: createRedactor({ knownSecrets: secrets }),
  };
}

function describeConnectError(err: unknown, target: ConnectionTarget): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : 'unknown error';
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return `access denied for user '${target.user}' (${message}). Check the user and password of the connection.`;
    case 'ER_BAD_DB_ERROR':
      return `the database does not exist (${message}). Check the database of the connection.`;
    case 'ECONNREFUSED':
      return 'the connection was refused. Check the host and port, and that the server is running.';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved. Check the host of the connection.';
    case 'ETIMEDOUT':
      return 'the connection timed out. Check the host, port and any firewall in between.';
    default:
      return `${message}. Check the connection settings.`;
  }
}

/** Opens one connection; rejects with a {@link MysqlConnectorError} that names no secret. */
export function openConnection(ctx: StepContext, target: ConnectionTarget): Promise<Connection> {
  return new Promise((resolve, reject) => {
    if (ctx.signal.aborted) {
      reject(abortedError(ctx.stepId, ctx.signal));
      return;
    }
    const conn = createConnection(target.options);
    // A late socket error must not crash the process; each operation reports its own.
    conn.on('error', () => {});
    const onAbort = () => {
      conn.destroy();
      reject(abortedError(ctx.stepId, ctx.signal));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    conn.connect((err) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (err) {
        conn.destroy();
        reject(
          new MysqlConnectorError(
            MYSQL_ERROR_REASONS.CONNECTION_FAILED,
            ctx.stepId,
            target.redactor.text(
              `mysql.table step '${ctx.stepId}': could not connect to MySQL at ${target.where}: ${describeConnectError(err, target)}`,
            ),
            { cause: err },
          ),
        );
        return;
      }
      resolve(conn);
    });
  });
}

export function abortedError(stepId: string, signal: AbortSignal): MysqlConnectorError {
  return new MysqlConnectorError(
    MYSQL_ERROR_REASONS.ABORTED,
    stepId,
    `mysql.table step '${stepId}': the read was aborted (the run was interrupted or another step failed).`,
    { cause: signal.reason },
  );
}

/**
 * Replaces kysely's `?` placeholders by escaped literals (text protocol, so
 * the server formats dates and decimals exactly). Placeholders inside
 * backtick-quoted identifiers are left alone. The session runs without
 * NO_BACKSLASH_ESCAPES (see {@link prepareSession}), which is what the
 * escaping assumes.
 */
export function inlineParameters(sqlText: string, parameters: readonly unknown[]): string {
  let out = '';
  let last = 0;
  let p = 0;
  let inIdentifier = false;
  for (let i = 0; i < sqlText.length; i++) {
    const c = sqlText.charCodeAt(i);
    if (c === 96 /* ` */) {
      inIdentifier = !inIdentifier;
    } else if (c === 63 /* ? */ && !inIdentifier) {
      if (p >= parameters.length) throw new Error('internal: more placeholders than parameters');
      out += sqlText.slice(last, i) + escapeValue(parameters[p++]);
      last = i + 1;
    }
  }
  if (p !== parameters.length) throw new Error('internal: fewer placeholders than parameters');
  return out + sqlText.slice(last);
}

/** Runs one statement and resolves its rows (metadata queries only; reads stream). */
export function runQuery<T>(conn: Connection, sqlText: string, rowsAsArray = false): Promise<T[]> {
  return new Promise((resolve, reject) => {
    conn.query({ sql: sqlText, rowsAsArray, typeCast: exactFloats }, (err, rows) => {
      if (err) reject(err);
      else resolve(rows as T[]);
    });
  });
}

/**
 * Makes the session's string escaping unambiguous (backslash escapes on) and
 * lets the server wait for a slow consumer (a paused read) for up to 10 minutes.
 */
export async function prepareSession(conn: Connection): Promise<void> {
  await runQuery(
    conn,
    "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ',')), SESSION net_write_timeout = GREATEST(@@SESSION.net_write_timeout, 600)",
  );
}

/** How long a KILL may take to reach the server. */
const KILL_TIMEOUT_MS = 5000;

/**
 * Ends the server's side of a connection that its reader gives up on mid-query: `KILL <thread>`
 * through a second connection. Closing the socket stops a server only when it next writes, so one
 * that computes (a filter that matches few rows) or writes into a cut connection would go on, holding
 * its locks, for up to `net_write_timeout`. KILL rather than KILL QUERY: only a connection kill wakes a
 * thread blocked in a network write. Best effort, and bounded in time: errors are ignored.
 */
export function killThread(target: ConnectionTarget, threadId: number | null): void {
  if (threadId === null) return;
  const conn = createConnection({ ...target.options, connectTimeout: KILL_TIMEOUT_MS });
  conn.on('error', () => {});
  const timer = setTimeout(() => closeConnection(conn, false), KILL_TIMEOUT_MS);
  conn.query(`KILL ${Number(threadId)}`, () => {
    clearTimeout(timer);
    closeConnection(conn, false);
  });
}

/** Closes gracefully, or destroys when the connection is not idle. */
export function closeConnection(conn: Connection, graceful: boolean): void {
  if (graceful) {
    conn.end(() => {});
  } else {
    conn.destroy();
    // mysql2's destroy() only half-closes the socket: a server still sending a result to a paused
    // connection would wait for the reader (up to net_write_timeout). Closing the socket stops it at once.
    (conn as unknown as { stream?: { destroy?: () => void } }).stream?.destroy?.();
  }
}
