// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { compileCopyOut, compileSelect, quoteLiteral } from './sql';

describe('quoteLiteral', () => {
  it.each([
    ['plain', "'plain'"],
    ["o'brien", "'o''brien'"],
    ['back\\slash', "E'back\\\\slash'"],
    ["\\'; DROP TABLE t; --", "E'\\\\''; DROP TABLE t; --'"],
    ['', "''"],
    ['\\N', "E'\\\\N'"],
    ['tab\there\nnew 😀', "'tab\there\nnew 😀'"],
  ])('%j → %s', (text, literal) => {
    expect(quoteLiteral(text)).toBe(literal);
  });
});

describe('compileCopyOut', () => {
  it('writes every filter value as a literal where the cursor binds a parameter', () => {
    const filters = [
      { column: 'na"me', op: 'in', value: ["o'brien", 'a\\b', 7, true] },
      { column: 'n', op: 'gte', value: -1.5 },
      { column: 'x', op: 'is_null' },
    ] as const;
    const cursor = compileSelect('my schema', 'ta"ble', ['na"me', 'n'], filters);
    expect(cursor.parameters).toEqual(["o'brien", 'a\\b', 7, true, -1.5]);
    expect(compileCopyOut('my schema', 'ta"ble', ['na"me', 'n'], filters)).toBe(
      `COPY (${cursor.sql
        .replace('$1', "'o''brien'")
        .replace('$2', "E'a\\\\b'")
        .replace('$3', "'7'")
        .replace('$4', "'true'")
        .replace('$5', "'-1.5'")}) TO STDOUT (FORMAT binary)`,
    );
    expect(cursor.sql).toContain('from "my schema"."ta""ble" as "t"');
  });

  it('gives up on a value with a NUL character, which no Postgres text holds', () => {
    expect(compileCopyOut('public', 't', ['a'], [{ column: 'a', op: 'eq', value: 'a\0b' }])).toBeUndefined();
    expect(compileCopyOut('public', 't', ['a'], [{ column: 'a', op: 'in', value: ['x', 'a\0b'] }])).toBeUndefined();
  });
});
