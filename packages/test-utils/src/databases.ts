// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';
import { type Connection, createConnection } from 'mysql2/promise';
import { Client } from 'pg';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;
export const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root' } as const;

const uniqueName = () => `osiris_t_${randomBytes(5).toString('hex')}`;

export interface PgDatabase {
  readonly name: string;
  readonly url: string;
  /** A connected client on the new database, for setting up and checking tables. */
  readonly client: Client;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database for one test file; fails loudly when PostgreSQL is not running. */
export async function createPgDatabase(): Promise<PgDatabase> {
  const name = uniqueName();
  const root = new Client({ ...PG, database: 'postgres' });
  try {
    await root.connect();
  } catch (error) {
    throw new Error(
      `These tests need PostgreSQL on ${PG.host}:${PG.port} (user postgres, trust auth): ${String(error)}`,
    );
  }
  await root.query(`CREATE DATABASE ${name}`);
  const client = new Client({ ...PG, database: name });
  await client.connect();
  return {
    name,
    url: `postgresql://${PG.user}@${PG.host}:${PG.port}/${name}`,
    client,
    async drop() {
      await client.end();
      await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await root.end();
    },
  };
}

export interface MysqlDatabase {
  readonly name: string;
  readonly url: string;
  /** A connection with the new database selected, for setting up and checking tables. */
  readonly connection: Connection;
  drop(): Promise<void>;
}

/** A fresh MariaDB/MySQL database for one test file; fails loudly when the server is not running. */
export async function createMysqlDatabase(): Promise<MysqlDatabase> {
  const name = uniqueName();
  let connection: Connection;
  try {
    connection = await createConnection({ ...MYSQL, multipleStatements: true, charset: 'UTF8MB4_GENERAL_CI' });
  } catch (error) {
    throw new Error(
      `These tests need MariaDB on ${MYSQL.host}:${MYSQL.port} (user root, empty password): ${String(error)}`,
    );
  }
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await connection.query(`USE \`${name}\``);
  return {
    name,
    url: `mysql://${MYSQL.user}@${MYSQL.host}:${MYSQL.port}/${name}`,
    connection,
    async drop() {
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}
