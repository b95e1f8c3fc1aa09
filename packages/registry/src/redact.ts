// SPDX-License-Identifier: MIT
import { createHash } from 'node:crypto';
import { pointerSegments } from './diagnostics';
import type { RedactionStrategy } from './spec';

export interface RedactOptions {
  /** JSON Pointers, relative to the value being redacted, whose values are masked whole. */
  readonly secretMap?: readonly string[];
  readonly strategy?: RedactionStrategy;
  /** What `fixed` writes instead of a secret. Default `***`. */
  readonly mask?: string;
  /** Secret strings to mask wherever they appear (resolved passwords, URLs, API keys). */
  readonly knownSecrets?: Iterable<string>;
}

/** Masks secrets in text and in JSON-like values; build one per run and reuse it. */
export interface Redactor {
  text(value: string): string;
  value<T>(value: T): T;
}

// Shorter values would mask ordinary words everywhere; the patterns below still catch them in context.
const MIN_KNOWN_SECRET_LENGTH = 4;

const patterns: readonly RegExp[] = [
  // userinfo of a URL: scheme://user:password@host
  /(?<=[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+(?=@)/gi,
  // password=…, "password": "…", api_key: …
  // (not MySQL's own "using password: YES/NO", which says only whether one was sent)
  /(?<=\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey)["']?\s*[=:]\s*["']?)(?!(?:YES|NO)\))[^\s"'&;,{}[\]][^\s"'&;,}]*/gi,
  // Authorization: Bearer …
  /(?<=\bBearer\s+)[A-Za-z0-9._~+/-]+=*/g,
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The strings under which a secret may show up: the value itself and, for a
 * URL, its password and user:password (raw and percent-decoded), since driver
 * errors often echo one of them.
 */
export function secretParts(secret: string): string[] {
  const parts = new Set<string>([secret]);
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(secret);
  if (match?.[1]) {
    const userinfo = match[1];
    parts.add(userinfo);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      const password = userinfo.slice(colon + 1);
      parts.add(password);
      try {
        parts.add(decodeURIComponent(password));
        parts.add(decodeURIComponent(userinfo));
      } catch {
        // A malformed escape cannot be decoded; the raw form is still masked.
      }
    }
  }
  return [...parts].filter((part) => part.length >= MIN_KNOWN_SECRET_LENGTH);
}

export function createRedactor(options: RedactOptions = {}): Redactor {
  const strategy = options.strategy ?? 'fixed';
  const mask = options.mask ?? '***';
  const replace = (secret: string) =>
    strategy === 'hash' ? `[sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 10)}]` : mask;
  const known = [...new Set([...(options.knownSecrets ?? [])].flatMap(secretParts))].sort(
    (a, b) => b.length - a.length,
  );
  const knownPattern = known.length > 0 ? new RegExp(known.map(escapeRegExp).join('|'), 'g') : undefined;
  const secretMap = (options.secretMap ?? []).map(pointerSegments);

  const text = (value: string): string => {
    let out = knownPattern ? value.replace(knownPattern, replace) : value;
    for (const pattern of patterns) {
      out = out.replace(pattern, (found) => (found === mask || found.startsWith('[sha256:') ? found : replace(found)));
    }
    return out;
  };

  const walk = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') {
      return secretMap.some((segments) => sameSegments(segments, path)) ? replace(value) : text(value);
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, String(index)]));
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(value)) out[key] = walk(member, [...path, key]);
      return out;
    }
    return value;
  };

  return { text, value: <T>(value: T) => walk(value, []) as T };
}

function sameSegments(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((segment, index) => segment === b[index]);
}

/**
 * Masks secrets in a string or a JSON-like value: values at `secretMap`
 * pointers, every known secret (and its URL parts) wherever it appears, and
 * common patterns (URL passwords, `password=…`, bearer tokens).
 */
export function redact<T>(value: T, options: RedactOptions = {}): T {
  const redactor = createRedactor(options);
  return (typeof value === 'string' ? redactor.text(value) : redactor.value(value)) as T;
}
