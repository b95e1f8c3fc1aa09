// SPDX-License-Identifier: MIT
import type { Diagnostic, Registry } from '@osiris/registry';
import type { Document } from 'yaml';

/** One thing an upgrade changed, for the summary and `--json`. */
export interface UpgradeChange {
  /** The transform that made it. */
  readonly transform: string;
  /** Dotted path in the file before the upgrade, e.g. `steps[0].config.query`. */
  readonly path: string;
  /** `renamed`, `rewritten`, `moved`, `dropped` (a field Osiris does not have) or `added`. */
  readonly kind: 'renamed' | 'rewritten' | 'moved' | 'dropped' | 'added';
  readonly message: string;
  readonly line?: number;
  readonly col?: number;
}

/** What a transform is handed: the document to edit in place, and where to report. */
export interface TransformContext {
  readonly document: Document;
  /** The component cards of this command line: a transform maps onto what they offer, never onto less. */
  readonly registry: Registry;
  readonly file: string;
  change(change: Omit<UpgradeChange, 'transform' | 'line' | 'col'>, pointer?: string): void;
  /** A problem the upgrade cannot solve: the file stays as it was, exit 2. */
  error(
    pointer: string,
    problem: Pick<Diagnostic, 'message' | 'why' | 'fix'> & { rule?: string; example?: string },
  ): void;
}

/**
 * One registered upgrade: a rename, a new default or a format change of OML or of a spec card. Every
 * transform is idempotent by construction: `applies` is false on its own output. Each has fixtures in
 * packages/cli/test/upgrade/<id>/ (a test fails for a transform without them).
 */
export interface Transform {
  /** Stable id, e.g. `python-osiris-0.1`. */
  readonly id: string;
  /** What it upgrades, for `--help` and the docs. */
  readonly description: string;
  applies(value: unknown): boolean;
  apply(context: TransformContext): void;
}
