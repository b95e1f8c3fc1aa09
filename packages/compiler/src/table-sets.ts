// SPDX-License-Identifier: MIT
import type { Diagnostic } from '@osiris/registry';
import type { Analysis, ResolvedStep } from './validate';

// Many tables from one step (ADR 0021): the rules that tie a sink to its source, which a card alone
// cannot say because each card sees one step. The table list itself is resolved at run time; the
// compiled manifest only carries the patterns, so it stays pure and byte-identical.

const PLACEHOLDER = '{table}';

const manyTables = (step: ResolvedStep): boolean => Array.isArray(step.options.tables);

function error(
  step: ResolvedStep,
  field: string,
  rule: string,
  message: string,
  why: string,
  fix: string,
  example?: string,
): Diagnostic {
  return {
    severity: 'error',
    path: `${step.step.id}.options.${field}`,
    pointer: `${step.pointer}/options/${field}`,
    rule,
    message,
    why,
    fix,
    ...(example === undefined ? {} : { example }),
    ...(typeof step.step.id === 'string' ? { stepId: step.step.id } : {}),
  };
}

/**
 * Checks sources that read many tables (`tables: [pattern, …]`) against their sinks, in place:
 * drops what a card asks of every sink but a sink of such a source may leave out (`table`: each
 * table goes to the table of its name; `merge_keys`: each table merges by its primary key), and adds
 * what only the pair can tell: `{table}` only in a sink of many tables, no fixed `table` there (all
 * tables into one), `exclude` only beside `tables`, no `columns` or `filters` beside `tables`.
 */
export function checkTableSets(analysis: Analysis): void {
  const { diagnostics, sources, sinks } = analysis;
  const byId = new Map(sources.map((source) => [source.step.id, source]));
  for (const source of sources) {
    const { options } = source;
    if (options.exclude !== undefined && !manyTables(source)) {
      diagnostics.push(
        error(
          source,
          'exclude',
          'tableSet',
          'exclude only applies with tables',
          'exclude leaves tables out of the patterns of tables; this step names one table.',
          'Remove exclude, or replace table with tables: [pattern, …].',
          'tables: ["*"]',
        ),
      );
    }
    for (const field of ['columns', 'filters'] as const) {
      if (manyTables(source) && options[field] !== undefined) {
        diagnostics.push(
          error(
            source,
            field,
            'tableSet',
            `${field} applies to one table, not to tables`,
            'The tables of a pattern have different columns, so one list of columns or filters fits none of them.',
            `Remove ${field}, or read that table in a step of its own with table: and ${field}.`,
          ),
        );
      }
    }
  }
  for (const sink of sinks) {
    const input = sink.step.from ?? (sources.length === 1 ? sources[0]?.step.id : undefined);
    const source = input === undefined ? undefined : byId.get(input);
    if (source === undefined) continue;
    const table = sink.options.table;
    const templated = typeof table === 'string' && table.includes(PLACEHOLDER);
    if (manyTables(source)) {
      const relaxed = new Set([`${sink.pointer}/options/table`, `${sink.pointer}/options/merge_keys`]);
      for (let i = diagnostics.length - 1; i >= 0; i -= 1) {
        const d = diagnostics[i] as Diagnostic;
        if (d.rule === 'constraint.required' && relaxed.has(d.pointer)) diagnostics.splice(i, 1);
      }
      if (typeof table === 'string' && !templated) {
        diagnostics.push(
          error(
            sink,
            'table',
            'tableSet',
            `sink "${sink.step.id}" of many tables writes them all into one table "${table}"`,
            `Source "${source.step.id}" reads tables: each goes to a table of its own.`,
            `Leave table out (each table goes to the table of the same name), or make it a template with ${PLACEHOLDER}.`,
            `table: "raw_${PLACEHOLDER}"`,
          ),
        );
      }
    } else if (templated) {
      diagnostics.push(
        error(
          sink,
          'table',
          'tableSet',
          `${PLACEHOLDER} in table only applies to a sink of many tables`,
          `Source "${source.step.id}" reads one table, so there is no table name to put in.`,
          `Write the table's name, or read tables: [pattern, …] in source "${source.step.id}".`,
        ),
      );
    }
  }
}
