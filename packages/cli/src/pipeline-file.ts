// SPDX-License-Identifier: MIT
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { OsirisError, OsirisErrorCode } from '@osiris/registry';

/** Reads a pipeline file; the name used in messages is relative to the working directory. */
export function readPipelineFile(path: string, cwd: string): { text: string; file: string } {
  const absolute = resolve(cwd, path);
  const file = relative(cwd, absolute) || path;
  try {
    return { text: readFileSync(absolute, 'utf8'), file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OsirisError(
      OsirisErrorCode.Validation,
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${code ?? 'error'})`,
      { cause: error, hint: 'Pass the path of a pipeline file (.yaml).' },
    );
  }
}
