// SPDX-License-Identifier: MIT
import type { ColumnKind } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { categoryOf, kindOf, needsTextComparison, postgresTypeFor } from './types';

describe('postgresTypeFor (the create_table type map)', () => {
  it.each([
    ['integer', 'tinyint(1)', {}, 'smallint'],
    ['integer', 'tinyint(4)', {}, 'smallint'],
    ['integer', 'tinyint(3) unsigned', {}, 'smallint'],
    ['integer', 'smallint(6)', {}, 'smallint'],
    ['integer', 'smallint(5) unsigned', {}, 'integer'],
    ['integer', 'mediumint(9)', {}, 'integer'],
    ['integer', 'int(11)', {}, 'integer'],
    ['integer', 'int(10) unsigned', {}, 'bigint'],
    ['integer', 'year(4)', {}, 'smallint'],
    ['integer', 'integer', {}, 'integer'],
    ['integer', 'something', {}, 'bigint'],
    ['bigint', 'bigint(20)', {}, 'bigint'],
    ['bigint', 'bigint(20) unsigned', {}, 'numeric(20,0)'],
    ['decimal', 'decimal(30,10)', { precision: 30, scale: 10 }, 'numeric(30,10)'],
    ['decimal', 'numeric', {}, 'numeric'],
    ['float', 'float', {}, 'real'],
    ['float', 'double', {}, 'double precision'],
    ['float', 'double precision', {}, 'double precision'],
    ['boolean', 'boolean', {}, 'boolean'],
    ['text', 'varchar(64)', { length: 64 }, 'text'],
    ['text', "enum('a','b')", {}, 'text'],
    ['date', 'date', {}, 'date'],
    ['timestamp', 'datetime(6)', {}, 'timestamp'],
    ['timestamptz', 'timestamptz', {}, 'timestamptz'],
    // MySQL TIME is a duration from -838:59:59 to 838:59:59; a Postgres or CSV time is a time of day.
    ['time', 'time(6)', {}, 'interval'],
    ['time', 'time', {}, 'interval'],
    ['time', 'time without time zone', {}, 'time'],
    ['time', 'time(3) without time zone', {}, 'time'],
    ['time', 'time (inferred)', {}, 'time'],
    ['json', 'json', {}, 'jsonb'],
    ['bytes', 'longblob', {}, 'bytea'],
    ['uuid', 'uuid', {}, 'uuid'],
  ] as const)('%s %s → %s', (kind, nativeType, extra, expected) => {
    expect(postgresTypeFor({ name: 'c', kind: kind as ColumnKind, nativeType, nullable: true, ...extra })).toBe(
      expected,
    );
  });
});

describe('Postgres type helpers', () => {
  it('maps type names onto kinds and encoder categories', () => {
    expect([kindOf('int8'), kindOf('jsonb'), kindOf('_int4'), kindOf('citext')]).toEqual([
      'bigint',
      'json',
      'text',
      'text',
    ]);
    expect([categoryOf('bool'), categoryOf('bpchar'), categoryOf('date')]).toEqual(['bool', 'text', 'other']);
  });

  it('compares json, xml, geometric types and their arrays as text', () => {
    expect(['json', '_json', 'point', 'jsonb', 'int4'].map(needsTextComparison)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
