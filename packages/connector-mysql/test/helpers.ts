// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { makeStepContext } from '@osiris/test-utils';
import { type Connection, createConnection } from 'mysql2/promise';

export { caught, collect } from '@osiris/test-utils';

export const MYSQL_HOST = '127.0.0.1';
export const MYSQL_PORT = 3306;

export type { LogEntry } from '@osiris/test-utils';

/** A fresh database for one test file; connecting fails loudly when MariaDB is not running. */
export async function createTestDatabase(): Promise<{ name: string; admin: Connection; drop: () => Promise<void> }> {
  const name = `osiris_t_${randomBytes(5).toString('hex')}`;
  let admin: Connection;
  try {
    admin = await createConnection({
      host: MYSQL_HOST,
      port: MYSQL_PORT,
      user: 'root',
      multipleStatements: true,
      charset: 'UTF8MB4_GENERAL_CI',
    });
  } catch (err) {
    throw new Error(
      `These tests need MariaDB/MySQL on ${MYSQL_HOST}:${MYSQL_PORT} (user root, empty password): ${String(err)}`,
    );
  }
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.query(`USE \`${name}\``);
  return {
    name,
    admin,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/** A step context for calling the connector directly (step id `src` unless given). */
export function makeCtx(
  connection: Record<string, string>,
  options: { chunkSize?: number; signal?: AbortSignal; stepId?: string } = {},
) {
  return makeStepContext(connection, { stepId: 'src', ...options });
}
