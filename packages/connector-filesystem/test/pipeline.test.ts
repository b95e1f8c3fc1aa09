// SPDX-License-Identifier: MIT
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '@osiris/compiler';
import { loadRegistry } from '@osiris/registry';
import { DEFAULT_RUN_SETTINGS, executeSteps, resolveConnections } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { filesystemCsvConnector } from '../src/index';
import { useTempDir } from './helpers';

const dir = useTempDir();
const registry = loadRegistry(fileURLToPath(new URL('../../../components', import.meta.url)));

const PIPELINE = `
version: 0.0.1
name: csv_copy
params:
  chunk_size: 2
sources:
  - id: src
    type: filesystem.csv
    connection: "@files"
    mode: read
    options:
      path: in.csv
      delimiter: ";"
      columns:
        - { name: id, type: integer }
        - { name: amount, type: decimal }
sinks:
  - id: dst
    type: filesystem.csv
    connection: "@files"
    mode: write
    options: { path: out.csv, write_mode: append }
`;

describe('filesystem.csv in a pipeline', () => {
  it('matches its spec card, whose examples are valid', () => {
    const card = registry.get('filesystem.csv');
    expect(card?.modes).toEqual(filesystemCsvConnector.modes);
    expect(card?.capabilities).toEqual(filesystemCsvConnector.capabilities);
    expect(card?.secrets).toEqual([]);
    for (const example of card?.examples ?? []) {
      const result = registry.validateStep(example.oml as never);
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    }
  });

  it('rejects write-only options on a read step and read-only options on a write step', () => {
    const read = registry.validateStep({
      id: 'r',
      type: 'filesystem.csv',
      mode: 'read',
      options: { path: 'a.csv', write_mode: 'append' },
    } as never);
    expect(read.diagnostics.map((d) => d.message)).toContain('write_mode only applies to write steps');
    const write = registry.validateStep({
      id: 'w',
      type: 'filesystem.csv',
      mode: 'write',
      options: { path: 'a.csv', sample_rows: 10 },
    } as never);
    expect(write.diagnostics.map((d) => d.message).join('\n')).toContain('only apply to read steps');
  });

  it('compiles and runs a CSV-to-CSV pipeline through the runner, with base_dir from the environment', async () => {
    await writeFile(join(dir.path, 'in.csv'), 'id;amount;ignored\n1;12.50;x\n2;0.10;y\n3;;z\n');
    const compiled = compile(PIPELINE, { registry, mode: 'strict' });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    if (compiled.manifest === undefined) throw new Error('no manifest');
    expect(compiled.configs.src?.options).not.toHaveProperty('write_mode');
    expect(compiled.configs.dst?.options).not.toHaveProperty('sample_rows');

    const { connections } = await resolveConnections(['@files'], {
      registry,
      componentsByRef: new Map([['@files', ['filesystem.csv']]]),
      env: { OSIRIS_CONN__FILES__BASE_DIR: dir.path },
    });
    const events: string[] = [];
    const result = await executeSteps(compiled.manifest, compiled.configs, {
      connectors: [filesystemCsvConnector],
      connections,
      registry,
      settings: { ...DEFAULT_RUN_SETTINGS, chunkSize: 2 },
      signal: new AbortController().signal,
      events: (event) => events.push(`${event.step}:${event.type}`),
    });
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => [s.id, s.rowsRead, s.rowsWritten])).toEqual([
      ['src', 3, 0],
      ['dst', 3, 3],
    ]);
    expect(await readFile(join(dir.path, 'out.csv'), 'utf8')).toBe('id,amount\n1,12.50\n2,0.10\n3,\n');
    expect(events).toContain('dst:end');
  });
});
