// SPDX-License-Identifier: MIT
import type { ColumnDescriptor } from '@osiris/runner';

/** `int(10) unsigned` → `{ base: 'int', args: '10', unsigned: true }` (MySQL and Postgres spellings). */
function parseNative(nativeType: string): { base: string; args: string | undefined; unsigned: boolean } {
  const t = nativeType.trim().toLowerCase();
  const m = /^([a-z][a-z0-9 _]*?)\s*(?:\(([^)]*)\))?\s*(unsigned)?\s*(zerofill)?$/.exec(t);
  if (m === null) return { base: t, args: undefined, unsigned: false };
  return { base: (m[1] ?? t).trim(), args: m[2], unsigned: m[3] !== undefined };
}

/** The longest VARCHAR an index can hold in utf8mb4 (3072 bytes). */
const KEY_CHARS = 768;

/**
 * The MySQL type `create_table` gives a column, from its logical kind and its
 * source's native type (README, "Type map (writing)"). `key` columns (merge
 * keys, which become the primary key) get a type an index can hold.
 */
export function mysqlTypeFor(column: ColumnDescriptor, key = false): string {
  const { base, unsigned } = parseNative(column.nativeType);
  const u = unsigned ? ' UNSIGNED' : '';
  switch (column.kind) {
    case 'integer':
      if (base === 'tinyint' || base === 'smallint' || base === 'mediumint') return `${base.toUpperCase()}${u}`;
      if (base === 'year') return 'YEAR';
      if (base === 'int2') return 'SMALLINT';
      if (base === 'int4' || base === 'int' || base === 'integer') return `INT${u}`;
      return 'BIGINT';
    case 'bigint':
      return `BIGINT${u}`;
    case 'decimal': {
      const p = column.precision;
      const s = column.scale ?? 0;
      if (p !== undefined && p > 0 && p <= 65 && s >= 0 && s <= 30 && s <= p) return `DECIMAL(${p},${s})${u}`;
      // Postgres `numeric` without a precision: the widest MySQL has; a value beyond it fails the load.
      return 'DECIMAL(65,30)';
    }
    case 'float':
      // Also for a 32-bit float: each is exactly a double, and MariaDB's FLOAT stops short of the largest one.
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'text': {
      const n = column.length;
      if ((base === 'char' || base === 'bpchar' || base === 'character') && n !== undefined && n > 0 && n <= 255) {
        return `CHAR(${n})`;
      }
      if (n !== undefined && n > 0 && n <= (key ? KEY_CHARS : 16383)) return `VARCHAR(${n})`;
      return key ? `VARCHAR(${KEY_CHARS})` : 'LONGTEXT';
    }
    case 'date':
      return 'DATE';
    case 'timestamp':
    case 'timestamptz':
      return 'DATETIME(6)';
    case 'time':
      return 'TIME(6)';
    case 'json':
      return 'JSON';
    case 'bytes': {
      const n = column.length;
      if (base === 'binary' && n !== undefined && n > 0 && n <= 255) return `BINARY(${n})`;
      if (n !== undefined && n > 0 && n <= (key ? 3072 : 65535)) return `VARBINARY(${n})`;
      return key ? 'VARBINARY(3072)' : 'LONGBLOB';
    }
    case 'uuid':
      return 'CHAR(36) CHARACTER SET ascii';
    default:
      return 'LONGTEXT';
  }
}
