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

// Placeholders in examples and help texts (`mysql://user:password@host`), not secrets.
const PLACEHOLDER = /^(?:password|passwd|pass|pwd|secret|token|<[^<>\s]*>|\.\.\.|…)$/i;

// Names of fields and parameters that hold secrets.
const SECRET_WORDS = 'password|passwd|pwd|secret|token|api[_-]?key|apikey';
const SECRET_NAME = new RegExp(SECRET_WORDS, 'i');

/**
 * True for an option name that says it holds a secret (`password`, `db_password`, `api_key`,
 * `access_token`, …). For the fields of a connection, which hold secrets more often, see
 * {@link isCredentialField}.
 */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

// Connection fields are credentials unless their name says otherwise: URLs carry passwords, keys and
// certificates are secrets too.
const CREDENTIAL_FIELD = /pass|pwd|secret|token|key|url|uri|dsn|cert|credential|auth/i;

/**
 * True for the name of a connection field (or a URL's query parameter) that may carry a
 * secret: a password, token, key, certificate or credential, or a URL, URI or DSN (which may
 * hold a password). Its value is masked everywhere and kept out of caches.
 *
 * @example
 * isCredentialField('url') // true
 * isCredentialField('base_dir') // false
 */
export function isCredentialField(name: string): boolean {
  return CREDENTIAL_FIELD.test(name);
}

// The field of an OSIRIS_CONN__<NAME>__<FIELD> variable (the name is never empty; the field may hold `__`).
const CONNECTION_VARIABLE = /^OSIRIS_CONN__.+?__(.*)$/;
// Names other tools give their secrets.
const SECRET_ENV_SUFFIX = /(?:API_KEY|_TOKEN|_SECRET|_PASSWORD)$/;

/**
 * True for an environment variable whose value is a secret: a connection field that
 * {@link isCredentialField} (`OSIRIS_CONN__MYSQL__URL`), or a name ending in `API_KEY`,
 * `_TOKEN`, `_SECRET` or `_PASSWORD` (`OSIRIS_E2B_API_KEY`, `GITHUB_TOKEN`). A run masks the
 * values of all of them, even those it does not use.
 */
export function isSecretEnvName(name: string): boolean {
  const field = CONNECTION_VARIABLE.exec(name)?.[1];
  return (field !== undefined && isCredentialField(field)) || SECRET_ENV_SUFFIX.test(name);
}

const patterns: readonly RegExp[] = [
  // userinfo of a URL: scheme://user:password@host (up to the last @ before the host, so a raw @ is covered)
  /(?<=[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s/"']+(?=@[^\s@/"']*(?:[\s/"']|$))/gi,
  // password=…, "password": "…", api_key: …
  // (not MySQL's own "using password: YES/NO", which says only whether one was sent, nor a ${params.name})
  new RegExp(
    `(?<=\\b(?:${SECRET_WORDS})["']?\\s*[=:]\\s*["']?)(?!(?:YES|NO)\\)|\\$\\{)[^\\s"'&;,{}[\\]][^\\s"'&;,}]*`,
    'gi',
  ),
  // Authorization: Bearer …
  /(?<=\bBearer\s+)[A-Za-z0-9._~+/-]+=*/g,
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape (a raw % in a password): the raw form stands
  }
}

/** How a URL parser writes a password (or user name) it was given raw: its userinfo percent-encode set. */
function parserEncoded(text: string): string {
  const url = new URL('osiris://host');
  url.password = text;
  return url.password;
}

const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;
// An @ that may end a URL's user info: a host (a name or [IPv6]), maybe a port, then the end of the authority.
const BEFORE_HOST = /@(?=(?:\[[^\]\s]*\]|[^\s@/?#[\]:]*)(?::\d*)?(?:[/?#]|$))/g;

/**
 * The user infos (`user:password`) a URL may hold. Parsers end the authority
 * at the first `/`, `?` or `#` and the user info at the authority's last `@`;
 * people also write raw `/ ? # @` in passwords, so every `@` that is followed
 * by a host counts too. Masking a longer candidate too costs nothing.
 */
function userInfos(url: string): string[] {
  const start = URL_START.exec(url);
  if (start === null) return [];
  const rest = url.slice(start[0].length);
  const found = new Set<string>();
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const at = authority.lastIndexOf('@');
  if (at >= 0) found.add(authority.slice(0, at));
  for (const match of rest.matchAll(BEFORE_HOST)) found.add(rest.slice(0, match.index));
  return [...found];
}

/**
 * The strings under which a secret may show up: the value itself and, for a
 * URL with a password, `user:password` and the password — raw, percent-decoded
 * and percent-encoded (as URL parsers and drivers rewrite them) — each also as
 * JSON and YAML write it (escaped quotes and backslashes). A user name alone
 * is not a secret: it is often a common word such as `root`.
 *
 * @example
 * secretParts('mysql://app:p@ss@db/shop') // includes 'app:p@ss', 'p@ss' and 'p%40ss'
 */
export function secretParts(secret: string): string[] {
  const parts = new Set<string>([secret]);
  for (const userInfo of userInfos(secret)) {
    const colon = userInfo.indexOf(':');
    if (colon < 0 || colon === userInfo.length - 1) continue;
    const user = userInfo.slice(0, colon);
    const password = userInfo.slice(colon + 1);
    for (const raw of [password, userInfo]) {
      const decoded = percentDecoded(raw);
      parts.add(raw).add(decoded).add(encodeURIComponent(decoded));
    }
    for (const raw of [password, percentDecoded(password)]) {
      parts.add(parserEncoded(raw)).add(`${parserEncoded(user)}:${parserEncoded(raw)}`);
    }
  }
  for (const part of [...parts]) parts.add(JSON.stringify(part).slice(1, -1)).add(part.replaceAll("'", "''"));
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
      out = out.replace(pattern, (found) =>
        found === mask || found.startsWith('[sha256:') || PLACEHOLDER.test(found) ? found : replace(found),
      );
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
