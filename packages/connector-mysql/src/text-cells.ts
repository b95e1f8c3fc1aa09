// SPDX-License-Identifier: MIT
import { type ColumnKind, TEXT_KINDS, type TextBatch } from '@osiris/runner';
import type { CatalogColumn } from './catalog';
import {
  ASCII,
  BINARY_STRING,
  BYTES,
  type ColumnInfo,
  type Decoder,
  decoderFor,
  FLOAT,
  INT,
  type RowPacket,
  UTF8,
} from './row-parser';
import { mayHoldZeroDate } from './types';

/**
 * Text batches straight from the wire: a row of MySQL's text protocol is
 * already a run of length-encoded strings (0xfb for NULL), the layout of
 * {@link TextBatch}, so a row is copied as it is. Only zero dates are
 * rewritten (as NULL), as the row path does.
 */

/**
 * Types whose text, as the server prints it, stands for the row path's value
 * (see TEXT_KINDS): the same digits and characters, or for DOUBLE the shortest
 * decimal that reads back as the same double.
 */
const TEXT_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'double',
  'date',
  'datetime',
  'timestamp',
  'time',
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'enum',
  'set',
  'json',
  'uuid',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'bit',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/**
 * Whether a column can travel as text: a known type, no ZEROFILL (the server
 * prints leading zeros the number does not have), not YEAR (the row path reads
 * it as a number) and not FLOAT (read as the double `col + 0e0` and shortened
 * to its 32-bit value on the row path: the server's text is another double).
 */
export function travelsAsText(column: CatalogColumn): boolean {
  return (
    TEXT_KINDS.has(column.kind) &&
    TEXT_TYPES.has(column.dataType.toLowerCase()) &&
    !/\bzerofill\b/i.test(column.nativeType)
  );
}

/** The decoder mysql2 uses for each kind, for checking the result's columns against the catalog. */
function expectedDecoder(kind: ColumnKind): Decoder | undefined {
  switch (kind) {
    case 'integer':
      return INT;
    case 'float':
      return FLOAT;
    case 'bigint':
      return BINARY_STRING;
    case 'decimal':
    case 'date':
    case 'timestamp':
    case 'time':
      return ASCII;
    case 'text':
    case 'json':
    case 'uuid':
      return UTF8;
    case 'bytes':
      return BYTES;
    default:
      return undefined;
  }
}

const ZEROFILL_FLAG = 64;

/** Most bytes set aside for a batch before its rows arrive (a larger batch grows as it fills). */
const MAX_RESERVE = 8 * 1024 * 1024;

/**
 * The first column whose value on the wire is not what the row path would
 * read (a charset or type the catalog did not predict), or undefined.
 */
export function textMismatch(columns: readonly CatalogColumn[], fields: readonly ColumnInfo[]): string | undefined {
  if (fields.length !== columns.length) return `${fields.length} columns came back, ${columns.length} were selected`;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as CatalogColumn;
    const field = fields[i] as ColumnInfo;
    const decoder = decoderFor(field);
    if (decoder === undefined || decoder !== expectedDecoder(column.kind) || (field.flags & ZEROFILL_FLAG) !== 0) {
      return `column '${column.name}' (${column.nativeType}) came back as MySQL type ${field.columnType}, character set ${field.characterSet}`;
    }
  }
  return undefined;
}

/** Copies rows off the wire into one text batch at a time, zero dates as NULL. */
export class TextCellWriter {
  readonly #columns: number;
  /** Per column: may it hold a zero date. */
  readonly #dates: boolean[];
  readonly #anyDates: boolean;
  readonly #lastDate: number;
  /** Zero dates read as NULL, per column. */
  readonly zeroDates: number[];
  #buf: Buffer = Buffer.allocUnsafe(0);
  #pos = 0;
  #rows = 0;
  #bytesPerRow = 64;

  constructor(columns: readonly CatalogColumn[]) {
    this.#columns = columns.length;
    this.#dates = columns.map((c) => mayHoldZeroDate(c.dataType));
    this.#anyDates = this.#dates.some(Boolean);
    this.#lastDate = this.#dates.lastIndexOf(true);
    this.zeroDates = columns.map(() => 0);
  }

  get rows(): number {
    return this.#rows;
  }

  /** Appends the row in a packet (a mysql2 row parser's `next`). */
  add(packet: RowPacket): void {
    const src = packet.buffer;
    const start = packet.offset;
    const end = packet.end;
    const len = end - start;
    if (this.#pos + len > this.#buf.length) this.#grow(len);
    if (this.#anyDates && this.#hasZeroDate(src, start)) {
      this.#addCellByCell(src, start);
    } else {
      const buf = this.#buf;
      let p = this.#pos;
      if (len < 128) {
        for (let k = start; k < end; k++) buf[p++] = src[k] as number;
      } else {
        src.copy(buf, p, start, end);
        p += len;
      }
      this.#pos = p;
    }
    packet.offset = end;
    this.#rows++;
  }

  /** The rows added since the last call, as a batch; the next rows go to a new buffer. */
  take(): TextBatch {
    const batch: TextBatch = { rowCount: this.#rows, data: this.#buf.subarray(0, this.#pos) };
    if (this.#rows > 0) this.#bytesPerRow = Math.max(8, Math.ceil(this.#pos / this.#rows));
    this.#buf = Buffer.allocUnsafe(0);
    this.#pos = 0;
    this.#rows = 0;
    return batch;
  }

  /** Room for `bytes` more; a new buffer is sized for a batch like the last one. */
  #grow(bytes: number): void {
    const size = Math.max(this.#pos + bytes, this.#buf.length * 2, 16 * 1024);
    const grown = Buffer.allocUnsafe(size);
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }

  /** Sizes the buffer of the next batch (`rows` rows like the last batch's) before it fills. */
  reserve(rows: number): void {
    if (this.#pos === 0 && this.#buf.length === 0) {
      this.#grow(Math.min(Math.ceil(this.#bytesPerRow * 1.1 * rows) + 64, MAX_RESERVE));
    }
  }

  /** Walks the cells of a row up to the last date column: true when one holds a zero date. */
  #hasZeroDate(src: Buffer, start: number): boolean {
    const dates = this.#dates;
    let off = start;
    for (let i = 0; i <= this.#lastDate; i++) {
      let len = src[off++] as number;
      if (len >= 0xfb) {
        if (len === 0xfb) continue;
        if (len === 0xfc) {
          len = (src[off] as number) | ((src[off + 1] as number) << 8);
          off += 2;
        } else if (len === 0xfd) {
          len = (src[off] as number) | ((src[off + 1] as number) << 8) | ((src[off + 2] as number) << 16);
          off += 3;
        } else {
          len = src.readUInt32LE(off) + src.readUInt32LE(off + 4) * 0x100000000;
          off += 8;
        }
      }
      if (dates[i] === true && isZeroDateAt(src, off, len)) return true;
      off += len;
    }
    return false;
  }

  #addCellByCell(src: Buffer, start: number): void {
    let off = start;
    for (let i = 0; i < this.#columns; i++) {
      const cell = readCell(src, off);
      const next = cell.start + Math.max(cell.len, 0);
      if (cell.len >= 0 && this.#dates[i] === true && isZeroDateAt(src, cell.start, cell.len)) {
        this.#buf[this.#pos++] = 0xfb;
        this.zeroDates[i] = (this.zeroDates[i] ?? 0) + 1;
      } else {
        src.copy(this.#buf, this.#pos, off, next);
        this.#pos += next - off;
      }
      off = next;
    }
  }
}

/** A length-encoded string at `off`: where its bytes start and how many (-1 for NULL). */
function readCell(src: Buffer, off: number): { start: number; len: number } {
  const first = src[off] as number;
  if (first < 0xfb) return { start: off + 1, len: first };
  if (first === 0xfb) return { start: off + 1, len: -1 };
  if (first === 0xfc) return { start: off + 3, len: src.readUInt16LE(off + 1) };
  if (first === 0xfd) return { start: off + 4, len: src.readUIntLE(off + 1, 3) };
  return { start: off + 9, len: src.readUInt32LE(off + 1) + src.readUInt32LE(off + 5) * 0x100000000 };
}

/** `isZeroDate` on the bytes of a date or date-time: `00` as month or as day. */
function isZeroDateAt(src: Buffer, start: number, len: number): boolean {
  return (
    (len > 6 && src[start + 5] === 48 && src[start + 6] === 48) ||
    (len > 9 && src[start + 8] === 48 && src[start + 9] === 48)
  );
}
