// SPDX-License-Identifier: MIT
import { randomBytes } from 'node:crypto';

/** Who made an envelope. */
export type EnvelopeSource = 'chat' | 'generator' | 'validator' | 'runner' | 'supervisor';

/** What an envelope carries (ADR 0019). */
export type EnvelopeType = 'INTENT' | 'OML_DRAFT' | 'VALIDATION_REPORT' | 'RUN_MANIFEST' | 'RUN_RESULT' | 'ERROR';

/** The topics of the in-process bus. */
export type Topic = 'intent' | 'oml.generated' | 'validation.reports' | 'run.events';

export const ENVELOPE_SOURCES: readonly EnvelopeSource[] = ['chat', 'generator', 'validator', 'runner', 'supervisor'];
export const ENVELOPE_TYPES: readonly EnvelopeType[] = [
  'INTENT',
  'OML_DRAFT',
  'VALIDATION_REPORT',
  'RUN_MANIFEST',
  'RUN_RESULT',
  'ERROR',
];
export const TOPICS: readonly Topic[] = ['intent', 'oml.generated', 'validation.reports', 'run.events'];

/** `e_20261206T061500123Z_0001_ab12cd`: UTC time to the millisecond, a counter within it, a random tail. */
export const ENVELOPE_ID_PATTERN: RegExp = /^e_\d{8}T\d{9}Z_\d{4}_[0-9a-f]{6}$/;

/**
 * Every payload says what it is (`kind`); the dead-letter queue dispatches replays on it. Kinds in
 * use: `intent`, `draft`, `validation`, `state`, `event`, `step`, `rejects`.
 */
export interface EnvelopePayload {
  readonly kind: string;
  readonly [key: string]: unknown;
}

/**
 * One message between the parts of Osiris. `context` holds the session and labels a user gave,
 * never a secret; everything persisted passes the run's redactor first.
 */
export interface Envelope<P extends EnvelopePayload = EnvelopePayload> {
  /** Unique and time-sortable (`ENVELOPE_ID_PATTERN`). */
  readonly id: string;
  /** What the envelope belongs to: a run's correlation id, a chat session's id. */
  readonly correlation_id: string;
  /** ISO 8601 UTC with milliseconds. */
  readonly timestamp: string;
  readonly source: EnvelopeSource;
  readonly type: EnvelopeType;
  /** The JSON Schema of the payload, e.g. `osiris.v1/payload/state`. */
  readonly schema_ref: string;
  readonly payload: P;
  readonly context: Readonly<Record<string, string>>;
}

let lastStamp = '';
let counter = 0;
const tail = randomBytes(3).toString('hex');

/**
 * A new envelope id. Ids of one process rise strictly (a counter within the same millisecond);
 * ids of different processes sort by time, the random tail keeps them apart.
 *
 * @example
 * newEnvelopeId(new Date('2026-12-06T06:15:00.123Z')); // 'e_20261206T061500123Z_0000_3f9a1c'
 */
export function newEnvelopeId(date: Date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:.]/g, '');
  if (stamp === lastStamp) counter += 1;
  else {
    lastStamp = stamp;
    counter = 0;
  }
  return `e_${stamp}_${String(counter % 10_000).padStart(4, '0')}_${tail}`;
}

export interface EnvelopeInit<P extends EnvelopePayload> {
  readonly source: EnvelopeSource;
  readonly type: EnvelopeType;
  readonly correlationId: string;
  readonly payload: P;
  /** Default `osiris.v1/payload/<payload.kind>`. */
  readonly schemaRef?: string;
  readonly context?: Readonly<Record<string, string>>;
  readonly now?: () => Date;
}

/** A new envelope with a fresh id and the time. */
export function createEnvelope<P extends EnvelopePayload>(init: EnvelopeInit<P>): Envelope<P> {
  const at = (init.now ?? (() => new Date()))();
  return {
    id: newEnvelopeId(at),
    correlation_id: init.correlationId,
    timestamp: at.toISOString(),
    source: init.source,
    type: init.type,
    schema_ref: init.schemaRef ?? `osiris.v1/payload/${init.payload.kind}`,
    payload: init.payload,
    context: init.context ?? {},
  };
}

/** The JSON Schema (draft 2020-12) of an envelope: `osiris schema envelope`. */
export const envelopeSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://osiris.dev/schemas/envelope.json',
  title: 'Osiris envelope',
  description:
    'One message between the parts of Osiris (chat, generator, validator, runner, supervisor). Dead-letter items hold one in `envelope`. See docs/reference/envelope.md.',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'correlation_id', 'timestamp', 'source', 'type', 'schema_ref', 'payload', 'context'],
  properties: {
    id: {
      type: 'string',
      pattern: ENVELOPE_ID_PATTERN.source,
      description: 'Unique, sorts by the time it was made.',
    },
    correlation_id: { type: 'string', minLength: 1, description: "The run's correlation id, or a chat session id." },
    timestamp: { type: 'string', format: 'date-time', description: 'ISO 8601 UTC.' },
    source: { enum: [...ENVELOPE_SOURCES] },
    type: { enum: [...ENVELOPE_TYPES] },
    schema_ref: { type: 'string', minLength: 1, description: 'Names the schema of the payload.' },
    payload: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: {
          type: 'string',
          description: 'intent | draft | validation | state | event | step | rejects: what the payload is.',
        },
      },
    },
    context: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Session and user labels; never a secret.',
    },
  },
} as const;
