// SPDX-License-Identifier: MIT
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientTypes, resolveConnection } from '../src/connection';
import { openServerSession } from '../src/server-session';
import { createTestDatabase, makeCtx } from './helpers';

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin.query('CREATE TABLE t (v text NOT NULL)');
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

describe('server session COPY FROM', () => {
  it('survives a server error while writes wait for the socket to drain (pg-copy-streams#171)', async () => {
    const { ctx } = makeCtx({ url: db.url });
    const target = resolveConnection('dst', { url: db.url });
    if (target.kind !== 'server') throw new Error('a server URL');
    const session = await openServerSession(ctx, target, new ClientTypes(), 'write');
    await session.begin('BEGIN');
    let failure: Error | undefined;
    const load = session.copyIn('t (v)', {
      drain: () => {},
      error: (err) => {
        failure ??= err;
      },
    });
    // The first row fails at once; megabytes more are already on their way and buffered behind the socket.
    load.write('\\N\n');
    const big = `${'x'.repeat(8 << 20)}\n`;
    for (let i = 0; i < 4; i++) load.write(big);
    const deadline = Date.now() + 10_000;
    while (failure === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Let every pending drain fire after the error.
    await new Promise((r) => setTimeout(r, 500));
    expect(failure?.message).toContain('null value');
    await session.rollback();
    await session.close();
  });
});
