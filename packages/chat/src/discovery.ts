// SPDX-License-Identifier: MIT
import { type Diagnostic, didYouMean, joinPointer, pointerToPath, type Registry } from '@osiris/registry';

/** A column as schema discovery reports it (structurally the runner's `DiscoveredColumn`). */
export interface DiscoveredColumn {
  readonly name: string;
  /** Portable kind (`integer`, `text`, `timestamp`, …). */
  readonly kind: string;
  /** The database's own type name. */
  readonly nativeType: string;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
}

/** A table as schema discovery reports it (structurally the runner's `DiscoveredTable`). */
export interface DiscoveredTable {
  readonly schema: string;
  readonly name: string;
  readonly approxRows: number | null;
  readonly columns: readonly DiscoveredColumn[];
}

export interface DiscoverRequest {
  readonly schema?: string;
  readonly table?: string;
  /** The component type of the step that names the connection, when the agent knows it (a hint). */
  readonly component?: string;
}

/**
 * Lists tables and columns behind a connection reference (`@mysql`). Injected
 * by the caller (the CLI wires the runner's cached discovery), so this package
 * needs no database driver and no secrets.
 */
export type DiscoverFunction = (connection: string, request: DiscoverRequest) => Promise<readonly DiscoveredTable[]>;

interface Fact {
  readonly connection: string;
  readonly schema: string | undefined;
  readonly table: string | undefined;
  readonly tables: readonly DiscoveredTable[];
}

type Lookup =
  | { readonly status: 'found'; readonly table: DiscoveredTable }
  | { readonly status: 'missing'; readonly candidates: readonly string[]; readonly scope: string }
  | { readonly status: 'unknown' };

/** What discovery has found so far in a session, and the questions it could not answer. */
export class DiscoveryFacts {
  readonly #facts: Fact[] = [];
  readonly #failed = new Set<string>();

  add(connection: string, request: DiscoverRequest, tables: readonly DiscoveredTable[]): void {
    this.#facts.push({ connection, schema: request.schema, table: request.table, tables });
  }

  markFailed(connection: string): void {
    this.#failed.add(connection);
  }

  failed(connection: string): boolean {
    return this.#failed.has(connection);
  }

  get size(): number {
    return this.#facts.length;
  }

  /**
   * Finds `schema.table` on a connection. `missing` only when some discovery
   * covered the place (the whole connection, the schema, or that very table)
   * and did not return it; `unknown` when nothing was asked there.
   */
  lookup(connection: string, schema: string | undefined, table: string): Lookup {
    const facts = this.#facts.filter((fact) => fact.connection === connection);
    for (const fact of facts) {
      const found = fact.tables.find((t) => t.name === table && (schema === undefined || t.schema === schema));
      if (found) return { status: 'found', table: found };
    }
    const covering = facts.filter(
      (fact) =>
        (fact.schema === undefined || fact.schema === schema) && (fact.table === undefined || fact.table === table),
    );
    if (covering.length === 0) return { status: 'unknown' };
    const candidates = new Set<string>();
    for (const fact of covering) {
      for (const t of fact.tables) if (schema === undefined || t.schema === schema) candidates.add(t.name);
    }
    return { status: 'missing', candidates: [...candidates].sort(), scope: schema ?? 'the connection' };
  }
}

/** A step of a draft as the discovery check reads it. */
interface StepView {
  readonly id: string;
  readonly type: string | undefined;
  readonly connection: string;
  readonly schema: string | undefined;
  readonly table: string | undefined;
  readonly options: Record<string, unknown>;
  readonly pointer: string;
  readonly from: string | undefined;
}

const CONNECTION_REF = /^@[A-Za-z0-9_-]+$/;
const unresolved = (value: unknown) => typeof value !== 'string' || value.includes('${');

function schemaDefault(registry: Registry, type: string | undefined): string | undefined {
  const spec = type === undefined ? undefined : registry.get(type);
  const properties = (spec?.configSchema as { properties?: Record<string, { default?: unknown }> } | undefined)
    ?.properties;
  const value = properties?.schema?.default;
  return typeof value === 'string' ? value : undefined;
}

function stepViews(oml: unknown, key: 'sources' | 'sinks', registry: Registry): StepView[] {
  const list = (oml as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) return [];
  return list.flatMap((raw, index): StepView[] => {
    if (raw === null || typeof raw !== 'object') return [];
    const step = raw as Record<string, unknown>;
    const options = (step.options !== null && typeof step.options === 'object' ? step.options : {}) as Record<
      string,
      unknown
    >;
    // Only references are looked up: an inline URL is an error of its own and is never handed to discovery.
    if (typeof step.connection !== 'string' || !CONNECTION_REF.test(step.connection)) return [];
    const type = typeof step.type === 'string' ? step.type : undefined;
    const schema = options.schema === undefined ? schemaDefault(registry, type) : options.schema;
    return [
      {
        id: typeof step.id === 'string' ? step.id : `${key}[${index}]`,
        type,
        connection: step.connection,
        schema: typeof schema === 'string' && !schema.includes('${') ? schema : undefined,
        table: unresolved(options.table) ? undefined : (options.table as string),
        options,
        pointer: joinPointer('', key, index),
        from: typeof step.from === 'string' ? step.from : undefined,
      },
    ];
  });
}

/** The places of a draft that discovery could answer for: connection, schema and table of each step. */
export function discoveryTargets(
  oml: unknown,
  registry: Registry,
): { connection: string; schema?: string; table: string; component?: string }[] {
  return [...stepViews(oml, 'sources', registry), ...stepViews(oml, 'sinks', registry)].flatMap((step) =>
    step.table === undefined
      ? []
      : [
          {
            connection: step.connection,
            table: step.table,
            ...(step.schema === undefined ? {} : { schema: step.schema }),
            ...(step.type === undefined ? {} : { component: step.type }),
          },
        ],
  );
}

/** The likely intended name: a close spelling, else a name the word contains or is part of (`amount_usd` → `amount`). */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const close = didYouMean(word, candidates);
  if (close !== undefined) return close;
  const lower = word.toLowerCase();
  const related = candidates.filter(
    (c) => c.length >= 2 && (lower.includes(c.toLowerCase()) || c.toLowerCase().includes(lower)),
  );
  return related.sort((a, b) => b.length - a.length)[0];
}

function list(names: readonly string[], limit = 25): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown}, … (${names.length - limit} more)` : shown;
}

function qualified(schema: string | undefined, table: string): string {
  return schema === undefined ? table : `${schema}.${table}`;
}

/**
 * Checks the tables and columns a draft names against what discovery found:
 * source `table`, `columns` and `filters[].column`, sink `table` and
 * `merge_keys`. A name discovery looked for and did not find is an error;
 * places discovery never looked at are not judged.
 */
export function checkDiscovery(oml: unknown, facts: DiscoveryFacts, registry: Registry): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const sources = stepViews(oml, 'sources', registry);
  const sinks = stepViews(oml, 'sinks', registry);
  const found = new Map<string, DiscoveredTable>();

  const report = (
    step: StepView,
    pointer: string,
    message: string,
    why: string,
    fix: string,
    example?: string,
    suggestion?: string,
  ) =>
    diagnostics.push({
      severity: 'error',
      path: `${step.id}.${pointerToPath(pointer.slice(step.pointer.length))}`,
      pointer,
      rule: 'discovery',
      message,
      why,
      fix,
      stepId: step.id,
      ...(example === undefined ? {} : { example }),
      ...(suggestion === undefined ? {} : { suggestion }),
    });

  const checkTable = (step: StepView, allowMissing: boolean): DiscoveredTable | undefined => {
    if (step.table === undefined) return undefined;
    const lookup = facts.lookup(step.connection, step.schema, step.table);
    if (lookup.status === 'found') {
      found.set(step.id, lookup.table);
      return lookup.table;
    }
    if (lookup.status === 'missing' && !allowMissing) {
      const suggestion = closest(step.table, lookup.candidates);
      report(
        step,
        joinPointer(step.pointer, 'options', 'table'),
        `table "${qualified(step.schema, step.table)}" was not found on ${step.connection}`,
        `Discovery of ${step.connection} (${lookup.scope}) found: ${list(lookup.candidates)}. A pipeline that names a missing table fails when it runs.`,
        suggestion === undefined
          ? 'Use one of the discovered tables.'
          : `Use one of the discovered tables; did you mean "${suggestion}"?`,
        `table: ${suggestion ?? lookup.candidates[0] ?? 'orders'}`,
        suggestion,
      );
    }
    return undefined;
  };

  const checkColumn = (step: StepView, table: DiscoveredTable, pointer: string, column: unknown, what: string) => {
    if (unresolved(column)) return;
    const names = table.columns.map((c) => c.name);
    if (names.includes(column as string)) return;
    const suggestion = closest(column as string, names);
    report(
      step,
      pointer,
      `${what} "${String(column)}" is not a column of ${table.schema}.${table.name} on ${step.connection}`,
      `Discovery found these columns in ${table.schema}.${table.name}: ${list(names, 40)}.`,
      suggestion === undefined
        ? 'Use a discovered column name, spelt exactly as discovered.'
        : `Use a discovered column name; did you mean "${suggestion}"?`,
      undefined,
      suggestion,
    );
  };

  for (const step of sources) {
    const table = checkTable(step, false);
    if (!table) continue;
    const columns = step.options.columns;
    if (Array.isArray(columns)) {
      for (const [index, column] of columns.entries()) {
        checkColumn(step, table, joinPointer(step.pointer, 'options', 'columns', index), column, 'column');
      }
    }
    const filters = step.options.filters;
    if (Array.isArray(filters)) {
      filters.forEach((filter, index) => {
        if (filter === null || typeof filter !== 'object') return;
        checkColumn(
          step,
          table,
          joinPointer(step.pointer, 'options', 'filters', index, 'column'),
          (filter as Record<string, unknown>).column,
          'filter column',
        );
      });
    }
  }

  for (const step of sinks) {
    const createTable = step.options.create_table === true;
    const table = checkTable(step, createTable);
    const keys = step.options.merge_keys;
    if (!Array.isArray(keys)) continue;
    const source =
      step.from === undefined
        ? sources.length === 1
          ? sources[0]
          : undefined
        : sources.find((s) => s.id === step.from);
    const sourceColumns = readColumns(source, found);
    keys.forEach((key, index) => {
      const pointer = joinPointer(step.pointer, 'options', 'merge_keys', index);
      if (table) {
        const before = diagnostics.length;
        checkColumn(step, table, pointer, key, 'merge key');
        if (diagnostics.length > before) {
          const primary = table.columns.filter((c) => c.primaryKey).map((c) => c.name);
          if (primary.length > 0) {
            const last = diagnostics.pop() as Diagnostic;
            diagnostics.push({
              ...last,
              fix: `${last.fix} The table's primary key is (${primary.join(', ')}), the usual merge key.`,
              example: `merge_keys: [${primary.join(', ')}]`,
            });
          }
          return;
        }
      }
      if (sourceColumns && !unresolved(key) && !sourceColumns.includes(key as string)) {
        const suggestion = closest(key as string, sourceColumns);
        report(
          step,
          pointer,
          `merge key "${String(key)}" is not among the columns source "${source?.id}" reads`,
          `Rows reach the sink with the source's columns only (${list(sourceColumns, 40)}); a merge key must be one of them.`,
          suggestion === undefined
            ? `Merge by a column the source reads, or add "${String(key)}" to the source's columns.`
            : `Merge by a column the source reads; did you mean "${suggestion}"?`,
          undefined,
          suggestion,
        );
      }
    });
  }
  return diagnostics;
}

function readColumns(source: StepView | undefined, found: ReadonlyMap<string, DiscoveredTable>): string[] | undefined {
  if (!source) return undefined;
  const columns = source.options.columns;
  if (Array.isArray(columns) && columns.every((c) => typeof c === 'string' && !c.includes('${'))) {
    return columns as string[];
  }
  return found.get(source.id)?.columns.map((c) => c.name);
}
