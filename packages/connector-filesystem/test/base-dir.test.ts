// SPDX-License-Identifier: MIT
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitCodeOf } from '@osiris/registry';
import { caught } from '@osiris/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { filesystemCsvConnector as csv } from '../src/index';
import { collect, columns, filesIn, makeCtx, streamOf, useTempDir } from './helpers';

// base_dir is a boundary: the chat agent writes the paths. Layout of each test:
//   <tmp>/outside/secret.csv, <tmp>/outside/sub/   (must never be read or written)
//   <tmp>/base/in.csv, <tmp>/base/sub/             (the connection's base_dir)
const tmp = useTempDir();
let base: string;
let outside: string;

// biome-ignore-start lint/style/noNonNullAssertion: the connector implements all three
const read = csv.read!.bind(csv);
const write = csv.write!.bind(csv);
const discover = csv.discover!.bind(csv);
// biome-ignore-end lint/style/noNonNullAssertion: the connector implements all three

const SECRET = 'secret\ns3cr3t\n';

beforeEach(async () => {
  base = join(tmp.path, 'base');
  outside = join(tmp.path, 'outside');
  await mkdir(join(base, 'sub'), { recursive: true });
  await mkdir(join(outside, 'sub'), { recursive: true });
  await writeFile(join(base, 'in.csv'), 'id\n1\n');
  await writeFile(join(outside, 'secret.csv'), SECRET);
});

const ctx = () => makeCtx({ baseDir: base }).ctx;

/** The error of a refused path: a configuration error (exit 5) that names base_dir. */
async function refused(promise: Promise<unknown>, reason = 'CONNECTOR_PATH_OUTSIDE_BASE_DIR') {
  const error = await caught(promise);
  expect(error).toMatchObject({ name: 'FilesystemConnectorError', reason, code: 'CONFIG' });
  expect(exitCodeOf(error)).toBe(5);
  return error;
}

/** Nothing outside base_dir changed: the secret is intact and no file (or temporary file) appeared. */
async function outsideUntouched() {
  expect(await readFile(join(outside, 'secret.csv'), 'utf8')).toBe(SECRET);
  expect(await filesIn(outside)).toEqual(['secret.csv', 'sub']);
  expect(await filesIn(join(outside, 'sub'))).toEqual([]);
  expect(await filesIn(tmp.path)).toEqual(['base', 'outside']);
}

const oneRow = () => streamOf(columns({ secret: 'text' }), [['overwritten']]);

describe('base_dir keeps reads inside it', () => {
  it.each([
    ['.. segments', '../outside/secret.csv'],
    ['many .. segments', '../../../../../../../../etc/passwd'],
    ['.. after a subfolder', 'sub/../../outside/secret.csv'],
    ['an absolute path', '/etc/passwd'],
  ])('refuses %s', async (_name, path) => {
    const error = await refused(read(ctx(), { path }));
    expect(error.message).toContain(`options.path ${JSON.stringify(path)} resolves to`);
    expect(error.message).toContain(`outside the connection's base_dir ${base}`);
  });

  it('refuses an absolute path outside, reads one inside, and reads .. that stays inside', async () => {
    await refused(read(ctx(), { path: join(outside, 'secret.csv') }));
    expect((await collect(await read(ctx(), { path: join(base, 'in.csv') }))).rows).toEqual([[1]]);
    expect((await collect(await read(ctx(), { path: 'sub/../in.csv' }))).rows).toEqual([[1]]);
  });

  it('refuses a symlinked file and a file in a symlinked folder that lead outside', async () => {
    await symlink(join(outside, 'secret.csv'), join(base, 'link.csv'));
    await symlink(outside, join(base, 'linked'));
    const error = await refused(read(ctx(), { path: 'link.csv' }));
    expect(error.message).toContain(`leads through a symbolic link to ${join(outside, 'secret.csv')}`);
    await refused(read(ctx(), { path: 'linked/secret.csv' }));
  });

  it('follows links that stay inside, also when base_dir itself is a link', async () => {
    await symlink(join(base, 'in.csv'), join(base, 'alias.csv'));
    await symlink(base, join(tmp.path, 'base-link'));
    const { ctx: linked } = makeCtx({ baseDir: join(tmp.path, 'base-link') });
    expect((await collect(await read(ctx(), { path: 'alias.csv' }))).rows).toEqual([[1]]);
    expect((await collect(await read(linked, { path: 'alias.csv' }))).rows).toEqual([[1]]);
    await refused(read(linked, { path: '../outside/secret.csv' }));
  });

  it('refuses a path with a NUL byte', async () => {
    const error = await refused(read(ctx(), { path: 'in.csv\0../../etc/passwd' }), 'CONNECTOR_CONFIG_INVALID');
    expect(error.message).toContain('NUL byte');
  });

  it('says when base_dir does not exist: a configuration error', async () => {
    const { ctx: missing } = makeCtx({ baseDir: join(tmp.path, 'missing') });
    const error = await refused(read(missing, { path: 'in.csv' }), 'CONNECTOR_CONFIG_INVALID');
    expect(error.message).toContain(`base_dir ${join(tmp.path, 'missing')} does not exist`);
    await refused(write(missing, { path: 'x.csv' }, oneRow()), 'CONNECTOR_CONFIG_INVALID');
    await refused(discover(missing, {}), 'CONNECTOR_CONFIG_INVALID');
  });

  it('without base_dir, paths are not confined (the working directory is only where they start)', async () => {
    const { ctx: free } = makeCtx();
    expect((await collect(await read(free, { path: join(base, 'in.csv') }))).rows).toEqual([[1]]);
  });
});

describe('base_dir keeps writes inside it', () => {
  it.each([
    ['.. segments', '../outside/x.csv'],
    ['.. onto an existing file', '../outside/secret.csv'],
    ['an absolute path', '<outside>/x.csv'],
  ])('refuses %s, writing nothing anywhere', async (_name, given) => {
    const path = given.replace('<outside>', outside);
    for (const write_mode of ['overwrite', 'append']) {
      await refused(write(ctx(), { path, write_mode }, oneRow()));
    }
    await outsideUntouched();
    expect(await filesIn(base)).toEqual(['in.csv', 'sub']);
  });

  it('refuses a symlinked folder that leads outside, for a new file and an existing one', async () => {
    await symlink(outside, join(base, 'linked'));
    for (const path of ['linked/new.csv', 'linked/secret.csv', 'linked/sub/new.csv']) {
      for (const write_mode of ['overwrite', 'append']) {
        await refused(write(ctx(), { path, write_mode }, oneRow()));
      }
    }
    await outsideUntouched();
  });

  it('refuses a symlinked file that leads outside, in both write modes', async () => {
    await symlink(join(outside, 'secret.csv'), join(base, 'link.csv'));
    for (const write_mode of ['overwrite', 'append']) {
      await refused(write(ctx(), { path: 'link.csv', write_mode }, oneRow()));
    }
    await outsideUntouched();
  });

  it('replaces a dangling link that points outside with a file inside, creating nothing outside', async () => {
    await symlink(join(outside, 'planted.csv'), join(base, 'dangling.csv'));
    await write(ctx(), { path: 'dangling.csv' }, oneRow());
    expect(await readFile(join(base, 'dangling.csv'), 'utf8')).toBe('secret\noverwritten\n');
    await outsideUntouched();
  });

  it('writes through links that stay inside: the linked file changes, the link stays', async () => {
    await symlink(join(base, 'sub'), join(base, 'sub-link'));
    await symlink(join(base, 'in.csv'), join(base, 'alias.csv'));
    await write(ctx(), { path: 'sub-link/new.csv' }, oneRow());
    expect(await readFile(join(base, 'sub', 'new.csv'), 'utf8')).toBe('secret\noverwritten\n');
    await write(ctx(), { path: 'alias.csv', write_mode: 'append' }, streamOf(columns({ id: 'integer' }), [[2]]));
    expect(await readFile(join(base, 'in.csv'), 'utf8')).toBe('id\n1\n2\n');
    expect((await collect(await read(ctx(), { path: 'alias.csv' }))).rows).toEqual([[1], [2]]);
    expect(await filesIn(base)).toEqual(['alias.csv', 'in.csv', 'sub', 'sub-link']);
  });

  it('refuses a path with a NUL byte', async () => {
    await refused(write(ctx(), { path: 'x.csv\0' }, oneRow()), 'CONNECTOR_CONFIG_INVALID');
    expect(await filesIn(base)).toEqual(['in.csv', 'sub']);
  });
});

describe('base_dir keeps discovery inside it', () => {
  it('skips a linked file that leads outside when listing, with a warning', async () => {
    await symlink(join(outside, 'secret.csv'), join(base, 'link.csv'));
    const { ctx: listing, logs } = makeCtx({ baseDir: base });
    expect((await discover(listing, {})).map((t) => t.name)).toEqual(['in.csv']);
    expect(logs).toEqual([
      { level: 'warn', message: expect.stringMatching(/skipped link\.csv: .*outside .*base_dir/) },
    ]);
  });

  it.each([
    ['schema ..', { schema: '..' }],
    ['an absolute schema', { schema: '<outside>' }],
    ['a linked schema', { schema: 'linked' }],
    ['table ../…', { table: '../outside/secret.csv' }],
    ['an absolute table', { table: '<outside>/secret.csv' }],
    ['a table in a linked folder', { table: 'linked/secret.csv' }],
    ['a table .. from a schema', { schema: 'sub', table: '../../outside/secret.csv' }],
    ['a linked table', { table: 'link.csv' }],
  ])('refuses %s', async (_name, given) => {
    await symlink(outside, join(base, 'linked'));
    await symlink(join(outside, 'secret.csv'), join(base, 'link.csv'));
    const options = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, v.replace('<outside>', outside)]));
    await refused(discover(ctx(), options));
  });

  it('still lists and describes files inside, also through links that stay inside', async () => {
    await symlink(join(base, 'sub'), join(base, 'sub-link'));
    await writeFile(join(base, 'sub', 'deep.csv'), 'x\n1\n');
    await rm(join(outside, 'secret.csv'));
    expect((await discover(ctx(), { schema: 'sub-link' })).map((t) => t.name)).toEqual(['sub-link/deep.csv']);
    expect((await discover(ctx(), { schema: 'sub', table: '../in.csv' })).map((t) => t.name)).toEqual(['in.csv']);
  });
});
