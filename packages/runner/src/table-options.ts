// SPDX-License-Identifier: MIT
// Type-only: kysely is loaded by the connectors that build SQL, never by the runner itself.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';

/** The structured row predicates `filters` of a table read (spec cards `mysql.table`, `supabase.table`). */
export const FILTER_OPS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'not_in',
  'like',
  'is_null',
  'is_not_null',
] as const;

export type FilterOp = (typeof FILTER_OPS)[number];
export type FilterScalar = string | number | boolean;

export interface Filter {
  readonly column: string;
  readonly op: FilterOp;
  readonly value?: FilterScalar | readonly FilterScalar[];
}

/** The options every table read shares: where, which columns, which rows. */
export interface TableReadOptions {
  readonly schema?: string;
  readonly table: string;
  readonly columns?: readonly string[];
  readonly filters: readonly Filter[];
}

function isScalar(value: unknown): value is FilterScalar {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Checks the options of a table read: `table`, `schema`, `columns` and
 * `filters`. The registry validated them already; this guards connectors
 * called directly (by embedders, or with a hand-edited config). `invalid`
 * builds the connector's own error from a message.
 */
export function parseTableReadOptions(
  config: Readonly<Record<string, unknown>>,
  invalid: (message: string) => Error,
): TableReadOptions {
  const optionalName = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0) throw invalid(`options.${key} must be a non-empty string.`);
    return value;
  };
  const table = optionalName('table');
  if (table === undefined) throw invalid('options.table is required (the table to read), e.g. `table: orders`.');
  const schema = optionalName('schema');
  const rawColumns = config.columns;
  let columns: string[] | undefined;
  if (rawColumns !== undefined) {
    if (
      !Array.isArray(rawColumns) ||
      rawColumns.length === 0 ||
      !rawColumns.every((c): c is string => typeof c === 'string' && c.length > 0)
    ) {
      throw invalid('options.columns must be a non-empty list of column names.');
    }
    if (new Set(rawColumns).size !== rawColumns.length) {
      throw invalid('options.columns lists a column twice; list each column once.');
    }
    columns = rawColumns;
  }
  return {
    table,
    filters: parseFilters(config.filters, invalid),
    ...(schema === undefined ? {} : { schema }),
    ...(columns === undefined ? {} : { columns }),
  };
}

function parseFilters(raw: unknown, invalid: (message: string) => Error): Filter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    throw invalid('options.filters must be a list of {column, op, value} predicates.');
  }
  return raw.map((item: unknown, index) => {
    const where = `options.filters[${index}]`;
    if (typeof item !== 'object' || item === null) {
      throw invalid(`${where} must be an object {column, op, value}.`);
    }
    const { column, op, value } = item as Record<string, unknown>;
    if (typeof column !== 'string' || column.length === 0) {
      throw invalid(`${where}.column must be a non-empty column name.`);
    }
    if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) {
      throw invalid(`${where}.op must be one of ${FILTER_OPS.join(', ')}.`);
    }
    const filterOp = op as FilterOp;
    if (filterOp === 'is_null' || filterOp === 'is_not_null') return { column, op: filterOp };
    if (filterOp === 'in' || filterOp === 'not_in') {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) {
        throw invalid(`${where}.value must be a non-empty list of strings, numbers or booleans for op ${filterOp}.`);
      }
      return { column, op: filterOp, value };
    }
    if (!isScalar(value)) {
      throw invalid(`${where}.value must be a string, a finite number or a boolean for op ${filterOp}.`);
    }
    return { column, op: filterOp, value };
  });
}

const COMPARISON = {
  eq: '=',
  ne: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  like: 'like',
  in: 'in',
  not_in: 'not in',
} as const;

/**
 * The AND of `filters` as a kysely expression, for any dialect: `ref` gives a
 * column's quoted reference (e.g. `sql.id('t', column)`), and every value
 * stays a bound parameter.
 */
export function filtersWhere(
  // biome-ignore lint/suspicious/noExplicitAny: table and column names are only known at run time.
  eb: ExpressionBuilder<any, any>,
  filters: readonly Filter[],
  ref: (column: string) => Expression<unknown>,
): Expression<SqlBool> {
  return eb.and(
    filters.map((filter): Expression<SqlBool> => {
      const column = ref(filter.column);
      switch (filter.op) {
        case 'is_null':
          return eb(column, 'is', null);
        case 'is_not_null':
          return eb(column, 'is not', null);
        default:
          return eb(column, COMPARISON[filter.op], filter.value);
      }
    }),
  );
}

/** The options every table sink shares (`supabase.table`, `mysql.table`). */
export interface TableWriteMode {
  readonly writeMode: 'append' | 'merge' | 'replace';
  readonly mergeKeys: readonly string[];
  readonly createTable: boolean;
}

/**
 * `write_mode`, `merge_keys` and `create_table` of a table sink, checked the same way for every
 * connector; `invalid` builds the connector's own error from a message.
 */
export function parseTableWriteMode(
  config: Readonly<Record<string, unknown>>,
  invalid: (message: string) => Error,
): TableWriteMode {
  const mode = config.write_mode ?? 'append';
  if (mode !== 'append' && mode !== 'merge' && mode !== 'replace') {
    throw invalid('options.write_mode must be append, merge or replace.');
  }
  const rawKeys = config.merge_keys;
  let mergeKeys: string[] = [];
  if (rawKeys !== undefined) {
    if (
      !Array.isArray(rawKeys) ||
      rawKeys.length === 0 ||
      !rawKeys.every((k): k is string => typeof k === 'string' && k.length > 0) ||
      new Set(rawKeys).size !== rawKeys.length
    ) {
      throw invalid('options.merge_keys must be a non-empty list of distinct column names.');
    }
    mergeKeys = rawKeys;
  }
  if (mode === 'merge' && mergeKeys.length === 0) {
    throw invalid('options.merge_keys is required when write_mode is merge, e.g. `merge_keys: [id]`.');
  }
  const createTable = config.create_table ?? false;
  if (typeof createTable !== 'boolean') throw invalid('options.create_table must be true or false.');
  return { writeMode: mode, mergeKeys, createTable };
}
