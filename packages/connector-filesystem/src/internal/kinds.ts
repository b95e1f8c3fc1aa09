// SPDX-License-Identifier: MIT
import type { ColumnKind } from '@osiris/runner';

/**
 * Text → value for each column kind, and type inference over a sample.
 * A converter returns {@link INVALID} when the text is not a value of its kind.
 */
export const INVALID: unique symbol = Symbol('invalid');
export type Converter = (text: string) => unknown;

const INTEGER = /^-?(0|[1-9]\d*)$/;
const SIGNED_DIGITS = /^[+-]?\d+$/;
const PLAIN_DECIMAL = /^-?(0|[1-9]\d*)\.\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT_WORD = /^[+-]?(infinity|inf|nan)$/i;
/** NaN and the infinities as Postgres takes them for float8 and numeric (a sign on NaN would be lost). */
const SPECIAL_NUMBER = /^(nan|[+-]?inf(inity)?)$/i;
/** Zero with a minus sign: only a float keeps the sign (integers and numeric have no negative zero). */
const NEGATIVE_ZERO = /^-0(\.0+)?([eE][+-]?\d+)?$/;
const NUMBER_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// date, then optionally [T ]HH:MM[:SS[.ffffff]], then optionally a zone
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_BYTES = /^\\x((?:[0-9a-fA-F]{2})*)$/;
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0']);
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function validDate(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  // Postgres has no year 0 (1 BC is written with a BC suffix).
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= (days[m - 1] ?? 0);
}

function validClock(hours: string, minutes: string, seconds: string | undefined): boolean {
  return Number(hours) <= 23 && Number(minutes) <= 59 && (seconds === undefined || Number(seconds) <= 59);
}

/** Postgres takes offsets up to ±15:59. */
function validOffset(zone: string): boolean {
  if (zone === 'Z' || zone === 'z') return true;
  const digits = zone.slice(1).replace(':', '');
  return Number(digits.slice(0, 2)) <= 15 && (digits.length === 2 || Number(digits.slice(2)) <= 59);
}

function normalizeOffset(zone: string): string {
  if (zone === 'Z' || zone === 'z') return '+00:00';
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.length > 2 ? digits.slice(2) : '00'}`;
}

/** `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][zone]` → parts, or undefined when it is not one. */
function dateTimeParts(text: string) {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, year = '', month = '', day = '', hours, minutes, seconds, fraction, zone] = m;
  if (!validDate(year, month, day)) return undefined;
  if (hours !== undefined && !validClock(hours, minutes ?? '', seconds)) return undefined;
  // A zone without a time of day (2026-01-01+02:00) is not a timestamp anyone writes.
  if (hours === undefined && zone !== undefined) return undefined;
  if (zone !== undefined && !validOffset(zone)) return undefined;
  const clock = hours === undefined ? '00:00:00' : `${hours}:${minutes}:${seconds ?? '00'}${fraction ?? ''}`;
  return { date: `${year}-${month}-${day}`, clock, zone, hasTime: hours !== undefined };
}

function toBoolean(text: string): unknown {
  const lower = text.toLowerCase();
  if (TRUE_WORDS.has(lower)) return true;
  if (FALSE_WORDS.has(lower)) return false;
  return INVALID;
}

function toInteger(text: string): unknown {
  if (!SIGNED_DIGITS.test(text)) return INVALID;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : INVALID;
}

function toBigint(text: string): unknown {
  if (!SIGNED_DIGITS.test(text)) return INVALID;
  const n = BigInt(text);
  return n > INT64_MAX || n < INT64_MIN ? INVALID : n.toString();
}

function toDecimal(text: string): unknown {
  if (DECIMAL.test(text)) return text.startsWith('+') ? text.slice(1) : text;
  return SPECIAL_NUMBER.test(text) ? text : INVALID;
}

function toFloat(text: string): unknown {
  if (DECIMAL.test(text)) {
    const n = Number(text);
    // Out of a double's range: Postgres refuses it too, rather than store Infinity or 0.
    if (!Number.isFinite(n)) return INVALID;
    if (n === 0 && /[1-9]/.test(text.split(/[eE]/)[0] ?? '')) return INVALID;
    return n;
  }
  if (FLOAT_WORD.test(text)) {
    const lower = text.toLowerCase();
    if (lower.endsWith('nan')) return Number.NaN;
    return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return INVALID;
}

function toDate(text: string): unknown {
  const m = DATE.exec(text);
  return m !== null && validDate(m[1] ?? '', m[2] ?? '', m[3] ?? '') ? text : INVALID;
}

function toTimestamp(text: string): unknown {
  const parts = dateTimeParts(text);
  if (parts === undefined || parts.zone !== undefined) return INVALID;
  return `${parts.date} ${parts.clock}`;
}

function toTimestamptz(text: string): unknown {
  const parts = dateTimeParts(text);
  if (parts?.zone === undefined) return INVALID;
  return `${parts.date}T${parts.clock}${normalizeOffset(parts.zone)}`;
}

function toTime(text: string): unknown {
  const m = TIME.exec(text);
  if (m === null || !validClock(m[1] ?? '', m[2] ?? '', m[3])) return INVALID;
  return `${m[1]}:${m[2]}:${m[3] ?? '00'}${m[4] ?? ''}`;
}

function toJson(text: string): unknown {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return INVALID;
  }
}

function toBytes(text: string): unknown {
  const m = HEX_BYTES.exec(text);
  return m === null ? INVALID : Buffer.from(m[1] ?? '', 'hex');
}

function toUuid(text: string): unknown {
  return UUID.test(text) ? text.toLowerCase() : INVALID;
}

const identity: Converter = (text) => text;

const CONVERTERS: Record<ColumnKind, Converter> = {
  integer: toInteger,
  bigint: toBigint,
  decimal: toDecimal,
  float: toFloat,
  boolean: toBoolean,
  text: identity,
  date: toDate,
  timestamp: toTimestamp,
  timestamptz: toTimestamptz,
  time: toTime,
  json: toJson,
  bytes: toBytes,
  uuid: toUuid,
};

/** The converter of a kind: text as it stands in the file → the value representation of the kind. */
export function converterFor(kind: ColumnKind): Converter {
  return CONVERTERS[kind];
}

/**
 * The SQL type that holds every value a column of each kind reads as: the
 * native type a CSV column reports, so that a sink creating a table makes it
 * wide enough (an `integer` may be any whole number up to 2^53, a `float` is
 * a double).
 */
export const NATIVE_TYPES: Record<ColumnKind, string> = {
  integer: 'bigint',
  bigint: 'bigint',
  decimal: 'numeric',
  float: 'double precision',
  boolean: 'boolean',
  text: 'text',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  json: 'json',
  bytes: 'bytea',
  uuid: 'uuid',
};

/** What a value of each kind looks like, for error messages. */
export const KIND_FORMS: Record<ColumnKind, string> = {
  integer: 'a whole number between -(2^53-1) and 2^53-1',
  bigint: 'a whole number within 64 bits',
  decimal: 'a decimal number such as 12.50 or 1.5e3, or NaN / Infinity',
  float: 'a number within the range of a double (about 1.8e308 down to 5e-324), such as 1.5e3, or NaN / Infinity',
  boolean: 'true/false (also t/f, yes/no, y/n, on/off, 1/0)',
  text: 'text',
  date: 'a date YYYY-MM-DD',
  timestamp: 'a timestamp YYYY-MM-DD HH:MM[:SS[.ffffff]] without a zone',
  timestamptz: 'a timestamp with a zone, e.g. 2026-01-31T10:00:00+01:00 or …Z',
  time: 'a time of day HH:MM[:SS[.ffffff]]',
  json: 'JSON text',
  bytes: 'bytes as \\x followed by hex digits',
  uuid: 'a UUID such as 123e4567-e89b-12d3-a456-426614174000',
};

/** A number's value as sign, significant digits and exponent, so that `1.5e3`, `1500` and `1500.0` compare equal. */
function numberValue(text: string): string {
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = NUMBER_PARTS.exec(text) ?? [];
  const all = `${whole}${fraction}`;
  const digits = all.replace(/^0+/, '');
  if (digits === '') return `${sign === '-' ? '-' : ''}0`;
  const point = whole.length - (all.length - digits.length) + Number(exponent);
  return `${sign === '-' ? '-' : ''}${digits.replace(/0+$/, '')}e${point}`;
}

/**
 * True when the double `n` that `text` reads as holds it exactly as written:
 * it prints back (shortest round trip, as Postgres prints float8) the same
 * value. `0.1` and `1.7976931348623157e308` pass; `1e400`, `1e-400` and
 * `0.10000000000000000001` do not.
 */
function doubleKeeps(text: string, n: number): boolean {
  if (!Number.isFinite(n)) return false;
  const printed = Object.is(n, -0) ? '-0' : String(n);
  return printed === text || numberValue(text) === numberValue(printed);
}

/** A number as inference reads one: no `+`, no leading zeros, digits on both sides of a point. */
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const TIME_WITH_SECONDS = /^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/**
 * The converters of inferred columns: each admits only text its kind holds
 * exactly as written, so that nothing is lost on the way (a ZIP code `02134`
 * or a phone number `+4930…` is not an integer, `-0` only a float, a number
 * with more digits than a double keeps not a float). Inference tries them on
 * the sample; past it, a value of an inferred column must pass the same test.
 */
const INFERRED: Partial<Record<ColumnKind, Converter>> = {
  boolean: (t) => (/^(true|false)$/i.test(t) ? t.length === 4 : INVALID),
  integer: (t) => {
    if (!INTEGER.test(t) || t === '-0') return INVALID;
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : INVALID;
  },
  bigint: (t) => (INTEGER.test(t) && t !== '-0' ? toBigint(t) : INVALID),
  // Exponents, NaN or Infinity beside digits that a double would round: numeric keeps them all.
  decimal: (t) => ((NUMBER.test(t) || SPECIAL_NUMBER.test(t)) && !NEGATIVE_ZERO.test(t) ? t : INVALID),
  float: (t) => {
    if (SPECIAL_NUMBER.test(t)) return toFloat(t);
    const n = NUMBER.test(t) ? Number(t) : Number.NaN;
    return doubleKeeps(t, n) ? n : INVALID;
  },
  date: toDate,
  // A column that mixes dates and timestamps is a timestamp column (a date reads as midnight).
  timestamp: toTimestamp,
  timestamptz: toTimestamptz,
  time: (t) => (TIME_WITH_SECONDS.test(t) ? toTime(t) : INVALID),
  uuid: toUuid,
};

const fits = (convert: Converter) => (text: string) => convert(text) !== INVALID;

/** What inference tries, in this order: the first kind that every sampled (non-NULL, non-empty) value fits wins. */
const INFERENCE: readonly { kind: ColumnKind; test: (text: string) => boolean }[] = [
  ...(['boolean', 'integer', 'bigint'] as const).map((kind) => ({ kind, test: fits(INFERRED[kind] as Converter) })),
  // Plain decimals are exact as numeric: they never become floats.
  { kind: 'decimal', test: (t) => (INTEGER.test(t) || PLAIN_DECIMAL.test(t)) && !NEGATIVE_ZERO.test(t) },
  ...(['float', 'decimal', 'date', 'timestamp', 'timestamptz', 'time', 'uuid'] as const).map((kind) => ({
    kind,
    test: fits(INFERRED[kind] as Converter),
  })),
];

/**
 * The converter of a column whose kind was inferred: past the sample, a value
 * must still be one that inference admits, so that it too arrives exactly as
 * written (`007` in an integer column fails instead of reading as 7).
 */
export function inferredConverterFor(kind: ColumnKind): Converter {
  return INFERRED[kind] ?? CONVERTERS[kind];
}

/**
 * Infers the kind of each column from sampled rows (values as read: text, or
 * null for NULL). NULLs and empty strings say nothing; a column with no other
 * value is text.
 */
export function inferKinds(columnCount: number, rows: Iterable<readonly (string | null)[]>): ColumnKind[] {
  // For each column, the candidates still standing.
  const candidates = Array.from({ length: columnCount }, () => [...INFERENCE]);
  const seen = new Array<boolean>(columnCount).fill(false);
  for (const row of rows) {
    for (let i = 0; i < columnCount; i++) {
      const value = row[i];
      if (value === null || value === undefined || value === '') continue;
      seen[i] = true;
      const standing = candidates[i] as (typeof INFERENCE)[number][];
      if (standing.length === 0) continue;
      candidates[i] = standing.filter((candidate) => candidate.test(value));
    }
  }
  return candidates.map((standing, i) => (seen[i] ? (standing[0]?.kind ?? 'text') : 'text'));
}
