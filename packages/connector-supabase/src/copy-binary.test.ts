// SPDX-License-Identifier: MIT
import type { ColumnKind } from '@osiris/runner';
import { textBatchOf } from '@osiris/test-utils';
import { describe, expect, it } from 'vitest';
import { BinaryCopyEncoder, binaryCopyPlan } from './copy-binary';

const HEADER = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** Encodes one column of values and splits the result into its fields (null for NULL). */
function fields(kind: ColumnKind, typname: string, values: readonly (string | null)[]): (Buffer | null)[] {
  const plan = binaryCopyPlan([kind], [typname]);
  if (plan === undefined) throw new Error(`no binary plan for ${kind} → ${typname}`);
  const out = new BinaryCopyEncoder(plan, ['v']).encodeText(textBatchOf(values.map((v) => [v])), 0);
  expect(out.subarray(0, HEADER.length)).toEqual(HEADER);
  let off = HEADER.length + 8;
  const result: (Buffer | null)[] = [];
  for (let r = 0; r < values.length; r++) {
    expect(out.readInt16BE(off)).toBe(1);
    const len = out.readInt32BE(off + 2);
    off += 6;
    if (len < 0) result.push(null);
    else {
      result.push(out.subarray(off, off + len));
      off += len;
    }
  }
  expect(off).toBe(out.length);
  return result;
}

const hex = (b: Buffer | null) => b?.toString('hex') ?? null;

/** Microseconds from 2000-01-01 00:00:00 UTC, computed with Date and BigInt. */
function micros(date: string, time = '00:00:00', fraction = 0): bigint {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss] = time.split(':').map(Number) as [number, number, number];
  const at = new Date(0);
  at.setUTCFullYear(y, m - 1, d);
  at.setUTCHours(hh, mm, ss, 0);
  return BigInt(at.getTime() - Date.UTC(2000, 0, 1)) * 1000n + BigInt(fraction);
}

describe('binaryCopyPlan', () => {
  it('takes the pairs with an exact binary form and nothing else', () => {
    expect(
      binaryCopyPlan(['integer', 'bigint', 'decimal', 'text', 'json'], ['int4', 'int8', 'numeric', 'varchar', 'jsonb']),
    ).toBeDefined();
    expect(
      binaryCopyPlan(['date', 'timestamp', 'uuid', 'bytes'], ['timestamptz', 'timestamp', 'uuid', 'bytea']),
    ).toBeDefined();
    expect(binaryCopyPlan(['float'], ['float8'])).toBeDefined();
    // Each of these would need a conversion Postgres's text parser does (or refuses) differently.
    for (const [kind, typname] of [
      ['integer', 'bool'],
      ['decimal', 'int4'],
      ['timestamp', 'date'],
      ['time', 'time'],
      ['text', 'bytea'],
      ['bytes', 'text'],
      ['text', 'citext'],
      ['text', 'my_enum'],
      ['timestamptz', 'timestamptz'],
      // Postgres reads a decimal straight into a float4; through a double first it could round twice.
      ['float', 'float4'],
      ['float', 'numeric'],
      ['integer', 'float8'],
    ] as const) {
      expect(binaryCopyPlan(['integer', kind], ['int4', typname]), `${kind} → ${typname}`).toBeUndefined();
    }
  });
});

describe('BinaryCopyEncoder', () => {
  it('writes integers in the width of the target column', () => {
    expect(fields('integer', 'int2', ['-32768', '32767', '0']).map(hex)).toEqual(['8000', '7fff', '0000']);
    expect(fields('integer', 'int4', ['-2147483648', '2147483647', '-1']).map(hex)).toEqual([
      '80000000',
      '7fffffff',
      'ffffffff',
    ]);
    const int8 = ['9223372036854775807', '-9223372036854775808', '9007199254740993', '-5', '4294967296', '0'];
    expect(fields('bigint', 'int8', int8).map((b) => b?.readBigInt64BE(0))).toEqual(int8.map(BigInt));
  });

  it('refuses integers out of the column range or not integers, as COPY text does', () => {
    expect(() => fields('integer', 'int2', ['32768'])).toThrow(
      `input row 1, column 'v': value "32768" is out of range for type smallint`,
    );
    expect(() => fields('integer', 'int4', ['2147483648'])).toThrow('out of range for type integer');
    expect(() => fields('bigint', 'int8', ['18446744073709551615'])).toThrow('out of range for type bigint');
    expect(() => fields('integer', 'int4', ['1.5'])).toThrow('invalid input syntax for type integer: "1.5"');
    expect(() => fields('integer', 'int4', [''])).toThrow('invalid input syntax');
  });

  it('writes a float8 as the IEEE 754 bits of the double its decimal stands for', () => {
    const values = ['405.40353712197725', '5e-324', '-5e-324', '1.7976931348623157e308', '2.2250738585072014E-308'];
    const more = ['1e23', '1e+23', '-0', '0', '0e-400', '.5', '1.', '+2', 'NaN', 'Infinity', '-Infinity', null];
    const expected = [...values, ...more].map((v) => (v === null ? null : Buffer.alloc(8)));
    [...values, ...more].forEach((v, i) => {
      if (v !== null) expected[i]?.writeDoubleBE(Number(v));
    });
    expect(fields('float', 'float8', [...values, ...more]).map(hex)).toEqual(expected.map(hex));
    expect(hex(fields('float', 'float8', ['405.40353712197725'])[0] ?? null)).toBe('40795674e35759d4');
    expect(hex(fields('float', 'float8', ['-0'])[0] ?? null)).toBe('8000000000000000');
  });

  it("refuses anything but a decimal, NaN or ±Infinity, and values out of range, in Postgres's words", () => {
    for (const bad of ['', 'abc', '1e', '0x10', ' 1', '1_0', '--1', 'e5', '.', 'inf', '1.5.5']) {
      expect(() => fields('float', 'float8', [bad]), bad).toThrow(
        `input row 1, column 'v': invalid input syntax for type double precision: "${bad}"`,
      );
    }
    for (const bad of ['1e309', '-1e400', '1e-400', '2e-324']) {
      expect(() => fields('float', 'float8', [bad]), bad).toThrow(
        `input row 1, column 'v': "${bad}" is out of range for type double precision`,
      );
    }
  });

  it('writes decimals as base-10000 numeric digits with weight, sign and scale', () => {
    // ndigits, weight, sign, dscale, digits…
    const numeric = (...words: number[]) => Buffer.from(new Uint16Array(words).buffer).swap16().toString('hex');
    expect(fields('decimal', 'numeric', ['12345678.90']).map(hex)).toEqual([numeric(3, 1, 0, 2, 1234, 5678, 9000)]);
    expect(fields('decimal', 'numeric', ['-0.0000000001']).map(hex)).toEqual([numeric(1, -3, 0x4000, 10, 100)]);
    expect(fields('decimal', 'numeric', ['0.00', '-0.00', '0']).map(hex)).toEqual([
      numeric(0, 0, 0, 2),
      numeric(0, 0, 0, 2),
      numeric(0, 0, 0, 0),
    ]);
    expect(fields('decimal', 'numeric', ['10000', '007.5', '.5', '5.']).map(hex)).toEqual([
      numeric(1, 1, 0, 0, 1),
      numeric(2, 0, 0, 1, 7, 5000),
      numeric(1, -1, 0, 1, 5000),
      numeric(1, 0, 0, 0, 5),
    ]);
    expect(fields('bigint', 'numeric', ['-18446744073709551615']).map(hex)).toEqual([
      numeric(5, 4, 0x4000, 0, 1844, 6744, 737, 955, 1615),
    ]);
    for (const bad of ['1.2.3', '-', '.', '1e5', 'NaN']) {
      expect(() => fields('decimal', 'numeric', [bad]), bad).toThrow('invalid input syntax for type numeric');
    }
  });

  it('writes any decimal so that reading the numeric back gives the same number and scale', () => {
    /** The text Postgres prints for a binary numeric: the digits from the weight, then dscale decimals. */
    const decode = (b: Buffer) => {
      const [count, weight, sign, scale] = [b.readUInt16BE(0), b.readInt16BE(2), b.readUInt16BE(4), b.readUInt16BE(6)];
      const groups = Array.from({ length: count }, (_, k) => b.readUInt16BE(8 + 2 * k));
      let whole = '';
      for (let w = weight; w >= 0; w--) whole += String(groups[weight - w] ?? 0).padStart(4, '0');
      let fraction = '';
      for (let w = -1; fraction.length < scale; w--) fraction += String(groups[weight - w] ?? 0).padStart(4, '0');
      const digits = `${whole.replace(/^0+/, '') || '0'}${scale > 0 ? `.${fraction.slice(0, scale)}` : ''}`;
      return sign === 0x4000 ? `-${digits}` : digits;
    };
    const normal = (text: string) => {
      const negative = text.startsWith('-');
      const [whole = '', fraction] = text.replace(/^[-+]/, '').split('.');
      const digits = `${whole.replace(/^0+/, '') || '0'}${fraction === undefined || fraction === '' ? '' : `.${fraction}`}`;
      return negative && /[1-9]/.test(digits) ? `-${digits}` : digits;
    };
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const values: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const digits = (n: number) => Array.from({ length: n }, () => String(random(10))).join('');
      const whole = digits(random(22));
      const fraction = random(3) === 0 ? '' : digits(random(18));
      const text = `${['', '-', '+'][random(3)]}${whole}${random(4) === 0 && fraction === '' ? '' : '.'}${fraction}`;
      if (/\d/.test(text)) values.push(text);
    }
    const encoded = fields('decimal', 'numeric', values);
    values.forEach((value, i) => {
      expect(decode(encoded[i] as Buffer), value).toBe(normal(value));
    });
  });

  it('writes dates and date-times as days and microseconds since 2000, exactly, far from 2000 too', () => {
    const dates = ['2000-01-01', '1999-12-31', '0001-01-01', '9999-12-31', '2024-02-29'];
    expect(fields('date', 'date', dates).map((b) => b?.readInt32BE(0))).toEqual(
      dates.map((d) => Number(micros(d) / 86_400_000_000n)),
    );
    const stamps: [string, string, number][] = [
      ['2026-11-27', '10:00:00', 123456],
      ['0001-01-01', '00:00:00', 0],
      ['9999-12-31', '23:59:59', 999999],
      ['1969-07-20', '20:17:40', 500000],
      ['1716-03-04', '05:06:07', 1],
    ];
    const texts = stamps.map(([d, t, f]) => `${d} ${t}.${String(f).padStart(6, '0')}`);
    for (const typname of ['timestamp', 'timestamptz']) {
      expect(fields('timestamp', typname, texts).map((b) => b?.readBigInt64BE(0))).toEqual(
        stamps.map(([d, t, f]) => micros(d, t, f)),
      );
    }
    expect(
      fields('timestamp', 'timestamp', ['2026-11-27 10:00:00', '2026-11-27 10:00:00.5']).map((b) =>
        b?.readBigInt64BE(0),
      ),
    ).toEqual([micros('2026-11-27', '10:00:00'), micros('2026-11-27', '10:00:00', 500000)]);
    expect(fields('date', 'timestamptz', ['1999-12-31']).map((b) => b?.readBigInt64BE(0))).toEqual([
      micros('1999-12-31'),
    ]);
  });

  it('refuses impossible dates and times, as Postgres does', () => {
    for (const bad of ['0000-01-01', '2021-02-29', '2024-13-01', '2024-04-31']) {
      expect(() => fields('date', 'date', [bad]), bad).toThrow(`value "${bad}" is out of range for type date`);
    }
    expect(() => fields('timestamp', 'timestamp', ['2024-01-01 24:00:00'])).toThrow('out of range for type timestamp');
    for (const bad of ['2024-1-01', '2024-01-01T10:00:00', '2024-01-01 10:00:00.', '2024-01-01 10:00:00.1234567']) {
      expect(() => fields('timestamp', 'timestamp', [bad]), bad).toThrow('invalid input syntax for type timestamp');
    }
  });

  it('writes text as its UTF-8 bytes, jsonb with its version byte, bytes and UUIDs as they are', () => {
    const texts = ['', 'NULL', '\\N', 'tab\there\nnew', '😀 漢字', 'x'.repeat(70_000)];
    expect(fields('text', 'text', texts).map((b) => b?.toString('utf8'))).toEqual(texts);
    expect(fields('text', 'text', [null, 'a'])).toEqual([null, Buffer.from('a')]);
    // Bytes that are not UTF-8 become U+FFFD, as the COPY text path writes them.
    const invalid = Buffer.from([0x61, 0xff, 0x62]);
    const encoder = new BinaryCopyEncoder(binaryCopyPlan(['text'], ['text']) ?? [], ['v']);
    const out = encoder.encodeText(textBatchOf([[invalid], [Buffer.alloc(100, 0xff)]]), 0);
    const first = out.subarray(HEADER.length + 8 + 6, HEADER.length + 8 + 6 + 5);
    expect(first.toString('utf8')).toBe('a\ufffdb');
    expect(fields('json', 'jsonb', ['{"a":1}']).map(hex)).toEqual([`01${Buffer.from('{"a":1}').toString('hex')}`]);
    const raw = new BinaryCopyEncoder(binaryCopyPlan(['bytes'], ['bytea']) ?? [], ['v']).encodeText(
      textBatchOf([[Buffer.from([0, 255, 92])]]),
      0,
    );
    expect(raw.subarray(HEADER.length + 8).toString('hex')).toBe('00010000000300ff5c');
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const bytes = uuid.replace(/-/g, '');
    expect(fields('uuid', 'uuid', [uuid, `{${bytes.toUpperCase()}}`]).map(hex)).toEqual([bytes, bytes]);
    expect(() => fields('uuid', 'uuid', ['a0eebc99'])).toThrow('invalid input syntax for type uuid');
  });

  it('frames rows with the field count, adds a running row number for merges, and ends with the trailer', () => {
    const plan = binaryCopyPlan(['integer', 'text'], ['int4', 'text']) ?? [];
    const encoder = new BinaryCopyEncoder(plan, ['id', 'v']);
    const first = encoder.encodeText(textBatchOf([['1', 'a']]), 0, 7);
    expect(first.subarray(HEADER.length).toString('hex')).toBe(
      ['00000000', '00000000', '0003', '00000004', '00000001', '00000001', '61', '00000008', '0000000000000007'].join(
        '',
      ),
    );
    // Only the first chunk has the header.
    expect(encoder.encodeText(textBatchOf([['2', null]]), 1, 8).toString('hex')).toBe(
      ['0003', '00000004', '00000002', 'ffffffff', '00000008', '0000000000000008'].join(''),
    );
    expect(encoder.trailer().toString('hex')).toBe('ffff');
    // A load with no rows still sends a header.
    expect(new BinaryCopyEncoder(plan, ['id', 'v']).trailer()).toEqual(
      Buffer.concat([HEADER, Buffer.alloc(8), Buffer.from([0xff, 0xff])]),
    );
  });

  it('names the row of a malformed batch', () => {
    const encoder = new BinaryCopyEncoder(binaryCopyPlan(['text'], ['text']) ?? [], ['v']);
    expect(() => encoder.encodeText({ rowCount: 2, data: Buffer.from([1, 97]) }, 10)).toThrow(/input row 12/);
    expect(() => encoder.encodeText({ rowCount: 1, data: Buffer.from([1, 97, 1, 98]) }, 0)).toThrow(/more than 1 rows/);
  });
});
