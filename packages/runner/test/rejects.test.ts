// SPDX-License-Identifier: MIT
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedactor, OsirisErrorCode } from '@osiris/registry';
import { afterAll, describe, expect, it } from 'vitest';
import type { Connector, RejectedRow, Row, TabularStream } from '../src/contracts';
import type { StepResult } from '../src/engine';
import { stepMetrics } from '../src/metrics';
import { readRejects, replayRejects, writeRejects } from '../src/rejects';

const dir = mkdtempSync(join(tmpdir(), 'osiris-rejects-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const step = (rejected?: RejectedRow[]): StepResult => ({
  id: 'dst',
  component: 'supabase.table',
  componentVersion: '0.1.0',
  mode: 'write',
  status: 'succeeded',
  attempts: 1,
  rowsRead: 10,
  rowsWritten: 8,
  durationMs: 1,
  ...(rejected === undefined ? {} : { rowsRejected: rejected.length, rejected }),
});

const rows: RejectedRow[] = [
  {
    row: 2,
    values: { id: 2, note: 'token Sup3rSecretValue!', blob: { $hex: '00ff' } },
    sqlstate: '23514',
    message: 'check',
  },
  { row: 9, values: { id: 9, note: null, blob: null, password: 'plain' }, sqlstate: '22P02', message: 'bad' },
];

describe('writeRejects', () => {
  it('writes rejects/<step>.jsonl through the redactor and keeps only the count and the file in the result', async () => {
    const redactor = createRedactor({ knownSecrets: ['Sup3rSecretValue!'] });
    const [out] = await writeRejects(dir, [step(rows)], redactor);
    expect(out).toMatchObject({ rowsRejected: 2, rejectsFile: 'rejects/dst.jsonl' });
    expect(out).not.toHaveProperty('rejected');
    expect(stepMetrics(out as StepResult)).toMatchObject({ rows_rejected: 2, rejects_file: 'rejects/dst.jsonl' });
    const text = readFileSync(join(dir, 'rejects/dst.jsonl'), 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(text).not.toContain('Sup3rSecretValue!');
    // A value under a secret-looking name is masked whatever it holds.
    expect(text).not.toContain('plain');
    expect(JSON.parse(text.split('\n')[0] as string)).toMatchObject({ row: 2, sqlstate: '23514', message: 'check' });
  });

  it('writes no file for a step without rejected rows, and keeps rows_rejected 0 when it had the option', async () => {
    const [none, zero] = await writeRejects(join(dir, 'none'), [step(), step([])], createRedactor({}));
    expect(none).not.toHaveProperty('rowsRejected');
    expect(zero).toMatchObject({ rowsRejected: 0 });
    expect(zero).not.toHaveProperty('rejectsFile');
  });
});

describe('readRejects', () => {
  it('names the line that is not a rejected row', async () => {
    const file = join(dir, 'broken.jsonl');
    writeFileSync(file, `${JSON.stringify(rows[0])}\n{"row": "x"}\n`);
    await expect(readRejects(file)).rejects.toMatchObject({
      code: OsirisErrorCode.Config,
      message: expect.stringContaining('broken.jsonl, line 2: not a rejected row'),
    });
  });
});

describe('replayRejects', () => {
  it('sends the rows through the step’s write, values as text (bytes as bytes), with max_rejects 0', async () => {
    const file = join(dir, 'replay.jsonl');
    writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    let seen: { config: Record<string, unknown>; input: TabularStream; rows: Row[] } | undefined;
    const connector: Connector = {
      type: 'supabase.table',
      modes: ['write'],
      capabilities: [],
      async write(_ctx, config, input) {
        const all: Row[] = [];
        for await (const batch of input.batches) all.push(...batch);
        seen = { config, input, rows: all };
        return { rowsWritten: all.length };
      },
    };
    const config = {
      id: 'dst',
      component: 'supabase.table',
      mode: 'write' as const,
      connection: '@pg',
      options: { table: 't', write_mode: 'merge', merge_keys: ['id'], max_rejects: 10 },
    };
    const result = await replayRejects({ file, config, connector, connection: { url: 'postgresql://x@h/d' } });
    expect(result).toEqual({ rowsReplayed: 2, rowsWritten: 2 });
    expect(seen?.config).toEqual({ ...config.options, max_rejects: 0 });
    expect(seen?.input.columns.map((c) => [c.name, c.kind])).toEqual([
      ['id', 'text'],
      ['note', 'text'],
      ['blob', 'bytes'],
      ['password', 'text'],
    ]);
    expect(seen?.rows).toEqual([
      ['2', 'token Sup3rSecretValue!', Buffer.from([0, 255]), null],
      ['9', null, null, 'plain'],
    ]);
  });
});
