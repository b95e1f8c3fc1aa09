// SPDX-License-Identifier: MIT
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliOverrides, main } from '@osiris/cli';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `osiris` command line in process, as the binary does, with what `main` is given. */
export async function runCli(
  args: string[],
  options: { cwd: string; env: Record<string, string>; overrides: CliOverrides },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    {
      stdout: {
        write: (text: string) => {
          stdout += text;
        },
      },
      stderr: {
        write: (text: string) => {
          stderr += text;
        },
        isTTY: false,
      },
      env: options.env,
      cwd: options.cwd,
    },
    options.overrides,
  );
  return { code, stdout, stderr };
}

export const NUMBERS = {
  columns: [
    { name: 'id', kind: 'integer' },
    { name: 'label', kind: 'text' },
  ],
  rows: Array.from({ length: 25 }, (_, i) => [i + 1, `number ${i + 1}`]),
};

/** A fresh folder with a toy table `numbers` and a pipeline that copies it into `copy`, busy as many times as asked. */
export function workspace(busyTimes: number): { dir: string; data: string; pipeline: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'osiris-toy-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'numbers.json'), JSON.stringify(NUMBERS));
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    [
      'version: 0.0.1',
      'name: toy_copy',
      'params:',
      '  chunk_size: 10',
      'sources:',
      `  - { id: src, type: toy.table, connection: "@toy", mode: read, options: { table: numbers, busy_times: ${busyTimes} } }`,
      'sinks:',
      '  - { id: dst, type: toy.table, connection: "@toy", mode: write, options: { table: copy } }',
      '',
    ].join('\n'),
  );
  return { dir, data, pipeline, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
