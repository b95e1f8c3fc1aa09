// SPDX-License-Identifier: MIT
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepConfig } from '@osiris/compiler';
import {
  createRedactor,
  isSecretName,
  OsirisError,
  OsirisErrorCode,
  type RedactionStrategy,
  type Redactor,
} from '@osiris/registry';
import type {
  ColumnDescriptor,
  ColumnKind,
  Connector,
  RejectedRow,
  Row,
  StepContext,
  StepReporter,
  WriteResult,
} from './contracts';
import type { StepResult } from './engine';

/** The folder of a run folder that holds the rows sinks set aside (ADR 0020). */
export const REJECTS_DIR = 'rejects';

/** Where a step's rejected rows are, relative to the run folder: `rejects/<step>.jsonl`. */
export function rejectsFileOf(stepId: string): string {
  return `${REJECTS_DIR}/${stepId}.jsonl`;
}

/** How the run masks: its strategy and mask, for the values of secret-named columns. */
export interface RejectsMasking {
  readonly strategy?: RedactionStrategy;
  readonly mask?: string;
}

/** A row with the value of every column whose name says it holds a secret (`password`, `api_key`) masked. */
function maskSecretColumns(row: RejectedRow, masking: RejectsMasking): RejectedRow {
  const secret = Object.keys(row.values).filter((name) => isSecretName(name) && row.values[name] != null);
  if (secret.length === 0) return row;
  const values = { ...row.values };
  for (const name of secret) {
    const text = typeof values[name] === 'string' ? (values[name] as string) : JSON.stringify(values[name]);
    const masked = createRedactor({ knownSecrets: [text], ...masking }).text(text);
    // The redactor leaves values shorter than four characters to its patterns: mask those whole.
    values[name] = masked === text ? (masking.mask ?? '***') : masked;
  }
  return { ...row, values };
}

/**
 * Writes each step's rejected rows to `rejects/<step>.jsonl` in the run folder, one JSON object a
 * line (`row`, `values`, `sqlstate`, `message`), every line through the run's redactor, and the
 * values of columns with secret-looking names (`isSecretName`) masked whatever they hold; returns
 * the steps with `rowsRejected` and `rejectsFile` and without the rows themselves.
 */
export async function writeRejects(
  runDir: string,
  steps: readonly StepResult[],
  redactor: Redactor,
  masking: RejectsMasking = {},
): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const step of steps) {
    const { rejected, ...rest } = step;
    if (rejected === undefined || rejected.length === 0) {
      out.push(rest);
      continue;
    }
    const file = rejectsFileOf(step.id);
    await mkdir(join(runDir, REJECTS_DIR), { recursive: true });
    const lines = rejected.map((row) => `${JSON.stringify(redactor.value(maskSecretColumns(row, masking)))}\n`);
    await writeFile(join(runDir, file), lines.join(''));
    out.push({ ...rest, rowsRejected: rejected.length, rejectsFile: file });
  }
  return out;
}

/** The rows of a rejects file; a line that is not a rejected row is a configuration error naming the line. */
export async function readRejects(file: string): Promise<RejectedRow[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `cannot read the rejects file ${file}`, {
      cause: error,
      hint: 'Give the rejects/<step>.jsonl file of a run folder.',
    });
  }
  const rows: RejectedRow[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const row = parsed as Partial<RejectedRow> | undefined;
    if (
      typeof row !== 'object' ||
      row === null ||
      typeof row.row !== 'number' ||
      typeof row.values !== 'object' ||
      row.values === null
    ) {
      throw new OsirisError(OsirisErrorCode.Config, `${file}, line ${i + 1}: not a rejected row`, {
        hint: 'Each line of a rejects file is {"row": n, "values": {...}, "sqlstate": "...", "message": "..."}.',
      });
    }
    rows.push(row as RejectedRow);
  }
  return rows;
}

/** A bytes value as a rejects file holds it. */
function isHex(value: unknown): value is { $hex: string } {
  return typeof value === 'object' && value !== null && typeof (value as { $hex?: unknown }).$hex === 'string';
}

/**
 * The columns and rows of rejected rows, to be written again: every column as `text` (the database
 * reads each value as its column's type, as COPY does), but `bytes` for a column with bytes.
 */
function replayInput(rows: readonly RejectedRow[]): { columns: ColumnDescriptor[]; rows: Row[] } {
  const names: string[] = [];
  const kinds = new Map<string, ColumnKind>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row.values)) {
      if (!kinds.has(name)) {
        names.push(name);
        kinds.set(name, 'text');
      }
      if (isHex(value)) kinds.set(name, 'bytes');
    }
  }
  const columns = names.map(
    (name): ColumnDescriptor => ({ name, kind: kinds.get(name) as ColumnKind, nullable: true, nativeType: 'text' }),
  );
  const values = rows.map((row) =>
    names.map((name) => {
      const value = row.values[name];
      if (value === undefined || value === null) return null;
      if (isHex(value)) return Buffer.from(value.$hex, 'hex');
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return JSON.stringify(value);
    }),
  );
  return { columns, rows: values };
}

export interface ReplayRejectsOptions {
  /** The rejects file: `<run folder>/rejects/<step>.jsonl`. */
  readonly file: string;
  /** The sink step's compiled config (`cfg/<step>.json` of the run folder); its `options` are the sink's. */
  readonly config: StepConfig;
  /** The sink's connector (of `config.component`, e.g. from `connectorSet(builtinConnectors).get(…)`). */
  readonly connector: Connector;
  /** The resolved connection of `config.connection` (from `resolveConnections`, with today's secrets). Memory only. */
  readonly connection: Readonly<Record<string, string>>;
  /**
   * Rows the replay may set aside again; default 0, so that a replay whose cause is not fixed fails
   * and changes nothing (and the item stays to be replayed).
   */
  readonly maxRejects?: number;
  readonly signal?: AbortSignal;
  /** The connector's notes; default: dropped. */
  readonly reporter?: StepReporter;
}

export interface ReplayRejectsResult extends WriteResult {
  /** Rows read from the file and sent. */
  readonly rowsReplayed: number;
}

/**
 * Sends the rows of a rejects file (ADR 0020) through the sink step's own write path again, in one
 * transaction: the same table, `write_mode` and `merge_keys` (a merge makes a second replay change
 * nothing), with `max_rejects` 0 unless `maxRejects` says otherwise, so that a cause not yet fixed
 * fails the replay (a `ConnectorError`, exit 4) and leaves the target unchanged. The values are
 * those in the file: a value the run's redactor masked is written masked.
 *
 * @example
 * const [config] = … // cfg/dst.json of the run folder
 * const { connections } = await resolveConnections([config.connection], { registry, env: process.env });
 * await replayRejects({ file: join(runDir, 'rejects/dst.jsonl'), config,
 *   connector: connectorSet(builtinConnectors).get(config.component), connection: connections.get(config.connection) });
 */
export async function replayRejects(options: ReplayRejectsOptions): Promise<ReplayRejectsResult> {
  const { config, connector } = options;
  if (connector.write === undefined || config.mode !== 'write') {
    throw new OsirisError(
      OsirisErrorCode.Config,
      `step "${config.id}" (${config.component}) is not a write step: its rejects cannot be replayed`,
    );
  }
  const rejected = await readRejects(options.file);
  const { columns, rows } = replayInput(rejected);
  if (rows.length === 0) return { rowsReplayed: 0, rowsWritten: 0 };
  const ctx: StepContext = {
    stepId: config.id,
    connection: options.connection,
    chunkSize: 10_000,
    signal: options.signal ?? new AbortController().signal,
    reporter: options.reporter ?? { log: () => {} },
  };
  const batches = (async function* () {
    for (let i = 0; i < rows.length; i += ctx.chunkSize) yield rows.slice(i, i + ctx.chunkSize);
  })();
  const result = await connector.write(
    ctx,
    // A rejected row came from a sink with max_rejects; other sinks are left their own options.
    config.options.max_rejects === undefined && options.maxRejects === undefined
      ? config.options
      : { ...config.options, max_rejects: options.maxRejects ?? 0 },
    { columns, batches },
  );
  return { ...result, rowsReplayed: rows.length };
}
