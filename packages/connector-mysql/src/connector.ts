// SPDX-License-Identifier: MIT
import type { Connector } from '@osiris/runner';
import { discoverMysql } from './discover';
import { readTable } from './read';

/**
 * The `mysql.table` component: streams one MySQL or MariaDB table (or a
 * subset of its columns and rows) as batches of `ctx.chunkSize` rows, and
 * discovers tables and columns.
 *
 * @example
 * const stream = await mysqlTableConnector.read!(ctx, { schema: 'shop', table: 'orders' });
 * for await (const batch of stream.batches) console.log(batch.length);
 */
export const mysqlTableConnector: Connector = {
  type: 'mysql.table',
  modes: ['read'],
  capabilities: ['discovery'],
  read: readTable,
  discover: discoverMysql,
};
