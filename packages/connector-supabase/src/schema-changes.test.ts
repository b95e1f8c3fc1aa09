// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { constantDefault } from './catalog';
import { typeChange } from './schema-changes';

describe('typeChange', () => {
  it.each([
    ['integer', 'integer', undefined, { kind: 'keep' }],
    ['bigint', 'integer', undefined, { kind: 'keep' }],
    ['integer', 'bigint', undefined, { kind: 'widen', to: 'bigint' }],
    ['smallint', 'integer', undefined, { kind: 'widen', to: 'integer' }],
    ['numeric(12,2)', 'numeric(10,2)', undefined, { kind: 'keep' }],
    ['numeric(6,2)', 'numeric(14,4)', undefined, { kind: 'widen', to: 'numeric(14,4)' }],
    ['integer', 'numeric(10,2)', undefined, { kind: 'widen', to: 'numeric(12,2)' }],
    ['numeric(12,2)', 'integer', undefined, { kind: 'keep' }],
    ['numeric(5,0)', 'bigint', undefined, { kind: 'widen', to: 'numeric(19,0)' }],
    ['real', 'double precision', undefined, { kind: 'widen', to: 'double precision' }],
    ['character varying(5)', 'text', 12, { kind: 'widen', to: 'character varying(12)' }],
    ['character varying(5)', 'character varying(3)', undefined, { kind: 'keep' }],
    ['character varying(5)', 'text', undefined, { kind: 'keep' }],
    ['text', 'character varying(500)', undefined, { kind: 'keep' }],
  ] as const)('%s ← %s (length %s)', (target, input, length, expected) => {
    expect(typeChange(target, input, length)).toEqual(expected);
  });

  it.each([
    ['integer', 'text'],
    ['numeric(12,2)', 'double precision'],
    ['bigint', 'real'],
    ['date', 'timestamp'],
    ['double precision', 'text'],
  ])('%s ← %s is lossy', (target, input) => {
    expect(typeChange(target, input).kind).toBe('lossy');
  });
});

describe('constantDefault', () => {
  it.each([
    ["'new'::text", 'new'],
    ["'it''s'::character varying", "it's"],
    ["'2020-01-01'::date", '2020-01-01'],
    ['42', '42'],
    ["'-1'::integer", '-1'],
    ['(-1)', '-1'],
    ['3.5', '3.5'],
    ['true', 'true'],
    ["'{}'::text[]", '{}'],
    ["nextval('t_id_seq'::regclass)", undefined],
    ['now()', undefined],
    ['CURRENT_TIMESTAMP', undefined],
    ["('a'::text || 'b'::text)", undefined],
    ['NULL::text', undefined],
    [null, undefined],
  ])('%s → %s', (expr, value) => {
    expect(constantDefault(expr)).toBe(value);
  });
});
