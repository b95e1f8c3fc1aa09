// SPDX-License-Identifier: MIT
import { MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';

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

export interface ReadConfig {
  readonly schema?: string;
  readonly table: string;
  readonly columns?: readonly string[];
  readonly filters: readonly Filter[];
}

function invalid(stepId: string, message: string): MysqlConnectorError {
  return new MysqlConnectorError(
    MYSQL_ERROR_REASONS.CONFIG_INVALID,
    stepId,
    `mysql.table step '${stepId}': ${message}`,
  );
}

function isScalar(value: unknown): value is FilterScalar {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

function optionalName(stepId: string, config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw invalid(stepId, `options.${key} must be a non-empty string.`);
  }
  return value;
}

/** Checks the step options of a `mysql.table` read (the registry validated them already; this guards direct callers). */
export function parseReadConfig(stepId: string, config: Readonly<Record<string, unknown>>): ReadConfig {
  const table = optionalName(stepId, config, 'table');
  if (table === undefined) {
    throw invalid(stepId, 'options.table is required (the table to read), e.g. `table: orders`.');
  }
  const schema = optionalName(stepId, config, 'schema');
  const rawColumns = config.columns;
  let columns: string[] | undefined;
  if (rawColumns !== undefined) {
    if (
      !Array.isArray(rawColumns) ||
      rawColumns.length === 0 ||
      !rawColumns.every((c): c is string => typeof c === 'string' && c.length > 0)
    ) {
      throw invalid(stepId, 'options.columns must be a non-empty list of column names.');
    }
    if (new Set(rawColumns).size !== rawColumns.length) {
      throw invalid(stepId, 'options.columns lists a column twice; list each column once.');
    }
    columns = rawColumns;
  }
  const filters = parseFilters(stepId, config.filters);
  return {
    table,
    filters,
    ...(schema === undefined ? {} : { schema }),
    ...(columns === undefined ? {} : { columns }),
  };
}

function parseFilters(stepId: string, raw: unknown): Filter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    throw invalid(stepId, 'options.filters must be a list of {column, op, value} predicates.');
  }
  return raw.map((item: unknown, index) => {
    const where = `options.filters[${index}]`;
    if (typeof item !== 'object' || item === null) {
      throw invalid(stepId, `${where} must be an object {column, op, value}.`);
    }
    const { column, op, value } = item as Record<string, unknown>;
    if (typeof column !== 'string' || column.length === 0) {
      throw invalid(stepId, `${where}.column must be a non-empty column name.`);
    }
    if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) {
      throw invalid(stepId, `${where}.op must be one of ${FILTER_OPS.join(', ')}.`);
    }
    const filterOp = op as FilterOp;
    if (filterOp === 'is_null' || filterOp === 'is_not_null') return { column, op: filterOp };
    if (filterOp === 'in' || filterOp === 'not_in') {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) {
        throw invalid(
          stepId,
          `${where}.value must be a non-empty list of strings, numbers or booleans for op ${filterOp}.`,
        );
      }
      return { column, op: filterOp, value };
    }
    if (!isScalar(value)) {
      throw invalid(stepId, `${where}.value must be a string, a finite number or a boolean for op ${filterOp}.`);
    }
    return { column, op: filterOp, value };
  });
}
