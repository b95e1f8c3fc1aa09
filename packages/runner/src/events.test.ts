// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { createEventStamper } from './events';

describe('createEventStamper', () => {
  const runId = 'r_20261127T143000Z_ab12cd';

  it('gives every draft the run ids, the time and an id that sorts in the order the events came', () => {
    let clock = Date.parse('2026-11-27T14:30:00.000Z');
    const now = () => {
      clock += 5;
      return new Date(clock);
    };
    const stamp = createEventStamper({ runId, correlationId: 'corr', now });
    const events = Array.from({ length: 12 }, (_, index) =>
      stamp({ type: 'progress', level: 'info', step: 'src', attempt: 1, payload: { rowsRead: index } }),
    );
    expect(events[0]).toEqual({
      id: `${runId}_00000001`,
      ts: '2026-11-27T14:30:00.005Z',
      runId,
      correlationId: 'corr',
      type: 'progress',
      level: 'info',
      step: 'src',
      attempt: 1,
      payload: { rowsRead: 0 },
    });
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).toBe(12);
    // As text, as a log reader or a queue would sort them: 00000010 after 00000009.
    expect([...ids].sort()).toEqual(ids);
    expect(ids[11]).toBe(`${runId}_00000012`);
  });

  it('keeps the time of an event that happened elsewhere (a sandbox), and ids rise all the same', () => {
    const stamp = createEventStamper({ runId, correlationId: 'corr' });
    const first = stamp({ type: 'start', level: 'info', step: null, payload: {} });
    const relayed = stamp({ type: 'end', level: 'info', step: 'dst', payload: {}, ts: '2026-11-27T14:29:59.001Z' });
    expect(relayed.ts).toBe('2026-11-27T14:29:59.001Z');
    expect(first.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(relayed.id > first.id).toBe(true);
  });
});
