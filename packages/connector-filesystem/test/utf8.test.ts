// SPDX-License-Identifier: MIT
import { isUtf8 } from 'node:buffer';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '@osiris/compiler';
import { exitCodeOf, loadRegistry } from '@osiris/registry';
import { DEFAULT_RUN_SETTINGS, executeSteps, type RunEventDraft, resolveConnections } from '@osiris/runner';
import { caught, makeStepContext } from '@osiris/test-utils';
import { describe, expect, it } from 'vitest';
import { filesystemCsvConnector as csv } from '../src/index';
import { invalidSequences } from '../src/internal/utf8';
import { collect, columns, streamOf, useTempDir } from './helpers';

// A CSV file that is not valid UTF-8 fails by default, naming where; on_invalid_utf8: replace reads
// each invalid sequence as U+FFFD and says how many there were.
const dir = useTempDir();
const registry = loadRegistry(fileURLToPath(new URL('../../../components', import.meta.url)));

// biome-ignore-start lint/style/noNonNullAssertion: the connector implements read and discover
const read = csv.read!.bind(csv);
const discover = csv.discover!.bind(csv);
// biome-ignore-end lint/style/noNonNullAssertion: the connector implements read and discover

const ctx = () => makeStepContext({ base_dir: dir.path }, { stepId: 'src' });
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** A latin1 é (0xe9) on line 3, at byte offset 19 of the file. */
const LATIN1_ON_LINE_3 = bytes('id,name\n1,Ann\n2,Jos', [0xe9], '\n3,Zoe\n');

describe('invalid UTF-8', () => {
  it('fails by default with the file, the line and the byte offset, and how to fix it', async () => {
    await writeFile(join(dir.path, 'latin1.csv'), LATIN1_ON_LINE_3);
    const error = await caught(read(ctx().ctx, { path: 'latin1.csv' }).then((s) => collect(s)));
    expect(error).toMatchObject({
      name: 'FilesystemConnectorError',
      reason: 'CONNECTOR_INVALID_UTF8',
      code: 'RUN',
      file: join(dir.path, 'latin1.csv'),
      line: 3,
    });
    expect(exitCodeOf(error)).toBe(4);
    expect(error.message).toContain(`${join(dir.path, 'latin1.csv')} line 3`);
    expect(error.message).toContain('byte offset 19');
    expect(error.message).toContain('e9 0a');
    expect(error.message).toMatch(/re-encode the file as UTF-8/i);
    expect(error.message).toContain('options.encoding');
    expect(error.message).toContain('options.on_invalid_utf8: replace');
  });

  it.each([
    ['in the header', bytes('id,n', [0xff], 'me\n1,a\n'), 1],
    ['a truncated sequence at the end of the file', bytes('a\nx\n', [0xe2, 0x82]), 3],
    ['an overlong encoding', bytes('a\n', [0xc0, 0xaf], '\n'), 2],
    ['an encoded surrogate', bytes('a\nb\n', [0xed, 0xa0, 0x80], '\n'), 3],
    // The line of the byte itself, not of the record it is in.
    ['a lone continuation byte in a quoted field spanning lines', bytes('a\n"x\ny', [0x80], '"\n'), 3],
  ])('finds one %s', async (_name, content, line) => {
    await writeFile(join(dir.path, 'bad.csv'), content);
    const error = await caught(read(ctx().ctx, { path: 'bad.csv' }).then((s) => collect(s)));
    expect(error).toMatchObject({ reason: 'CONNECTOR_INVALID_UTF8', line });
  });

  it('checks the whole file, not only the sample: also past chunk boundaries, and valid text across them', async () => {
    // Multi-byte characters (2, 3 and 4 bytes) at every offset around many 64 KiB boundaries.
    const lines = ['id,text'];
    for (let i = 0; i < 40_000; i++) lines.push(`${i},${'é€😀'.repeat(1 + (i % 3))}x`);
    const valid = `${lines.join('\n')}\n`;
    await writeFile(join(dir.path, 'valid.csv'), valid);
    const { rows } = await collect(await read(ctx().ctx, { path: 'valid.csv', sample_rows: 10 }));
    expect(rows).toHaveLength(40_000);
    expect(rows[39_999]).toEqual([39_999, `${'é€😀'.repeat(1)}x`]);

    // Now break an emoji far past the sample whose bytes straddle a 64 KiB chunk boundary.
    const buffer = Buffer.from(valid, 'utf8');
    const emoji = Buffer.from('😀', 'utf8');
    let at = -1;
    for (let boundary = 3 * 65536; at === -1; boundary += 65536) {
      const found = buffer.indexOf(emoji, boundary - 3);
      if (found < boundary) at = found;
    }
    buffer[at + 2] = 0x41;
    await writeFile(join(dir.path, 'broken.csv'), buffer);
    const line = buffer.subarray(0, at).toString('utf8').split('\n').length;
    const error = await caught(read(ctx().ctx, { path: 'broken.csv', sample_rows: 10 }).then((s) => collect(s)));
    expect(error).toMatchObject({ reason: 'CONNECTOR_INVALID_UTF8', line });
    expect(error.message).toContain(`byte offset ${at}`);
  });

  it('with on_invalid_utf8: replace, reads U+FFFD for each invalid sequence and reports how many', async () => {
    await writeFile(
      join(dir.path, 'mixed.csv'),
      bytes('id,name\n1,Jos', [0xe9], '\n2,', [0xf0, 0x9f, 0x98], '\n3,', [0xc0, 0xaf], '\n4,ok\n'),
    );
    const { ctx: context, logs } = ctx();
    const { rows } = await collect(await read(context, { path: 'mixed.csv', on_invalid_utf8: 'replace' }));
    expect(rows).toEqual([
      [1, 'Jos\ufffd'],
      [2, '\ufffd'],
      [3, '\ufffd\ufffd'],
      [4, 'ok'],
    ]);
    expect(logs.filter((l) => l.level === 'warn').at(-1)).toEqual({
      level: 'warn',
      message: expect.stringMatching(
        /replaced 4 invalid UTF-8 sequence\(s\) in .*mixed\.csv with U\+FFFD \(the first on line 2, byte offset 13\)/,
      ),
      fields: expect.objectContaining({ invalid_utf8_replaced: 4 }),
    });
  });

  it('reports nothing for a valid file, and reads a latin1 file as latin1', async () => {
    await writeFile(join(dir.path, 'latin1.csv'), LATIN1_ON_LINE_3);
    const { ctx: context, logs } = ctx();
    const { rows } = await collect(await read(context, { path: 'latin1.csv', encoding: 'latin1' }));
    expect(rows[1]).toEqual([2, 'José']);
    // A UTF-16LE byte-order mark makes the file UTF-16LE, whatever options.encoding says.
    await writeFile(
      join(dir.path, 'u16.csv'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\n€\n', 'utf16le')]),
    );
    expect((await collect(await read(context, { path: 'u16.csv' }))).rows).toEqual([['€']]);
    await writeFile(join(dir.path, 'ok.csv'), 'a\n€\n');
    await collect(await read(context, { path: 'ok.csv', on_invalid_utf8: 'replace' }));
    expect(logs).toEqual([]);
  });

  it('is refused on a write step and checked as an option', async () => {
    await expect(
      csv.write?.(ctx().ctx, { path: 'x.csv', on_invalid_utf8: 'replace' }, streamOf(columns({ a: 'text' }), [])),
    ).rejects.toMatchObject({ reason: 'CONNECTOR_CONFIG_INVALID', message: expect.stringContaining('read steps') });
    await expect(read(ctx().ctx, { path: 'ok.csv', on_invalid_utf8: 'ignore' })).rejects.toMatchObject({
      reason: 'CONNECTOR_CONFIG_INVALID',
      message: expect.stringContaining('options.on_invalid_utf8 must be fail or replace'),
    });
    const write = registry.validateStep({
      id: 'w',
      type: 'filesystem.csv',
      mode: 'write',
      options: { path: 'a.csv', on_invalid_utf8: 'replace' },
    } as never);
    expect(write.diagnostics.map((d) => d.message).join('\n')).toContain('only apply to read steps');
  });

  it('discovery skips such a file with the reason when listing, and fails on it when named', async () => {
    await writeFile(join(dir.path, 'latin1.csv'), LATIN1_ON_LINE_3);
    await writeFile(join(dir.path, 'ok.csv'), 'a\n1\n');
    const { ctx: context, logs } = ctx();
    expect((await discover(context, {})).map((t) => t.name)).toEqual(['ok.csv']);
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/skipped latin1\.csv: .*line 3.*UTF-8/),
      }),
    ]);
    await expect(discover(context, { table: 'latin1.csv' })).rejects.toMatchObject({
      reason: 'CONNECTOR_INVALID_UTF8',
    });
  });

  it('in a run: fails the step (exit 4) by default; with replace, succeeds and logs the count as a warning', async () => {
    await writeFile(join(dir.path, 'in.csv'), LATIN1_ON_LINE_3);
    const pipeline = (extra: string) => `
version: 0.0.1
name: utf8
sources:
  - id: src
    type: filesystem.csv
    connection: "@files"
    mode: read
    options: { path: in.csv${extra} }
sinks:
  - id: dst
    type: filesystem.csv
    connection: "@files"
    mode: write
    options: { path: out.csv }
`;
    const { connections } = await resolveConnections(['@files'], {
      registry,
      componentsByRef: new Map([['@files', ['filesystem.csv']]]),
      env: { OSIRIS_CONN__FILES__BASE_DIR: dir.path },
    });
    const run = async (extra: string) => {
      const compiled = compile(pipeline(extra), { registry, mode: 'strict' });
      expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      if (compiled.manifest === undefined) throw new Error('no manifest');
      const events: RunEventDraft[] = [];
      const result = await executeSteps(compiled.manifest, compiled.configs, {
        connectors: [csv],
        connections,
        registry,
        settings: { ...DEFAULT_RUN_SETTINGS, chunkSize: 2 },
        signal: new AbortController().signal,
        events: (event) => events.push(event),
      });
      return { result, events };
    };

    const failed = await run('');
    expect(failed.result.status).toBe('failed');
    expect(exitCodeOf(failed.result.error)).toBe(4);
    expect(failed.result.error?.message).toContain('line 3');

    const replaced = await run(', on_invalid_utf8: replace');
    expect(replaced.result.status).toBe('succeeded');
    expect(replaced.events).toContainEqual(
      expect.objectContaining({
        type: 'note',
        level: 'warn',
        step: 'src',
        payload: { message: expect.stringContaining('replaced 1 invalid UTF-8') },
      }),
    );
  });
});

describe('invalidSequences', () => {
  it('counts exactly the U+FFFD a UTF-8 decoder puts in, for many random byte strings', () => {
    // Bytes around every boundary of the UTF-8 tables, from a fixed-seed generator.
    const alphabet = [0x41, 0x0a, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec];
    alphabet.push(0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff);
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const wrong: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const bytes = Buffer.from(
        Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length] ?? 0),
      );
      const decoded = bytes.toString('utf8');
      // A real U+FFFD in the input would be counted by the decoder too: leave those out.
      if (bytes.includes(Buffer.from([0xef, 0xbf, 0xbd]))) continue;
      const replaced = [...decoded].filter((c) => c === '\ufffd').length;
      const found = invalidSequences(bytes);
      if (found.count !== replaced || (found.count === 0) !== isUtf8(bytes)) wrong.push(bytes.toString('hex'));
    }
    expect(wrong).toEqual([]);
  });
});
