// SPDX-License-Identifier: MIT

// mysql2's code for a connection it lost; the server's for too many connections (of anyone, of this user).
const TRANSIENT_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS']);
// Too many connections, too many of this user's; the server shutting down, MariaDB's "Connection was killed" (both
// sent, when the socket has room, instead of simply closing the connection).
const TRANSIENT_ERRNOS = new Set([1040, 1203, 1053, 1927]);
const TRANSIENT_MESSAGE = /too many (client )?connections/i;

/**
 * The MySQL connector's retry verdict on one error (the runner asks for each
 * error of a chain): a connection the driver lost, too many connections, the
 * server shutting down or killing the connection.
 */
export function isTransientMysqlError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, errno, message } = error as { code?: unknown; errno?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && TRANSIENT_CODES.has(code)) ||
    (typeof errno === 'number' && TRANSIENT_ERRNOS.has(errno)) ||
    (typeof message === 'string' && TRANSIENT_MESSAGE.test(message))
  );
}
