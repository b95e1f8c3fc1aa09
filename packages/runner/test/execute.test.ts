// SPDX-License-Identifier: MIT
import { isOsirisError, loadRegistry, OsirisErrorCode } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import type { Connector, Row, TextBatch } from '../src/contracts';
import { isTransientError } from '../src/errors';
import type { RunEventDraft } from '../src/events';
import { type ExecuteOptions, executeSteps } from '../src/execute';
import type { RunSettings } from '../src/settings';
import { textBatchRows } from '../src/text-batch';
import { codeError, connections, fakeSink, fakeSource, fastSettings, pipeline, transientCodes } from './fakes';

const registry = loadRegistry();

type Overrides = Partial<Omit<ExecuteOptions, 'settings'>> &
  Pick<ExecuteOptions, 'connectors'> & { settings?: Partial<RunSettings> };

function options({ settings, ...overrides }: Overrides) {
  const events: RunEventDraft[] = [];
  return {
    events,
    options: {
      connections,
      events: (event: RunEventDraft) => events.push(event),
      signal: new AbortController().signal,
      registry,
      ...overrides,
      settings: { ...fastSettings, chunkSize: 10, ...settings },
    } satisfies ExecuteOptions,
  };
}

describe('executeSteps', () => {
  it('pipes every row from the source into the sink and reports each step', async () => {
    const source = fakeSource({ rows: 25, batchSize: 10 });
    const sink = fakeSink();
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({ connectors: [source, sink] });

    const result = await executeSteps(manifest, configs, opts);

    expect(result.status).toBe('succeeded');
    expect(sink.committed).toHaveLength(25);
    expect(result.steps).toEqual([
      expect.objectContaining({ id: 'src', status: 'succeeded', attempts: 1, rowsRead: 25, rowsWritten: 0 }),
      expect.objectContaining({ id: 'dst', status: 'succeeded', attempts: 1, rowsRead: 25, rowsWritten: 25 }),
    ]);
    const names = events.map((event) => `${event.step}:${event.type}`);
    expect(names.slice(0, 2)).toEqual(['src:start', 'dst:start']);
    expect(names).toContain('dst:progress');
    expect(names.slice(-4)).toEqual(['src:metrics', 'src:end', 'dst:metrics', 'dst:end']);
    const progress = events.filter((event) => event.type === 'progress').map((event) => event.payload.rowsRead);
    expect(progress).toEqual([10, 20, 25]);
  });

  it('throttles progress events by time', async () => {
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({
      connectors: [fakeSource({ rows: 1000, batchSize: 1 }), fakeSink()],
      settings: { progressIntervalMs: 60_000 },
    });
    await executeSteps(manifest, configs, opts);
    expect(events.filter((event) => event.type === 'progress')).toHaveLength(0);
  });

  it('fails fast when a step asks a connector for a mode it does not have', async () => {
    const { manifest, configs } = pipeline();
    // A sink that only reads: the write step is a violation, found before the source is touched.
    const source = fakeSource();
    const readOnly = fakeSink({ modes: ['read'] });
    const { options: opts } = options({ connectors: [source, readOnly], registry: undefined as never });
    const failure = await executeSteps(manifest, configs, { ...opts, registry: undefined as never }).catch(
      (error: unknown) => error,
    );
    expect(isOsirisError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: OsirisErrorCode.Validation });
    expect((failure as Error).message).toBe('step "dst" (supabase.table) cannot write: its connector supports read');
    expect(source.reads).toBe(0);
    expect(readOnly.writes).toBe(0);
  });

  it('fails fast when a connector claims what its spec card does not declare', async () => {
    const { manifest, configs } = pipeline();
    const source = fakeSource();
    // Every built-in card now declares read and write; a capability of its own is what this card lacks.
    Object.assign(source, { capabilities: [...source.capabilities, 'teleport'] });
    const { options: opts } = options({ connectors: [source, fakeSink()] });
    await expect(executeSteps(manifest, configs, opts)).rejects.toThrow(
      /step "src" \(mysql\.table\): the connector claims capability teleport, which the mysql\.table spec card does not declare/,
    );
    expect(source.reads).toBe(0);
  });

  it('refuses two sinks that read the same source, before reading anything', async () => {
    const { manifest, configs } = pipeline();
    const dst = manifest.steps[1];
    const config = configs.get('dst');
    if (dst === undefined || config === undefined) throw new Error('fixture changed');
    const fanOut = { ...manifest, steps: [...manifest.steps, { ...dst, id: 'dst2', cfg: 'cfg/dst2.json' }] };
    configs.set('dst2', { ...config, id: 'dst2' });
    const source = fakeSource();
    const { options: opts } = options({ connectors: [source, fakeSink()] });
    await expect(executeSteps(fanOut, configs, opts)).rejects.toThrow(
      /"dst2" reads from "src", which another sink already reads/,
    );
    expect(source.reads).toBe(0);
  });

  it('fails fast when a connector claims a capability its card does not declare', async () => {
    const { manifest, configs } = pipeline();
    const source = fakeSource({ capabilities: ['discovery', 'in_memory_move'] });
    const { options: opts } = options({ connectors: [source, fakeSink()] });
    await expect(executeSteps(manifest, configs, opts)).rejects.toThrow(/capability in_memory_move/);
    expect(source.reads).toBe(0);
  });

  it('fails fast on a component without a connector, a missing config or an unresolved connection', async () => {
    const { manifest, configs } = pipeline();
    await expect(executeSteps(manifest, configs, options({ connectors: [fakeSink()] }).options)).rejects.toThrow(
      /no connector for mysql\.table/,
    );
    const noConfig = new Map(configs);
    noConfig.delete('dst');
    await expect(
      executeSteps(manifest, noConfig, options({ connectors: [fakeSource(), fakeSink()] }).options),
    ).rejects.toThrow(/step "dst" \(supabase\.table\) has no config/);
    const { options: opts } = options({ connectors: [fakeSource(), fakeSink()], connections: new Map() });
    await expect(executeSteps(manifest, configs, opts)).rejects.toMatchObject({ code: OsirisErrorCode.Config });
  });

  it('retries a transient connection error and succeeds on attempt 2', async () => {
    const source = fakeSource({ readError: (attempt) => (attempt === 1 ? codeError('ECONNREFUSED') : undefined) });
    const sink = fakeSink();
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({ connectors: [source, sink] });

    const result = await executeSteps(manifest, configs, opts);

    expect(result.status).toBe('succeeded');
    expect(source.reads).toBe(2);
    expect(sink.committed).toHaveLength(25);
    expect(result.steps[0]).toMatchObject({ attempts: 2, rowsRead: 25 });
    const srcEvents = events.filter((event) => event.step === 'src');
    expect(srcEvents.filter((event) => event.type === 'start').map((event) => event.attempt)).toEqual([1, 2]);
    const retry = srcEvents.find((event) => event.type === 'error');
    expect(retry).toMatchObject({ level: 'warn', attempt: 1 });
    expect(retry?.payload.error).toMatch(
      /^attempt 1 of 3 failed with a transient error, retrying in 1 ms: .*ECONNREFUSED/,
    );
  });

  it('retries a transient error of the writer, with the whole pipe', async () => {
    const source = fakeSource();
    const sink = fakeSink({
      writeError: (attempt) =>
        attempt === 1 ? Object.assign(new Error('sorry, too many clients already'), { code: '53300' }) : undefined,
      isTransient: transientCodes('53300'),
    });
    const { manifest, configs } = pipeline();
    const result = await executeSteps(manifest, configs, options({ connectors: [source, sink] }).options);
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((step) => step.attempts)).toEqual([2, 2]);
    expect(sink.committed).toHaveLength(25);
    expect(source.reads).toBe(2);
  });

  it("asks the failing step's connector, not the other one, whether its driver's error is transient", async () => {
    const { manifest, configs } = pipeline();
    const busy = () => Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    // The source knows the code, but the sink failed: not retried.
    const source = fakeSource({ isTransient: transientCodes('53300') });
    const sink = fakeSink({ writeError: busy });
    const result = await executeSteps(manifest, configs, options({ connectors: [source, sink] }).options);
    expect(result.status).toBe('failed');
    expect(sink.writes).toBe(1);
    expect(result.error?.hint).toMatch(/^Nothing was committed/);
  });

  it('gives up after 3 attempts', async () => {
    const source = fakeSource({ readError: () => codeError('ECONNRESET', 'read ECONNRESET') });
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({ connectors: [source, fakeSink()] });

    const result = await executeSteps(manifest, configs, opts);

    expect(result.status).toBe('failed');
    expect(source.reads).toBe(3);
    expect(result.error?.code).toBe(OsirisErrorCode.Run);
    expect(result.error?.message).toBe('step "src" (mysql.table) failed after 3 attempts: read ECONNRESET');
    expect(result.steps[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(result.steps[1]).toMatchObject({ status: 'skipped', attempts: 0 });
    const errors = events.filter((event) => event.type === 'error');
    expect(errors.map((event) => event.level)).toEqual(['warn', 'warn', 'error']);
  });

  it('does not retry an ordinary error, nor one marked retryable: false', async () => {
    const { manifest, configs } = pipeline();
    const plain = fakeSource({ readError: () => new Error('table shop.orders does not exist') });
    const first = await executeSteps(manifest, configs, options({ connectors: [plain, fakeSink()] }).options);
    expect(first.status).toBe('failed');
    expect(plain.reads).toBe(1);

    const afterCommit = fakeSink({
      writeError: () => Object.assign(codeError('ECONNRESET'), { retryable: false }),
    });
    const second = await executeSteps(manifest, configs, options({ connectors: [fakeSource(), afterCommit] }).options);
    expect(second.status).toBe('failed');
    expect(afterCommit.writes).toBe(1);
  });

  it('blames the source when it fails mid-stream, and the sink rolls back', async () => {
    const source = fakeSource({ rows: 50, failAtBatch: { index: 2, error: new Error('Lost connection to server') } });
    const sink = fakeSink();
    const { manifest, configs } = pipeline();
    const result = await executeSteps(manifest, configs, options({ connectors: [source, sink] }).options);
    expect(result.status).toBe('failed');
    expect(result.error?.message).toBe('step "src" (mysql.table) failed: Lost connection to server');
    expect(sink.committed).toHaveLength(0);
    expect(sink.rolledBack).toBe(1);
    expect(result.steps[0]).toMatchObject({ status: 'failed', rowsRead: 20 });
    expect(result.steps[1]).toMatchObject({
      status: 'failed',
      rowsWritten: 0,
      error: 'stopped because step "src" failed',
    });
  });

  it('blames the sink when it rejects a row, and stops the source', async () => {
    const source = fakeSource({ rows: 100 });
    const sink = fakeSink({
      failAfterRows: { rows: 30, error: () => new Error('new row violates check constraint "amount_positive"') },
    });
    const { manifest, configs } = pipeline();
    const result = await executeSteps(manifest, configs, options({ connectors: [source, sink] }).options);
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/^step "dst" \(supabase\.table\) failed: new row violates/);
    expect(source.closed).toBe(1);
    expect(sink.committed).toHaveLength(0);
  });

  it('stops on abort, lets the writer roll back and reports interrupted', async () => {
    const controller = new AbortController();
    const source = fakeSource({
      rows: 100,
      onBatch: (index) => {
        if (index === 3) controller.abort();
      },
    });
    const sink = fakeSink();
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({ connectors: [source, sink], signal: controller.signal });

    const result = await executeSteps(manifest, configs, opts);

    expect(result.status).toBe('interrupted');
    expect(result.error?.code).toBe(OsirisErrorCode.Interrupted);
    expect(sink.committed).toHaveLength(0);
    expect(sink.rolledBack).toBe(1);
    expect(source.closed).toBe(1);
    expect(result.steps.map((step) => step.status)).toEqual(['interrupted', 'interrupted']);
    expect(events.filter((event) => event.type === 'error').every((event) => event.level === 'warn')).toBe(true);
  });

  describe('idle timeout', () => {
    /** A source that answers its third pull only when it is aborted, as a connector does. */
    const silentSource = () =>
      fakeSource({
        rows: 100,
        onBatch: (index, ctx) =>
          index === 2
            ? new Promise<void>((_, reject) =>
                ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
              )
            : undefined,
      });

    it('fails a source that sends nothing for that long, once, and the sink rolls back', async () => {
      const source = silentSource();
      const sink = fakeSink();
      const { manifest, configs } = pipeline();
      const started = performance.now();
      const result = await executeSteps(
        manifest,
        configs,
        options({ connectors: [source, sink], settings: { idleTimeoutMs: 50, retryAttempts: 3 } }).options,
      );
      expect(performance.now() - started).toBeLessThan(2000);
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe(OsirisErrorCode.Run);
      expect(result.error?.message).toMatch(
        /^step "src" \(mysql\.table\) failed: no data came from the source for 0\.05 s \(the idle timeout\) after 20 rows: .*OSIRIS_IDLE_TIMEOUT/,
      );
      expect(source.reads).toBe(1);
      expect(source.closed).toBe(1);
      expect(sink.rolledBack).toBe(1);
      expect(sink.committed).toHaveLength(0);
      expect(result.steps.map((step) => step.status)).toEqual(['failed', 'failed']);
    });

    it('times only the waits for the source: a sink slower than the timeout is not a silent source', async () => {
      const source = fakeSource({ rows: 50 });
      const sink: Connector = {
        type: 'supabase.table',
        modes: ['write'],
        capabilities: [],
        async write(_ctx, _config, input) {
          let rows = 0;
          for await (const batch of input.batches) {
            rows += batch.length;
            await new Promise((resolve) => setTimeout(resolve, 60));
          }
          return { rowsWritten: rows };
        },
      };
      const { manifest, configs } = pipeline();
      const result = await executeSteps(
        manifest,
        configs,
        options({ connectors: [source, sink], settings: { idleTimeoutMs: 20 } }).options,
      );
      expect(result.status).toBe('succeeded');
      expect(result.steps[1]?.rowsWritten).toBe(50);
    });

    it('0 waits as long as the source takes', async () => {
      const source = fakeSource({
        rows: 30,
        onBatch: (index) => (index === 1 ? new Promise<void>((resolve) => setTimeout(resolve, 100)) : undefined),
      });
      const { manifest, configs } = pipeline();
      const result = await executeSteps(
        manifest,
        configs,
        options({ connectors: [source, fakeSink()], settings: { idleTimeoutMs: 0 } }).options,
      );
      expect(result.status).toBe('succeeded');
    });
  });

  it('does not retry once aborted', async () => {
    const controller = new AbortController();
    const source = fakeSource({
      readError: () => {
        controller.abort();
        return codeError('ECONNREFUSED');
      },
    });
    const { manifest, configs } = pipeline();
    const result = await executeSteps(
      manifest,
      configs,
      options({ connectors: [source, fakeSink()], signal: controller.signal }).options,
    );
    expect(result.status).toBe('interrupted');
    expect(source.reads).toBe(1);
  });

  it('hands the sink the text batches of the source too, counted like rows; the sink pulls one kind', async () => {
    const cell = (text: string) => [text.length, ...Buffer.from(text)];
    const textBatch = (ids: number[]): TextBatch => ({
      rowCount: ids.length,
      data: Uint8Array.from(ids.flatMap((id) => [...cell(String(id)), 0xfb])),
    });
    const pulled: string[] = [];
    const source: Connector = {
      type: 'mysql.table',
      modes: ['read'],
      capabilities: ['discovery'],
      async read() {
        return {
          columns: [
            { name: 'id', kind: 'integer', nullable: false, nativeType: 'int' },
            { name: 'v', kind: 'text', nullable: true, nativeType: 'text' },
          ],
          batches: (async function* () {
            pulled.push('rows');
            yield [[1, null]];
          })(),
          textBatches: (async function* () {
            pulled.push('text');
            yield textBatch([1, 2, 3]);
            yield textBatch([4, 5]);
          })(),
        };
      },
    };
    const seen: Row[] = [];
    const sink: Connector = {
      type: 'supabase.table',
      modes: ['read', 'write'],
      capabilities: ['discovery'],
      async write(_ctx, _config, input) {
        if (input.textBatches === undefined) throw new Error('no text batches');
        for await (const batch of input.textBatches) seen.push(...textBatchRows(batch, input.columns));
        return { rowsWritten: seen.length };
      },
    };
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({ connectors: [source, sink] });
    const result = await executeSteps(manifest, configs, opts);
    expect(result.status).toBe('succeeded');
    expect(pulled).toEqual(['text']);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((id) => [id, null]));
    expect(result.steps.map((step) => [step.id, step.rowsRead, step.rowsWritten])).toEqual([
      ['src', 5, 0],
      ['dst', 5, 5],
    ]);
    expect(events.filter((event) => event.type === 'progress').map((event) => event.payload.rowsRead)).toEqual([3, 5]);
  });

  it('hands the sink a COPY binary stream of the source, counting its tuples across chunk boundaries', async () => {
    const int4 = (v: number) => {
      const field = Buffer.alloc(8);
      field.writeInt32BE(4, 0);
      field.writeInt32BE(v, 4);
      return field;
    };
    const tuple = (id: number, note: string | null) => {
      const text = note === null ? Buffer.from([0xff, 0xff, 0xff, 0xff]) : Buffer.from(note);
      const len = Buffer.alloc(4);
      len.writeInt32BE(text.length);
      return Buffer.concat([Buffer.from([0, 2]), int4(id), ...(note === null ? [text] : [len, text])]);
    };
    const bytes = Buffer.concat([
      Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
      Buffer.alloc(8),
      tuple(1, 'a'),
      tuple(2, null),
      tuple(3, 'tab\there'),
      tuple(4, ''),
      tuple(5, null),
      Buffer.from([0xff, 0xff]),
    ]);
    // Cut inside the header, inside a length word, inside a NULL's length word and inside a value.
    const cuts = [5, 31, 46, 65, bytes.length];
    const pulled: string[] = [];
    const source: Connector = {
      type: 'mysql.table',
      modes: ['read'],
      capabilities: ['discovery'],
      async read() {
        return {
          columns: [
            { name: 'id', kind: 'integer', nullable: false, nativeType: 'integer' },
            { name: 'note', kind: 'text', nullable: true, nativeType: 'text' },
          ],
          batches: (async function* () {
            pulled.push('rows');
            yield [[1, 'a']];
          })(),
          copyBinary: {
            typnames: ['int4', 'text'],
            chunks: (async function* () {
              pulled.push('copy binary');
              let from = 0;
              for (const to of cuts) {
                yield bytes.subarray(from, to);
                from = to;
              }
            })(),
          },
        };
      },
    };
    const received: Buffer[] = [];
    let typnames: readonly string[] = [];
    const sink: Connector = {
      type: 'supabase.table',
      modes: ['read', 'write'],
      capabilities: ['discovery'],
      async write(_ctx, _config, input) {
        if (input.copyBinary === undefined) throw new Error('no COPY binary stream');
        typnames = input.copyBinary.typnames;
        for await (const chunk of input.copyBinary.chunks) received.push(Buffer.from(chunk));
        return { rowsWritten: 5 };
      },
    };
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({ connectors: [source, sink] });
    const result = await executeSteps(manifest, configs, opts);
    expect(result.status).toBe('succeeded');
    expect(pulled).toEqual(['copy binary']);
    expect(typnames).toEqual(['int4', 'text']);
    expect(Buffer.concat(received)).toEqual(bytes);
    expect(result.steps.map((step) => [step.id, step.rowsRead, step.rowsWritten])).toEqual([
      ['src', 5, 0],
      ['dst', 5, 5],
    ]);
    // The tuples end at offsets 34, 48, 70, 84 and 98: in the third, fourth and fifth chunk.
    expect(events.filter((event) => event.type === 'progress').map((event) => event.payload.rowsRead)).toEqual([
      0, 0, 1, 2, 5,
    ]);
  });

  it("reports a malformed COPY binary stream as the source's failure", async () => {
    const source: Connector = {
      type: 'mysql.table',
      modes: ['read'],
      capabilities: ['discovery'],
      async read() {
        return {
          columns: [{ name: 'id', kind: 'integer', nullable: false, nativeType: 'integer' }],
          batches: (async function* () {})(),
          copyBinary: {
            typnames: ['int4'],
            chunks: (async function* () {
              yield Buffer.from('not a COPY stream at all');
            })(),
          },
        };
      },
    };
    const sink: Connector = {
      type: 'supabase.table',
      modes: ['read', 'write'],
      capabilities: ['discovery'],
      async write(_ctx, _config, input) {
        for await (const _chunk of input.copyBinary?.chunks ?? []) {
          // passed on
        }
        return { rowsWritten: 0 };
      },
    };
    const { manifest, configs } = pipeline();
    const result = await executeSteps(manifest, configs, options({ connectors: [source, sink] }).options);
    expect(result.status).toBe('failed');
    expect(result.steps[0]).toMatchObject({ id: 'src', status: 'failed' });
    expect(result.steps[0]?.error).toContain('PGCOPY signature');
  });

  it('reads a source that feeds no sink and counts its rows', async () => {
    const { manifest, configs } = pipeline();
    const only = { ...manifest, steps: [manifest.steps[0]] } as typeof manifest;
    const result = await executeSteps(only, configs, options({ connectors: [fakeSource({ rows: 7 })] }).options);
    expect(result.steps).toEqual([expect.objectContaining({ id: 'src', status: 'succeeded', rowsRead: 7 })]);
  });

  it('passes connector notes to the event sink', async () => {
    const source = fakeSource({
      onBatch: (index, ctx) => {
        if (index === 0) ctx.reporter.log('warn', 'zero dates became NULL', { column: 'updated_at', rows: 2 });
      },
    });
    const { manifest, configs } = pipeline();
    const { events, options: opts } = options({ connectors: [source, fakeSink()] });
    await executeSteps(manifest, configs, opts);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'note',
        level: 'warn',
        step: 'src',
        payload: { message: 'zero dates became NULL (column=updated_at, rows=2)' },
      }),
    );
  });
});

describe('isTransientError', () => {
  // What no driver owns; the MySQL and Postgres codes are their connectors' (connector-*/src/connector.test.ts).
  it.each([
    [codeError('ECONNREFUSED'), true],
    [codeError('ECONNRESET'), true],
    [new Error('wrapped', { cause: codeError('ECONNREFUSED') }), true],
    [new AggregateError([codeError('ECONNREFUSED'), codeError('ECONNREFUSED')], ''), true],
    [Object.assign(codeError('ECONNRESET'), { retryable: false }), false],
    [Object.assign(new Error('Too many connections'), { code: 'ER_CON_COUNT_ERROR', errno: 1040 }), false],
    [Object.assign(new Error('password authentication failed'), { code: '28P01' }), false],
    [new Error('syntax error'), false],
    ['ECONNREFUSED', false],
  ])('%#: %s → %s', (error, expected) => {
    expect(isTransientError(error)).toBe(expected);
  });
});
