// SPDX-License-Identifier: MIT
import type { FieldPacket, Query, TypeCastField, TypeCastNext } from 'mysql2';

/**
 * A leaner parser for the rows of the streaming read, in place of the one
 * mysql2 generates: it decodes each value the way mysql2 does under the
 * options {@link resolveConnection} sets (big numbers, decimals and dates as
 * strings, JSON as text, rows as arrays), without mysql2's per-value
 * indirections (encoding lookups, `Buffer#toString` argument handling).
 * Reading text values is most of the CPU time of a copy, so this matters.
 *
 * It relies on two mysql2 internals, both checked by the tests against
 * mysql2's own parser: a query keeps its row parser in `_rowParser`, set
 * right after the `fields` event, and a row packet exposes `buffer` and
 * `offset`. A result with a column this parser does not know (geometry,
 * vectors, a non-UTF-8 client encoding) keeps mysql2's parser.
 *
 * FLOAT and DOUBLE are the one exception to "as mysql2 does": see {@link exactFloats}.
 */

/** What a row packet is to mysql2's parsers: its payload is `buffer[offset, end)`. */
export interface RowPacket {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;
}

/** Column metadata as mysql2 reports it (`ColumnDefinition`). */
export interface ColumnInfo {
  readonly columnType: number;
  readonly characterSet: number;
  readonly encoding: string;
  readonly flags: number;
}

export interface RowParser {
  next(packet: RowPacket): unknown;
}

/** The one-byte-string decoders `Buffer#toString` dispatches to; not in the Node typings. */
interface SliceMethods {
  latin1Slice(start: number, end: number): string;
  asciiSlice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

export const INT = 0; // TINYINT…INT, YEAR: a number (mysql2's parseLengthCodedIntNoBigCheck)
export const BINARY_STRING = 1; // BIGINT: a string (parseLengthCodedIntString, 'binary' = latin1)
export const ASCII = 2; // DECIMAL, dates and times: readLengthCodedString('ascii')
export const UTF8 = 3; // text in the connection's utf8mb4, JSON
const LATIN1 = 4; // text in a latin1 client encoding
export const BYTES = 5; // binary strings and BIT: a Buffer sharing the packet's memory (readLengthCodedBuffer)
export const FLOAT = 6; // FLOAT, DOUBLE: `Number` of the ASCII text (see exactFloats)

export type Decoder = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const BINARY_CHARSET = 63;

/** How mysql2's text parser reads a column (its `readCodeFor`), or undefined when this parser does not. */
export function decoderFor(field: ColumnInfo): Decoder | undefined {
  switch (field.columnType) {
    case 0x01: // TINY
    case 0x02: // SHORT
    case 0x03: // LONG
    case 0x09: // INT24
    case 0x0d: // YEAR
      return INT;
    case 0x08: // LONGLONG
      return BINARY_STRING;
    case 0x04: // FLOAT
    case 0x05: // DOUBLE
      return FLOAT;
    case 0x00: // DECIMAL
    case 0xf6: // NEWDECIMAL
    case 0x0a: // DATE
    case 0x07: // TIMESTAMP
    case 0x0c: // DATETIME
    case 0x0b: // TIME
      return ASCII;
    case 0xf5: // JSON
      return UTF8;
    case 0x06: // NULL
    case 0xff: // GEOMETRY
    case 0xf2: // VECTOR
      return undefined;
    default:
      if (field.characterSet === BINARY_CHARSET) return BYTES;
      if (field.encoding === 'utf8') return UTF8;
      if (field.encoding === 'latin1') return LATIN1;
      return undefined;
  }
}

const hasSliceMethods = (() => {
  const probe = Buffer.from('é') as unknown as Partial<SliceMethods>;
  return (
    typeof probe.latin1Slice === 'function' &&
    typeof probe.asciiSlice === 'function' &&
    typeof probe.utf8Slice === 'function' &&
    probe.utf8Slice(0, 2) === 'é'
  );
})();

class TextRowParser implements RowParser {
  readonly #decoders: readonly Decoder[];

  constructor(decoders: readonly Decoder[]) {
    this.#decoders = decoders;
  }

  next(packet: RowPacket): unknown[] {
    const decoders = this.#decoders;
    const n = decoders.length;
    const buf = packet.buffer;
    const text = buf as unknown as SliceMethods;
    const row: unknown[] = new Array(n);
    let off = packet.offset;
    for (let i = 0; i < n; i++) {
      const decoder = decoders[i];
      // Length-coded: one byte below 251, 0xfb for NULL, else 2, 3 or 8 bytes of length.
      let len = buf[off++] as number;
      if (len >= 0xfb) {
        if (len === 0xfb) {
          row[i] = null;
          continue;
        }
        if (len === 0xfc) {
          len = (buf[off] as number) | ((buf[off + 1] as number) << 8);
          off += 2;
        } else if (len === 0xfd) {
          len = (buf[off] as number) | ((buf[off + 1] as number) << 8) | ((buf[off + 2] as number) << 16);
          off += 3;
        } else {
          len = buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 0x100000000;
          off += 8;
        }
      }
      const end = off + len;
      switch (decoder) {
        case INT: {
          // As mysql2's parseIntNoBigCheck: an optional sign, then digits.
          let p = off;
          let sign = 1;
          let result = 0;
          if (len > 0) {
            if (buf[p] === 45) {
              p++;
              sign = -1;
            }
            if (buf[p] === 43) p++;
            for (; p < end; p++) result = result * 10 + (buf[p] as number) - 48;
          }
          row[i] = result * sign;
          break;
        }
        case UTF8:
          row[i] = text.utf8Slice(off, end);
          break;
        case ASCII:
          row[i] = text.asciiSlice(off, end);
          break;
        case FLOAT:
          row[i] = Number(text.asciiSlice(off, end));
          break;
        case BYTES:
          row[i] = buf.subarray(off, end);
          break;
        default:
          // BINARY_STRING and LATIN1
          row[i] = text.latin1Slice(off, end);
      }
      off = end;
    }
    packet.offset = off;
    return row;
  }
}

/** The parser for a result with these columns, or undefined when one of them needs mysql2's. */
export function textRowParser(fields: readonly ColumnInfo[]): RowParser | undefined {
  if (!hasSliceMethods) return undefined;
  const decoders: Decoder[] = [];
  for (const field of fields) {
    const decoder = decoderFor(field);
    if (decoder === undefined) return undefined;
    decoders.push(decoder);
  }
  return new TextRowParser(decoders);
}

/**
 * The `typeCast` of every query (text protocol only: it reads the value as
 * text). mysql2's own parsers read FLOAT and DOUBLE with a decimal parser that
 * is not correctly rounded: about a third of all doubles come back one unit in
 * the last place off (`405.40353712197725` as `405.4035371219773`, `5e-324` as
 * 0). The server prints a double as the shortest decimal that reads back as
 * the same double, and `Number` is correctly rounded, so reading that text
 * with `Number` gives the stored double, bit for bit.
 */
export function exactFloats(field: TypeCastField, next: TypeCastNext): unknown {
  if (field.type !== 'DOUBLE' && field.type !== 'FLOAT') return next();
  const text = field.string('ascii');
  return text === null ? null : Number(text);
}

/**
 * Replaces the row parser of a streaming query (`rowsAsArray`, `typeCast`
 * {@link exactFloats}, options of {@link resolveConnection}) by the one `choose` returns
 * for the result's columns, given the parser mysql2 built. Call it before the
 * result arrives.
 */
export function replaceRowParser(
  query: Query,
  choose: (fields: readonly ColumnInfo[], generated: RowParser) => RowParser,
): void {
  let fields: readonly ColumnInfo[] | undefined;
  let parser: unknown = null;
  // mysql2 emits `fields` and then builds its parser for them.
  query.on('fields', (received: FieldPacket[]) => {
    fields = received as unknown as ColumnInfo[];
  });
  Object.defineProperty(query, '_rowParser', {
    configurable: true,
    enumerable: true,
    get: () => parser,
    set: (generated: RowParser) => {
      parser = fields === undefined ? generated : choose(fields, generated);
    },
  });
}

/** Makes a streaming query parse its rows with {@link textRowParser} where it can (mysql2's parser elsewhere). */
export function useTextRowParser(query: Query): void {
  replaceRowParser(query, (fields, generated) => textRowParser(fields) ?? generated);
}
