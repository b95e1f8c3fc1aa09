// SPDX-License-Identifier: MIT
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OsirisError, OsirisErrorCode } from './errors';
import { createRegistry, type LintResult, lintSpecs, type Registry, type SpecSource } from './registry';

const BUILTIN_LABEL = '@osiris/registry/components';

/**
 * The folder of built-in spec cards. Published packages carry a copy next to
 * `dist/`; inside the repository, source files use the top-level `components/`.
 */
export function builtinComponentsDir(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const dir = fileURLToPath(new URL(fromSource ? '../../../components/' : '../components/', import.meta.url));
  if (!existsSync(join(dir, 'spec.schema.json'))) {
    throw new OsirisError(OsirisErrorCode.Config, `the built-in component specs are missing from ${BUILTIN_LABEL}`, {
      hint: 'Reinstall @osiris/registry; inside the repository run `pnpm build`.',
    });
  }
  return dir;
}

/** The spec card JSON Schema (`components/spec.schema.json`). */
export function loadSpecSchema(): object {
  return JSON.parse(readFileSync(join(builtinComponentsDir(), 'spec.schema.json'), 'utf8')) as object;
}

/** Reads `<dir>/<type>/spec.yaml` for every sub-folder, sorted by folder name. */
export function readSpecSources(dir?: string): SpecSource[] {
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
  // Built-in cards linted when the package was built need not be linted again at every start.
  const trusted = dir === undefined && readStamp(builtinComponentsDir()) === digest(sources);
  return createRegistry(sources, trusted ? undefined : loadSpecSchema());
}

const STAMP = 'verified.json';

function digest(sources: readonly SpecSource[]): string {
  const hash = createHash('sha256');
  for (const source of sources) hash.update(`${source.file}\0${source.text}\0`);
  return hash.digest('hex');
}

function readStamp(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, STAMP), 'utf8')) as { digest?: string }).digest;
  } catch {
    return undefined;
  }
}

/**
 * Lints the built-in cards and, when they are clean, records their digest so
 * that `loadRegistry()` can skip linting them again. Run when the package is
 * built; returns the diagnostics (empty when the stamp was written).
 */
export function stampBuiltinComponents(): LintResult {
  const dir = builtinComponentsDir();
  const sources = readSpecSources();
  const result = lintSpecs(sources, loadSpecSchema());
  if (result.diagnostics.every((diagnostic) => diagnostic.severity !== 'error')) {
    writeFileSync(join(dir, STAMP), `${JSON.stringify({ digest: digest(sources) })}\n`);
  }
  return result;
}

/** Like `loadRegistry`, but returns every problem instead of throwing (for `osiris spec-lint`). */
export function lintComponentsDir(dir?: string): LintResult {
  return lintSpecs(readSpecSources(dir), loadSpecSchema());
}
