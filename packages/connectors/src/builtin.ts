// SPDX-License-Identifier: MIT
import { filesystemCsvConnector } from '@osiris/connector-filesystem';
import { mysqlTableConnector } from '@osiris/connector-mysql';
import { supabaseTableConnector } from '@osiris/connector-supabase';
import type { Connector } from '@osiris/runner';

/**
 * The connectors Osiris ships with, one per built-in component card:
 * `filesystem.csv`, `mysql.table` and `supabase.table`. Both engines, the e2b
 * runner bundle and `osiris discover` take their connectors from here (or
 * from a list given to them), so adding a built-in connector is its package
 * plus one line in this list.
 */
export const builtinConnectors: readonly Connector[] = [
  filesystemCsvConnector,
  mysqlTableConnector,
  supabaseTableConnector,
];
