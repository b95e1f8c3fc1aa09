// SPDX-License-Identifier: MIT
import { parseQueryReadOptions, type StepContext, type TabularStream } from '@osiris/runner';
import { type Connection, escape as escapeValue } from 'mysql2';
import { type CatalogColumn, toDescriptor } from './catalog';
import { closeConnection, openConnection, prepareSession, resolveConnection, runQuery } from './connection';
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';
import { MysqlBatches } from './read';
import { kindOf } from './types';

/** What mysql2 tells of a result column (`ColumnDefinition`). */
interface FieldInfo {
  readonly name: string;
  readonly columnType: number;
  readonly columnLength: number;
  readonly decimals: number;
  readonly flags: number;
  readonly characterSet: number;
}

const NOT_NULL = 1;
const UNSIGNED = 32;
const BINARY_CHARSET = 63;

/** MySQL protocol type codes → information_schema `DATA_TYPE` names. */
const TYPES: Readonly<Record<number, string>> = {
  0: 'decimal',
  1: 'tinyint',
  2: 'smallint',
  3: 'int',
  4: 'float',
  5: 'double',
  7: 'timestamp',
  8: 'bigint',
  9: 'mediumint',
  10: 'date',
  11: 'time',
  12: 'datetime',
  13: 'year',
  14: 'date',
  16: 'bit',
  245: 'json',
  246: 'decimal',
  255: 'geometry',
};

/** The column a result field stands for, as the catalog would describe a table column of its type. */
export function columnOfField(field: FieldInfo): CatalogColumn {
  const binary = field.characterSet === BINARY_CHARSET;
  const unsigned = (field.flags & UNSIGNED) !== 0;
  let dataType = TYPES[field.columnType];
  if (dataType === undefined) {
    // Strings and blobs (15, 249–254, enums and sets come back as strings): bytes when binary.
    if (field.columnType === 254) dataType = binary ? 'binary' : 'char';
    else if (field.columnType === 15 || field.columnType === 253) dataType = binary ? 'varbinary' : 'varchar';
    else dataType = binary ? 'blob' : 'text';
  }
  const kind = kindOf(dataType);
  let nativeType = dataType;
  let precision: number | null = null;
  let scale: number | null = null;
  if (kind === 'decimal') {
    scale = field.decimals;
    // The display length counts the sign (unless unsigned) and the point (when there are decimals).
    precision = field.columnLength - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1);
    nativeType = `decimal(${precision},${scale})`;
  } else if (dataType === 'tinyint' && field.columnLength === 1) {
    nativeType = 'tinyint(1)';
  }
  if (unsigned && (kind === 'integer' || kind === 'bigint' || kind === 'decimal')) nativeType += ' unsigned';
  return {
    schema: '',
    table: '',
    name: field.name,
    dataType,
    nativeType,
    kind,
    nullable: (field.flags & NOT_NULL) === 0,
    primaryKey: false,
    precision,
    scale,
    length: null,
    default: undefined,
    comment: '',
  };
}

/** The result columns of a statement, from the server's prepare: nothing runs. */
function describe(conn: Connection, sqlText: string): Promise<FieldInfo[]> {
  return new Promise((resolve, reject) => {
    conn.prepare(sqlText, (err, statement) => {
      if (err) {
        reject(err);
        return;
      }
      // mysql2 keeps the prepare's column definitions, which its types leave out.
      const columns = (statement as unknown as { columns?: FieldInfo[] }).columns ?? [];
      statement.close();
      resolve(columns);
    });
  });
}

/**
 * `read` of `mysql.table` with `query`: the statement is prepared on the server (`PREPARE … FROM`,
 * its `${params.x}` as `?`) and run with its values as user variables (`EXECUTE … USING`), so a
 * value is never SQL; in a `READ ONLY` transaction, so a statement that writes fails and changes
 * nothing. The column types come from the result's metadata; the rows stream like a table's.
 */
export async function readQuery(
  ctx: StepContext,
  rawConfig: Readonly<Record<string, unknown>>,
): Promise<TabularStream> {
  const { stepId } = ctx;
  const invalid = (message: string) =>
    new MysqlConnectorError(MYSQL_ERROR_REASONS.CONFIG_INVALID, stepId, `mysql.table step '${stepId}': ${message}`);
  const options = parseQueryReadOptions(rawConfig, () => '?', invalid);
  const target = resolveConnection(stepId, ctx.connection);
  const conn = await openConnection(ctx, target);
  try {
    await prepareSession(conn);
    await runQuery(conn, 'START TRANSACTION READ ONLY');
    const fields = await describe(conn, options.sql);
    if (fields.length === 0) throw invalid('options.query returns no columns; it must be a SELECT.');
    const seen = new Set<string>();
    for (const f of fields) {
      if (seen.has(f.name)) {
        throw invalid(`options.query returns the column '${f.name}' twice; give each column its own name (AS …).`);
      }
      seen.add(f.name);
    }
    const columns = fields.map(columnOfField);
    await runQuery(conn, `PREPARE osiris_query FROM ${escapeValue(options.sql)}`);
    const variables = options.values.map((_, i) => `@osiris_p${i + 1}`);
    if (variables.length > 0) {
      await runQuery(conn, `SET ${options.values.map((v, i) => `${variables[i]} = ${escapeValue(v)}`).join(', ')}`);
    }
    const execute = `EXECUTE osiris_query${variables.length > 0 ? ` USING ${variables.join(', ')}` : ''}`;
    const batches = new MysqlBatches(ctx, conn, execute, columns, 'the query', target);
    batches.prefetch();
    const descriptors = columns.map(toDescriptor);
    return batches.textBatches === undefined
      ? { columns: descriptors, batches }
      : { columns: descriptors, batches, textBatches: batches.textBatches };
  } catch (err) {
    closeConnection(conn, false);
    if (err instanceof MysqlConnectorError) throw err;
    throw new MysqlConnectorError(
      MYSQL_ERROR_REASONS.QUERY_FAILED,
      stepId,
      target.redactor.text(
        `mysql.table step '${stepId}': the query failed: ${err instanceof Error ? err.message : String(err)}. Check options.query (run it in a MySQL client to see the same error).`,
      ),
      { cause: err },
    );
  }
}
