// SPDX-License-Identifier: MIT
import type { RunManifest, StepConfig } from '@osiris/compiler';
import { builtinConnectors } from '@osiris/connectors';
import { loadRegistry } from '@osiris/registry';
import { type Connector, DEFAULT_RUN_SETTINGS, type Row, type RunEventDraft } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { createLocalEngine, localEngine } from '../src/engine';

const registry = loadRegistry();

describe('localEngine', () => {
  it('is named local and carries the built-in connectors of @osiris/connectors', () => {
    expect(localEngine.name).toBe('local');
    expect(localEngine.connectors.map((connector) => connector.type)).toEqual([
      'filesystem.csv',
      'mysql.table',
      'supabase.table',
    ]);
    expect([...localEngine.connectors]).toEqual([...builtinConnectors]);
  });

  it('adds a connector of a new type to the built-in ones', () => {
    const toy: Connector = { type: 'toy.table', modes: ['read'], capabilities: [], urlSchemes: ['toy'] };
    expect(createLocalEngine({ connectors: [toy] }).connectors.map((connector) => connector.type)).toEqual([
      'filesystem.csv',
      'mysql.table',
      'supabase.table',
      'toy.table',
    ]);
  });

  it.each(['filesystem.csv', 'mysql.table', 'supabase.table'])('%s matches its spec card', (type) => {
    const connector = localEngine.connectors.find((candidate) => candidate.type === type);
    const card = registry.get(type);
    if (connector === undefined || card === undefined) throw new Error(`${type} is missing`);
    expect([...connector.modes].sort()).toEqual([...card.modes].sort());
    for (const capability of connector.capabilities) expect(card.capabilities).toContain(capability);
    for (const mode of connector.modes) expect(typeof connector[mode]).toBe('function');
    if (connector.capabilities.includes('discovery')) expect(typeof connector.discover).toBe('function');
  });

  it('mysql.table and supabase.table read and write', () => {
    const [, mysql, supabase] = localEngine.connectors;
    expect([...(mysql?.modes ?? [])].sort()).toEqual(['read', 'write']);
    expect(mysql?.write).toBeTypeOf('function');
    expect([...(supabase?.modes ?? [])].sort()).toEqual(['read', 'write']);
  });

  it('runs a manifest in process with connectors that replace the built-in ones', async () => {
    const rows: Row[] = [];
    const source: Connector = {
      type: 'mysql.table',
      modes: ['read'],
      capabilities: [],
      async read() {
        return {
          columns: [{ name: 'id', kind: 'integer', nullable: false, nativeType: 'int' }],
          batches: (async function* () {
            yield [[1], [2]];
            yield [[3]];
          })(),
        };
      },
    };
    const sink: Connector = {
      type: 'supabase.table',
      modes: ['write'],
      capabilities: [],
      async write(_ctx, _config, input) {
        for await (const batch of input.batches) rows.push(...batch);
        return { rowsWritten: rows.length };
      },
    };
    const manifest: RunManifest = {
      apiVersion: 'osiris.v1',
      kind: 'RunManifest',
      pipeline: 'p',
      fingerprints: { oml: 'sha256-x', registry: 'sha256-x' },
      steps: [
        { id: 'src', component: 'mysql.table', component_version: '0.1.0', mode: 'read', cfg: 'cfg/src.json' },
        {
          id: 'dst',
          component: 'supabase.table',
          component_version: '0.1.0',
          mode: 'write',
          cfg: 'cfg/dst.json',
          needs: ['src'],
        },
      ],
      execution: { engine: 'local', params: {} },
    };
    const configs: Record<string, StepConfig> = {
      src: { id: 'src', component: 'mysql.table', mode: 'read', connection: '@m', options: { table: 't' } },
      dst: { id: 'dst', component: 'supabase.table', mode: 'write', connection: '@s', options: { table: 't' } },
    };
    const events: RunEventDraft[] = [];
    const engine = createLocalEngine({ connectors: [source] });
    expect(engine.connectors).toContain(source);
    const result = await engine.run(manifest, configs, {
      runId: 'r_20261127T143000Z_abcdef',
      correlationId: 'c',
      connections: new Map([
        ['@m', { url: 'mysql://h/db' }],
        ['@s', { url: 'postgresql://h/db' }],
      ]),
      events: (event) => events.push(event),
      signal: new AbortController().signal,
      settings: { ...DEFAULT_RUN_SETTINGS, chunkSize: 2 },
      registry,
      connectors: [sink],
    });
    expect(result.status).toBe('succeeded');
    expect(rows).toEqual([[1], [2], [3]]);
    expect(result.steps.map((step) => [step.id, step.rowsRead, step.rowsWritten])).toEqual([
      ['src', 3, 0],
      ['dst', 3, 3],
    ]);
  });
});
