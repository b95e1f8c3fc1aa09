// SPDX-License-Identifier: MIT
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprintOf } from './canonical';
import { embeddedComponents } from './embedded-components';
import { OsirisError, OsirisErrorCode } from './errors';
import {
  createRegistry,
  createRegistryOfLintedSpecs,
  type LintResult,
  lintForStamp,
  lintSpecs,
  type Registry,
  type SpecSource,
} from './registry';
import type { ComponentSpec } from './spec';

const BUILTIN_LABEL = '@osiris/registry/components';
const SPEC_SCHEMA = 'spec.schema.json';
const STAMP = 'verified.json';

/**
 * The folder of built-in spec cards. Published packages carry a copy next to
 * `dist/`; inside the repository, source files use the top-level `components/`.
 */
export function builtinComponentsDir(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const dir = fileURLToPath(new URL(fromSource ? '../../../components/' : '../components/', import.meta.url));
  if (!existsSync(join(dir, SPEC_SCHEMA))) {
    throw new OsirisError(OsirisErrorCode.Config, `the built-in component specs are missing from ${BUILTIN_LABEL}`, {
      hint: 'Reinstall @osiris/registry; inside the repository run `pnpm build`.',
    });
  }
  return dir;
}

/** A file of the built-in components folder, by its `/`-separated path in it. */
function readBuiltin(path: string): string {
  return embeddedComponents?.[path] ?? readFileSync(join(builtinComponentsDir(), path), 'utf8');
}

/** The spec card JSON Schema (`components/spec.schema.json`). */
export function loadSpecSchema(): object {
  return JSON.parse(readBuiltin(SPEC_SCHEMA)) as object;
}

/** Reads `<dir>/<type>/spec.yaml` for every sub-folder, sorted by folder name. */
export function readSpecSources(dir?: string): SpecSource[] {
  const embedded = dir === undefined ? embeddedComponents : undefined;
  if (embedded) {
    return Object.keys(embedded)
      .flatMap((path) => /^([^/]+)\/spec\.yaml$/.exec(path)?.[1] ?? [])
      .sort()
      .map((name) => ({ file: join(BUILTIN_LABEL, name, 'spec.yaml'), text: embedded[`${name}/spec.yaml`] as string }));
  }
  const root = dir ?? builtinComponentsDir();
  const label = dir ?? BUILTIN_LABEL;
  let entries: string[];
  try {
    entries = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'spec.yaml')))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new OsirisError(OsirisErrorCode.Config, `cannot read the components folder ${label}`, {
      cause: error,
      hint: 'Pass a folder that holds <type>/spec.yaml files.',
    });
  }
  return entries.map((name) => ({
    file: join(label, name, 'spec.yaml'),
    text: readFileSync(join(root, name, 'spec.yaml'), 'utf8'),
  }));
}

/**
 * Loads and validates every spec card in a folder (default: the built-in
 * cards). Throws an `OsirisError` naming the file and field of a broken card.
 *
 * @example
 * const registry = loadRegistry();
 * registry.validateStep({ type: 'supabase.table', mode: 'write', options: { table: 'orders' } });
 */
export function loadRegistry(dir?: string): Registry {
  const sources = readSpecSources(dir);
  if (dir !== undefined) return createRegistry(sources, loadSpecSchema());
  // Built-in cards linted when the package was built are neither linted nor parsed again at every start.
  const stamp = readStamp();
  if (stamp?.digest === digest(sources) && stamp.specs && stamp.names) {
    return createRegistryOfLintedSpecs(stamp.specs, stamp.names, stamp.fingerprint);
  }
  return createRegistry(sources, loadSpecSchema());
}

/** `verified.json`: the digest of the card texts it was made from, and what a registry of them holds. */
interface Stamp {
  readonly digest?: string;
  /** The parsed, linted cards, sorted as `Registry.list()` returns them. */
  readonly specs?: readonly ComponentSpec[];
  /** Their type names in the registry's own order. */
  readonly names?: readonly string[];
  /** `Registry.fingerprint()` of those cards. */
  readonly fingerprint?: string;
}

function digest(sources: readonly SpecSource[]): string {
  const hash = createHash('sha256');
  for (const source of sources) hash.update(`${source.file}\0${source.text}\0`);
  return hash.digest('hex');
}

function readStamp(): Stamp | undefined {
  try {
    return JSON.parse(readBuiltin(STAMP)) as Stamp;
  } catch {
    return undefined;
  }
}

/** What linting the cards found, and their stamp when none has an error. */
export function stampFor(sources: readonly SpecSource[], specSchema: object): { lint: LintResult; stamp?: Stamp } {
  const { lint, names } = lintForStamp(sources, specSchema);
  if (lint.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { lint };
  return { lint, stamp: { digest: digest(sources), specs: lint.specs, names, fingerprint: fingerprintOf(lint.specs) } };
}

/**
 * Lints the built-in cards and, when they are clean, records their digest and
 * the parsed cards so that `loadRegistry()` can skip parsing and linting them
 * again. Run when the package is built; returns the diagnostics (empty when
 * the stamp was written).
 */
export function stampBuiltinComponents(): LintResult {
  const { lint, stamp } = stampFor(readSpecSources(), loadSpecSchema());
  if (stamp) writeFileSync(join(builtinComponentsDir(), STAMP), `${JSON.stringify(stamp)}\n`);
  return lint;
}

/** Like `loadRegistry`, but returns every problem instead of throwing (for `osiris spec-lint`). */
export function lintComponentsDir(dir?: string): LintResult {
  return lintSpecs(readSpecSources(dir), loadSpecSchema());
}
