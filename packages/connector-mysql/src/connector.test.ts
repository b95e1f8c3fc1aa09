// SPDX-License-Identifier: MIT
import { isTransientError } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { mysqlTableConnector } from './connector';

const codeError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('mysqlTableConnector declares itself', () => {
  it('takes mysql:// and mariadb:// connections, on a server a sandbox may reach', () => {
    expect(mysqlTableConnector.urlSchemes).toEqual(['mysql', 'mariadb']);
    expect(mysqlTableConnector.sandbox?.({ url: 'mysql://root@db:3306/shop' })).toBeUndefined();
  });

  // The MySQL knowledge that was the runner's: the same errors are retried as before.
  it.each([
    [Object.assign(new Error('Too many connections'), { code: 'ER_CON_COUNT_ERROR', errno: 1040 }), true],
    [Object.assign(new Error('Too many connections'), { errno: 1040 }), true],
    [codeError('ER_TOO_MANY_USER_CONNECTIONS', "User 'app' has exceeded the 'max_user_connections' resource"), true],
    [Object.assign(new Error('User has more than max_user_connections'), { errno: 1203 }), true],
    [codeError('PROTOCOL_CONNECTION_LOST', 'Connection lost: The server closed the connection.'), true],
    [Object.assign(new Error('Connection was killed'), { errno: 1927 }), true],
    [Object.assign(new Error('Server shutdown in progress'), { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }), true],
    [new Error('read failed', { cause: codeError('PROTOCOL_CONNECTION_LOST') }), true],
    [Object.assign(codeError('PROTOCOL_CONNECTION_LOST'), { retryable: false }), false],
    [Object.assign(new Error("Unknown database 'nodb'"), { code: 'ER_BAD_DB_ERROR', errno: 1049 }), false],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), false],
  ])('%#: %s → transient %s', (error, expected) => {
    expect(isTransientError(error, mysqlTableConnector)).toBe(expected);
  });
});
