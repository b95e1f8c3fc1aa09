// SPDX-License-Identifier: MIT

/** A param's value as the compiler hands it over (`options.query_params`). */
export type QueryParamValue = string | number | boolean | null;

/** A read's `query`, with its `${params.name}` references turned into the database's placeholders. */
export interface QueryReadOptions {
  /** The query as written (for messages). */
  readonly query: string;
  /** The query with one placeholder per reference, in order. */
  readonly sql: string;
  /** The value of each placeholder, in order. */
  readonly values: readonly QueryParamValue[];
}

const REFERENCE = /\$\{params\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Statements that only read: what a query source may start with (after comments and parentheses). */
const READING = /^(select|with|values|table)\b/i;
/** Clauses of a SELECT that write files on the database server. */
const WRITES_FILES = /\binto\s+(outfile|dumpfile)\b/i;

/** The query's text without leading comments, whitespace and parentheses. */
function head(query: string): string {
  let rest = query;
  for (;;) {
    const trimmed = rest.replace(/^[\s(]+/, '');
    if (trimmed.startsWith('--') || trimmed.startsWith('#')) {
      const end = trimmed.indexOf('\n');
      rest = end < 0 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end < 0 ? '' : trimmed.slice(end + 2);
    } else return trimmed;
  }
}

/**
 * Checks the options of a query read (`query`, `query_params`) and binds its params: each
 * `${params.name}` becomes `placeholder(n)` (n from 1) and its value joins `values`, so that no
 * value is ever read as SQL (ADR 0022). A query must read: one SELECT (or WITH, VALUES, TABLE)
 * statement; the connector also runs it in a read-only transaction, which refuses what slips
 * past this check (a function that writes). `invalid` builds the connector's own error.
 */
export function parseQueryReadOptions(
  config: Readonly<Record<string, unknown>>,
  placeholder: (n: number) => string,
  invalid: (message: string) => Error,
): QueryReadOptions {
  const query = config.query;
  if (typeof query !== 'string' || query.trim().length === 0) {
    throw invalid('options.query must be a SELECT statement, e.g. `query: "SELECT id, total FROM orders"`.');
  }
  if (config.table !== undefined) {
    throw invalid('give either options.table or options.query, not both.');
  }
  if (!READING.test(head(query)) || WRITES_FILES.test(query)) {
    throw invalid(
      'options.query must be one statement that reads (SELECT, or WITH … SELECT); a query source never changes the database.',
    );
  }
  const rawParams = config.query_params ?? {};
  if (rawParams === null || typeof rawParams !== 'object' || Array.isArray(rawParams)) {
    throw invalid('options.query_params must map param names to values.');
  }
  const params = rawParams as Readonly<Record<string, unknown>>;
  const values: QueryParamValue[] = [];
  const sql = query.replace(REFERENCE, (_, name: string) => {
    if (!Object.hasOwn(params, name)) {
      throw invalid(`options.query refers to \${params.${name}}, which has no value; declare it under params:.`);
    }
    const value = params[name];
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw invalid(`\${params.${name}} must be text, a number, true/false or null.`);
    }
    values.push(value);
    return placeholder(values.length);
  });
  return { query, sql: sql.trim().replace(/;\s*$/, ''), values };
}
