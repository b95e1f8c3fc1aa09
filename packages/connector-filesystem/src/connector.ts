// SPDX-License-Identifier: MIT
import type { Connector } from '@osiris/runner';
import { discoverCsv } from './internal/discover';
import { readCsv } from './internal/read';
import { writeCsv } from './internal/write';

/**
 * The `filesystem.csv` component: streams the rows of a CSV file (column
 * types declared or inferred) as batches of `ctx.chunkSize` rows, writes rows
 * to a CSV file atomically (overwrite or append), and discovers the CSV files
 * of a folder.
 *
 * @example
 * const stream = await filesystemCsvConnector.read!(ctx, { path: 'orders.csv' });
 * await filesystemCsvConnector.write!(ctx, { path: 'copy.csv', write_mode: 'overwrite' }, stream);
 */
export const filesystemCsvConnector: Connector = {
  type: 'filesystem.csv',
  modes: ['read', 'write'],
  capabilities: ['discovery'],
  // Its connections name a folder (base_dir), not a URL.
  urlSchemes: [],
  sandbox: () => 'it reads and writes files on this machine, which a sandbox cannot reach',
  // A file system has no connection to lose: every error of a step is the same on another attempt.
  isTransient: () => false,
  read: readCsv,
  write: writeCsv,
  discover: discoverCsv,
};
