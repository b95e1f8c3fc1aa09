// SPDX-License-Identifier: MIT
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';
import { type CompileResult, renderCompiled } from './compile';

/**
 * Writes `manifest.yaml` and `cfg/<id>.json` into a folder (created if
 * missing) and returns the relative paths written. The only function of the
 * compiler that touches the file system.
 */
export function writeCompiled(outDir: string, result: CompileResult): string[] {
  const files = renderCompiled(result);
  if (files.size === 0) {
    throw new OsirisError(OsirisErrorCode.Compile, 'nothing to write: the pipeline did not compile', {
      diagnostics: result.diagnostics,
    });
  }
  try {
    for (const [relative, content] of files) {
      mkdirSync(dirname(join(outDir, relative)), { recursive: true });
      writeFileSync(join(outDir, relative), content);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OsirisError(OsirisErrorCode.Compile, `cannot write the compiled pipeline to ${outDir} (${code})`, {
      cause: error,
      hint: 'Choose a folder you can write to with --out.',
    });
  }
  return [...files.keys()];
}
