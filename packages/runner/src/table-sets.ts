// SPDX-License-Identifier: MIT
import type { ManifestStep } from '@osiris/compiler';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import type { Connector, ListedTable, LogLevel, StepContext } from './contracts';
import type { EventSink } from './events';
import type { Pipe, PlannedStep } from './plan';
import type { RunSettings } from './settings';

// Many tables from one step (ADR 0021): a source with `tables: [pattern, …]` is one step in the
// manifest, which stays pure and byte-identical; the table list is resolved here, at run time, and
// the pipe becomes one pipe per table. Each runs, retries and commits on its own, in an order that
// respects the foreign keys among the tables.

/** Where a sink's `table` template puts each source table's name (`raw_{table}`). */
export const TABLE_PLACEHOLDER = '{table}';

/** The id of one table's part of a step: `<step>.<table>`. Step ids have no dot, so the first one splits it. */
export function tableStepId(stepId: string, table: string): string {
  return `${stepId}.${table}`;
}

/** The step and table of a per-table step id, or `undefined` for a plain step id. */
export function splitTableStepId(id: string): { step: string; table: string } | undefined {
  const dot = id.indexOf('.');
  return dot <= 0 ? undefined : { step: id.slice(0, dot), table: id.slice(dot + 1) };
}

/** Whether a step's options ask for many tables. */
export function isTableSet(options: Readonly<Record<string, unknown>>): boolean {
  return Array.isArray(options.tables);
}

const isGlob = (pattern: string): boolean => /[*?]/.test(pattern);

/** A glob (`*` any run of characters, `?` one character; everything else literal) as an anchored RegExp. */
export function globPattern(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

/**
 * The tables a `tables`/`exclude` pair chooses from a schema's listing, in name order: base tables
 * whose name a pattern matches; a view only when a pattern is its exact name (a glob never picks a
 * view: copying one as a table is rarely what `*` meant); minus those an `exclude` pattern matches.
 * A pattern without `*` or `?` that names nothing is an error, as is a choice of no table at all.
 */
export function selectTables(
  listed: readonly ListedTable[],
  include: readonly string[],
  exclude: readonly string[],
): { readonly tables: ListedTable[]; readonly problems: string[] } {
  const problems: string[] = [];
  const globs = include.filter(isGlob).map(globPattern);
  const names = new Set(include.filter((pattern) => !isGlob(pattern)));
  for (const name of names) {
    if (!listed.some((table) => table.name === name)) problems.push(`no table or view is named "${name}"`);
  }
  const excluded = exclude.map(globPattern);
  const tables = listed
    .filter((table) => names.has(table.name) || (table.type === 'table' && globs.some((re) => re.test(table.name))))
    .filter((table) => !excluded.some((re) => re.test(table.name)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (tables.length === 0 && problems.length === 0) {
    problems.push(
      `the patterns ${include.map((p) => JSON.stringify(p)).join(', ')}${exclude.length > 0 ? ` less ${exclude.map((p) => JSON.stringify(p)).join(', ')}` : ''} choose no table`,
    );
  }
  return { tables, problems };
}

/**
 * Kahn's order of `names` where each comes after the tables it references (self references ignored),
 * ties by name; `undefined` when the references among them form a cycle.
 */
function topological(names: readonly string[], references: ReadonlyMap<string, ReadonlySet<string>>) {
  const chosen = new Set(names);
  const waitingFor = new Map(
    names.map((name) => [name, new Set([...(references.get(name) ?? [])].filter((r) => r !== name && chosen.has(r)))]),
  );
  const order: string[] = [];
  while (waitingFor.size > 0) {
    const ready = [...waitingFor].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0) return { order, cycle: [...waitingFor.keys()].sort() };
    ready.sort();
    const next = ready[0] as string;
    order.push(next);
    waitingFor.delete(next);
    for (const deps of waitingFor.values()) deps.delete(next);
  }
  return { order, cycle: undefined };
}

/**
 * The order to load tables in. The target's foreign keys (`hard`) must be respected, or a child's
 * rows would fail their check against a parent not loaded yet; the source's (`soft`) are followed
 * too when they can be, so that the order is the same before and after a target gains its keys.
 * A cycle among the target's keys cannot be loaded table by table (each table commits on its own),
 * and is an error that names the tables.
 */
export function loadOrder(
  names: readonly string[],
  hard: ReadonlyMap<string, ReadonlySet<string>>,
  soft: ReadonlyMap<string, ReadonlySet<string>>,
): { readonly order: string[]; readonly cycle?: string[] } {
  const both = new Map<string, Set<string>>();
  for (const name of names) both.set(name, new Set([...(hard.get(name) ?? []), ...(soft.get(name) ?? [])]));
  const first = topological(names, both);
  if (first.cycle === undefined) return { order: first.order };
  const strict = topological(names, hard);
  return strict.cycle === undefined ? { order: strict.order } : { order: strict.order, cycle: strict.cycle };
}

/** A source step's tables as the run resolved them, for the log, `metrics.json` and the failure message. */
export interface ResolvedTableSet {
  readonly step: string;
  readonly sink: string | undefined;
  /** Source table names, in load order. */
  readonly tables: readonly string[];
}

export interface ExpandOptions {
  readonly events: EventSink;
  readonly signal: AbortSignal;
  readonly settings: RunSettings;
}

function invalid(message: string, hint: string): OsirisError {
  return new OsirisError(OsirisErrorCode.Validation, message, { hint });
}

function contextFor(planned: PlannedStep, options: ExpandOptions): StepContext {
  return {
    stepId: planned.step.id,
    connection: planned.connection,
    chunkSize: options.settings.chunkSize,
    signal: options.signal,
    reporter: {
      log(level: LogLevel, message: string) {
        options.events({ type: 'note', level, step: planned.step.id, payload: { message } });
      },
    },
  };
}

async function listTables(connector: Connector, planned: PlannedStep, options: ExpandOptions, schema: unknown) {
  const list = connector.listTables;
  if (list === undefined) return undefined;
  return list.call(connector, contextFor(planned, options), typeof schema === 'string' ? { schema } : {});
}

const referencesOf = (tables: readonly ListedTable[]) =>
  new Map(tables.map((table) => [table.name, new Set(table.references)]));

function withoutKeys(options: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !keys.includes(key)));
}

/** A sink's target table for one source table: its template with the name put in, else the same name. */
export function targetTable(template: unknown, table: string): string {
  return typeof template === 'string' ? template.split(TABLE_PLACEHOLDER).join(table) : table;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

/**
 * Turns each pipe whose source reads `tables: [pattern, …]` into one pipe per table, in load order:
 * asks the source for its schema's tables, chooses them (`selectTables`), narrows them to the run's
 * `tables` setting (`osiris run --tables`), keys a merge without `merge_keys` by each table's
 * primary key, asks the sink for the foreign keys among its targets, and orders the loads
 * (`loadOrder`). Other pipes pass unchanged. Everything wrong is found before a row moves, and
 * thrown as an `OsirisError`.
 */
export async function expandTableSets(
  pipes: readonly Pipe[],
  options: ExpandOptions,
): Promise<{ readonly pipes: Pipe[]; readonly tableSets: ResolvedTableSet[] }> {
  const narrowTo = options.settings.tables;
  const expanded: Pipe[] = [];
  const tableSets: ResolvedTableSet[] = [];
  const unknownNarrowed = new Set(narrowTo);
  for (const pipe of pipes) {
    const { source, sink } = pipe;
    const sourceOptions = source.config.options;
    if (!isTableSet(sourceOptions)) {
      expanded.push(pipe);
      continue;
    }
    const where = `step "${source.step.id}" (${source.step.component})`;
    const listed = await listTables(source.connector, source, options, sourceOptions.schema);
    if (listed === undefined) {
      throw invalid(
        `${where} reads many tables, which its connector cannot list`,
        'Name one table with table:, or use a component whose connector lists tables.',
      );
    }
    const include = (sourceOptions.tables as string[]) ?? [];
    const exclude = Array.isArray(sourceOptions.exclude) ? (sourceOptions.exclude as string[]) : [];
    const { tables, problems } = selectTables(listed, include, exclude);
    if (problems.length > 0) {
      const available = listed.map((table) => table.name);
      throw invalid(
        `${where}: ${problems.join('; ')}`,
        `Its schema holds: ${available.length > 40 ? `${available.slice(0, 40).join(', ')}, …` : list(available)} (osiris discover lists them).`,
      );
    }
    let chosen = tables;
    if (narrowTo.length > 0) {
      chosen = tables.filter((table) => narrowTo.includes(table.name));
      for (const table of chosen) unknownNarrowed.delete(table.name);
    }
    if (chosen.length === 0) continue;

    const sinkOptions = sink?.config.options ?? {};
    if (sink !== undefined && sinkOptions.write_mode === 'merge' && sinkOptions.merge_keys === undefined) {
      const keyless = chosen.filter((table) => table.primaryKey.length === 0).map((table) => table.name);
      if (keyless.length > 0) {
        throw invalid(
          `step "${sink.step.id}" merges by each table's primary key, and ${keyless.length === 1 ? 'table' : 'tables'} ${keyless.join(', ')} of step "${source.step.id}" ${keyless.length === 1 ? 'has' : 'have'} none`,
          'Give merge_keys for every table, leave those tables out with exclude:, or add a primary key at the source.',
        );
      }
    }
    // The target's foreign keys among the tables, by source table name (the target may not exist yet).
    const hard = new Map<string, Set<string>>();
    const targets =
      sink === undefined ? undefined : await listTables(sink.connector, sink, options, sinkOptions.schema);
    if (targets !== undefined) {
      const sourceOf = new Map(chosen.map((table) => [targetTable(sinkOptions.table, table.name), table.name]));
      for (const target of targets) {
        const from = sourceOf.get(target.name);
        if (from === undefined) continue;
        hard.set(from, new Set(target.references.flatMap((ref) => sourceOf.get(ref) ?? [])));
      }
    }
    const names = chosen.map((table) => table.name);
    const { order, cycle } = loadOrder(names, hard, referencesOf(chosen));
    if (cycle !== undefined) {
      throw invalid(
        `the target's foreign keys among tables ${cycle.join(', ')} of step "${source.step.id}" form a cycle, so no table can be loaded first`,
        'Load them in one run of their own after dropping one of those foreign keys in the target (add it back after), or copy them with create_table into a schema without the keys.',
      );
    }
    const byName = new Map(chosen.map((table) => [table.name, table]));
    for (const name of order) {
      const table = byName.get(name) as ListedTable;
      const sourceId = tableStepId(source.step.id, name);
      const perSource: PlannedStep = {
        ...source,
        step: { ...source.step, id: sourceId },
        config: { ...source.config, options: { ...withoutKeys(sourceOptions, ['tables', 'exclude']), table: name } },
        table: { step: source.step.id, name },
      };
      const perSink: PlannedStep | undefined =
        sink === undefined
          ? undefined
          : {
              ...sink,
              step: { ...sink.step, id: tableStepId(sink.step.id, name), needs: [sourceId] },
              config: {
                ...sink.config,
                options: {
                  ...sinkOptions,
                  table: targetTable(sinkOptions.table, name),
                  ...(sinkOptions.write_mode === 'merge' && sinkOptions.merge_keys === undefined
                    ? { merge_keys: [...table.primaryKey] }
                    : {}),
                },
              },
              table: { step: sink.step.id, name },
            };
      expanded.push({ source: perSource, sink: perSink });
    }
    tableSets.push({ step: source.step.id, sink: sink?.step.id, tables: order });
    options.events({
      type: 'note',
      level: 'info',
      step: source.step.id,
      payload: {
        message: `${order.length} ${order.length === 1 ? 'table' : 'tables'}, in load order: ${order.join(', ')}`,
      },
    });
  }
  if (narrowTo.length > 0 && unknownNarrowed.size > 0) {
    const chosenNames = tableSets.flatMap((set) => set.tables);
    throw invalid(
      tableSets.length === 0 && !pipes.some((pipe) => isTableSet(pipe.source.config.options))
        ? '--tables narrows a step that reads tables: [pattern, …], and this pipeline has none'
        : `--tables names ${[...unknownNarrowed].join(', ')}, which no step's tables and exclude choose`,
      chosenNames.length > 0
        ? `Name tables the pipeline chooses, e.g. --tables ${chosenNames.slice(0, 2).join(',')}.`
        : 'Leave --tables out, or check the names against osiris discover.',
    );
  }
  return { pipes: expanded, tableSets };
}

/**
 * The steps a run reports, in manifest order: each step of a many-table pipe replaced by its
 * per-table steps (in load order), every other step as it is.
 */
export function reportedSteps(steps: readonly ManifestStep[], pipes: readonly Pipe[]): ManifestStep[] {
  const parts = new Map<string, ManifestStep[]>();
  for (const pipe of pipes) {
    for (const planned of [pipe.source, pipe.sink]) {
      if (planned?.table === undefined) continue;
      const list = parts.get(planned.table.step) ?? [];
      list.push(planned.step);
      parts.set(planned.table.step, list);
    }
  }
  return steps.flatMap((step) => parts.get(step.id) ?? [step]);
}

/**
 * For a failed table of a many-table pipe: which tables of its step committed before it and which
 * did not (it, and those after it), to end the run's error message with.
 */
export function tableSetOutcome(pipes: readonly Pipe[], failed: Pipe): string | undefined {
  const parts = split(pipes, failed);
  if (parts === undefined) return undefined;
  const verb = failed.sink === undefined ? 'read' : 'committed';
  return `${verb}: ${list(parts.done)}; not ${verb}: ${list(parts.rest)}`;
}

/** The failed table and those after it, comma-separated, for `--tables`. */
export function notCommitted(pipes: readonly Pipe[], failed: Pipe): string {
  return (split(pipes, failed)?.rest ?? []).join(',');
}

function split(pipes: readonly Pipe[], failed: Pipe): { done: string[]; rest: string[] } | undefined {
  const owner = failed.source.table?.step;
  if (owner === undefined) return undefined;
  const same = pipes.filter((pipe) => pipe.source.table?.step === owner);
  const at = same.indexOf(failed);
  const name = (pipe: Pipe) => pipe.source.table?.name ?? '';
  return { done: same.slice(0, at).map(name), rest: same.slice(at).map(name) };
}
