// SPDX-License-Identifier: MIT
// A configuration error a connector raises during a run is still a configuration error (exit 5), not a run
// error: the fix is in the pipeline or the connection, not the data (ADR 0018).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '@osiris/compiler';
import { loadRegistry, OsirisErrorCode } from '@osiris/registry';
import { type RunStatusFile, runManifest } from '@osiris/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { localEngine } from '../src/engine';

const registry = loadRegistry();
const home = mkdtempSync(join(tmpdir(), 'osiris-local-config-'));

afterAll(() => rmSync(home, { recursive: true, force: true }));

const pipeline = (path: string) => `
version: 0.0.1
name: csv_copy
sources:
  - id: src
    type: filesystem.csv
    connection: "@files"
    mode: read
    options: { path: ${JSON.stringify(path)} }
sinks:
  - id: dst
    type: filesystem.csv
    connection: "@files"
    mode: write
    options: { path: out.csv, write_mode: append }
`;

describe('a connector configuration error inside a run', () => {
  it('exits 5: filesystem.csv refuses a path outside base_dir', async () => {
    const base = join(home, 'base');
    mkdirSync(base, { recursive: true });
    writeFileSync(join(home, 'secret.csv'), 'id\n1\n');
    const compiled = compile(pipeline('../secret.csv'), { registry, mode: 'strict' });
    if (compiled.manifest === undefined) throw new Error(JSON.stringify(compiled.diagnostics));
    const result = await runManifest({
      manifest: compiled.manifest,
      configs: compiled.configs,
      engine: localEngine,
      registry,
      runsDir: join(home, 'runs'),
      env: { OSIRIS_CONN__FILES__BASE_DIR: base },
    });
    expect(result).toMatchObject({ status: 'failed', exitCode: 5, error: { code: OsirisErrorCode.Config } });
    expect(result.error?.message).toContain("outside the connection's base_dir");
    // Not retried: a configuration error will not go away.
    expect(result.steps[0]).toMatchObject({ id: 'src', status: 'failed', attempts: 1 });
    const status = JSON.parse(readFileSync(join(result.runDir, 'status.json'), 'utf8')) as RunStatusFile;
    expect(status).toMatchObject({ status: 'failed', exit_code: 5 });
  });
});
