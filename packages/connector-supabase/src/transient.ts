// SPDX-License-Identifier: MIT

// Postgres: too_many_connections, admin_shutdown (also pg_terminate_backend), crash_shutdown, cannot_connect_now,
// connection_failure, sqlclient_unable_to_establish_sqlconnection.
const TRANSIENT_CODES = new Set(['53300', '57P01', '57P02', '57P03', '08006', '08001']);
// pg's words for a connection it lost; a pooler's for too many clients.
const TRANSIENT_MESSAGE = /too many (client )?connections|connection terminated unexpectedly/i;

/**
 * The Postgres connector's retry verdict on one error (the runner asks for
 * each error of a chain): too many connections, the server shutting down,
 * restarting or ending the session, a connection pg lost.
 */
export function isTransientPostgresError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && TRANSIENT_CODES.has(code)) ||
    (typeof message === 'string' && TRANSIENT_MESSAGE.test(message))
  );
}
