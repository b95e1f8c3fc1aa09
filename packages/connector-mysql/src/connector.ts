// SPDX-License-Identifier: MIT
import type { Connector } from '@osiris/runner';
import { discoverMysql } from './discover';
import { listMysqlTables } from './list-tables';
import { readQuery } from './query';
import { readTable } from './read';
import { isTransientMysqlError } from './transient';
import { writeTable } from './write';

/**
 * The `mysql.table` component: streams one MySQL or MariaDB table (or a
 * subset of its columns and rows) as batches of `ctx.chunkSize` rows, loads
 * rows into one with `LOAD DATA LOCAL INFILE` (append, merge by key, or
 * replace by an atomic swap), and discovers tables and columns.
 *
 * @example
 * const stream = await mysqlTableConnector.read!(ctx, { schema: 'shop', table: 'orders' });
 * for await (const batch of stream.batches) console.log(batch.length);
 */
export const mysqlTableConnector: Connector = {
  type: 'mysql.table',
  modes: ['read', 'write'],
  capabilities: ['discovery'],
  urlSchemes: ['mysql', 'mariadb'],
  // A server: whether a sandbox reaches its host is for the run to find out, as from this machine.
  sandbox: () => undefined,
  isTransient: isTransientMysqlError,
  read: (ctx, config) => (config.query === undefined ? readTable(ctx, config) : readQuery(ctx, config)),
  write: writeTable,
  discover: discoverMysql,
  listTables: listMysqlTables,
};
