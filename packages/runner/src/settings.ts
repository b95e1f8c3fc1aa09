// SPDX-License-Identifier: MIT
import { createSchemaValidator, OsirisError, OsirisErrorCode } from '@osiris/registry';

// Every setting an engine honours lives in this file and nowhere else: the interface, its defaults and
// its schema. `runManifest` builds the object, engines read it from `EngineContext.settings`, and the
// e2b engine ships it to its sandbox as `settings.json`, read back by `parseRunSettings`. A new field
// (with a default) therefore reaches the local and the e2b engine without another change.

/** The longest delay a Node.js timer takes (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Every setting of a run that an engine honours. Build one with {@link parseRunSettings}. */
export interface RunSettings {
  /** Rows per batch (`execution.params.chunk_size` of the manifest). Default 10,000. */
  readonly chunkSize: number;
  /** Attempts per pipe, the first included, for a transient error. Default 3. */
  readonly retryAttempts: number;
  /** Delay before the second attempt; it doubles for each one after. Default 500 ms. */
  readonly retryBaseDelayMs: number;
  /** Upper bound of one delay between attempts. Default 5,000 ms. */
  readonly retryMaxDelayMs: number;
  /** Least time between two `progress` events of a step. Default 1,000 ms. */
  readonly progressIntervalMs: number;
  /**
   * How long a sink may wait for its source's next batch before the step fails: a silent source
   * (a cut connection, a stalled server) must not hang the run. 0 waits forever. Default ten minutes.
   */
  readonly idleTimeoutMs: number;
  /** Least level written to `run.log.jsonl`. Default `info`. */
  readonly logLevel: 'info' | 'debug';
  /** How secrets are masked: `fixed` writes the mask, `hash` a short stable hash. Default `fixed`. */
  readonly redactionStrategy: 'fixed' | 'hash';
  /**
   * Source tables a run is narrowed to (`osiris run --tables a,b`), among those the steps with
   * `tables: [pattern, …]` choose; empty: all of them. Default empty.
   */
  readonly tables: readonly string[];
  /** `--full-refresh`: incremental sources read every row, whatever their watermark. Default false. */
  readonly fullRefresh: boolean;
  /** `--since`: incremental sources read from this cursor value (a backfill; the watermark stays). Default none. */
  readonly since: string | null;
  /** `--until`: incremental sources read up to this cursor value (a backfill; the watermark stays). Default none. */
  readonly until: string | null;
}

/**
 * Ten minutes: as long as the MySQL reader lets its server wait for a slow sink (`net_write_timeout`),
 * and long enough for a filtered scan to find its next batch of rows.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

/** The value of every setting nobody set. */
export const DEFAULT_RUN_SETTINGS: RunSettings = Object.freeze({
  chunkSize: 10_000,
  retryAttempts: 3,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 5000,
  progressIntervalMs: 1000,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  logLevel: 'info',
  redactionStrategy: 'fixed',
  tables: Object.freeze([]) as readonly string[],
  fullRefresh: false,
  since: null,
  until: null,
});

const milliseconds = (description: string) =>
  ({ type: 'integer', minimum: 0, maximum: MAX_TIMER_MS, description }) as const;

/** The JSON Schema (draft 2020-12) of {@link RunSettings}; every property has its default. */
export const runSettingsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://osiris.dev/schemas/run-settings.v1.json',
  title: 'Osiris run settings',
  type: 'object',
  additionalProperties: false,
  properties: {
    chunkSize: {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Rows per batch.',
      default: DEFAULT_RUN_SETTINGS.chunkSize,
    },
    retryAttempts: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      description: 'Attempts per pipe, the first included.',
      default: DEFAULT_RUN_SETTINGS.retryAttempts,
    },
    retryBaseDelayMs: {
      ...milliseconds('Delay before the second attempt; doubles after.'),
      default: DEFAULT_RUN_SETTINGS.retryBaseDelayMs,
    },
    retryMaxDelayMs: {
      ...milliseconds('Upper bound of one delay between attempts.'),
      default: DEFAULT_RUN_SETTINGS.retryMaxDelayMs,
    },
    progressIntervalMs: {
      ...milliseconds('Least time between two progress events of a step.'),
      default: DEFAULT_RUN_SETTINGS.progressIntervalMs,
    },
    idleTimeoutMs: {
      ...milliseconds('How long a sink waits for its source; 0 waits forever.'),
      default: DEFAULT_RUN_SETTINGS.idleTimeoutMs,
    },
    logLevel: { enum: ['info', 'debug'], description: 'Least level logged.', default: DEFAULT_RUN_SETTINGS.logLevel },
    redactionStrategy: {
      enum: ['fixed', 'hash'],
      description: 'How secrets are masked.',
      default: DEFAULT_RUN_SETTINGS.redactionStrategy,
    },
    tables: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'Source tables the run is narrowed to; empty: all.',
      default: [],
    },
    fullRefresh: {
      type: 'boolean',
      description: 'Incremental sources read every row.',
      default: DEFAULT_RUN_SETTINGS.fullRefresh,
    },
    since: {
      type: ['string', 'null'],
      description: 'Backfill: incremental sources read from this cursor value.',
      default: DEFAULT_RUN_SETTINGS.since,
    },
    until: {
      type: ['string', 'null'],
      description: 'Backfill: incremental sources read up to this cursor value.',
      default: DEFAULT_RUN_SETTINGS.until,
    },
  },
} as const;

const check = createSchemaValidator(runSettingsSchema, { subject: 'run settings' });

/**
 * Run settings from a value (parsed JSON, an options object): fills every setting it leaves out (or
 * sets to `undefined`) with its default, and refuses anything else, an unknown key included, with an
 * `OsirisError(Config)` (exit 5) that names the setting.
 *
 * @example
 * parseRunSettings({ idleTimeoutMs: 0 }); // { chunkSize: 10000, …, idleTimeoutMs: 0, logLevel: 'info', … }
 * parseRunSettings(JSON.parse(await readFile('settings.json', 'utf8')));
 */
export function parseRunSettings(value: unknown): RunSettings {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OsirisError(OsirisErrorCode.Config, 'run settings must be a mapping of setting names to values', {
      hint: `Known settings: ${Object.keys(runSettingsSchema.properties).join(', ')}.`,
    });
  }
  // A copy without undefined values: the validator fills in defaults where a key is absent.
  const copy: Record<string, unknown> = Object.fromEntries(
    Object.entries(value).filter(([, setting]) => setting !== undefined),
  );
  const [first] = check(copy);
  if (first !== undefined) {
    throw new OsirisError(OsirisErrorCode.Config, `run settings: ${first.message}`, { hint: first.fix });
  }
  return Object.freeze(copy) as unknown as RunSettings;
}
