// SPDX-License-Identifier: MIT
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDirs } from './helpers';

// `osiris discover` on a folder of CSV files (filesystem.csv), in process.
const dirs = tempDirs();
afterAll(() => dirs.clean());

const discover = (cwd: string, baseDir: string, ...args: string[]) =>
  runCli(['discover', '@files', '--component', 'filesystem.csv', '--refresh', ...args], {
    cwd,
    env: { OSIRIS_HOME: join(cwd, 'home'), OSIRIS_CONN__FILES__BASE_DIR: baseDir },
  });

describe('osiris discover with filesystem.csv', () => {
  it('exits 5 with a clear message when the connection folder does not exist', async () => {
    const cwd = dirs.make();
    const { code, stderr } = await discover(cwd, join(cwd, 'missing'));
    expect(stderr).not.toMatch(/internal error|a bug in Osiris/);
    expect(stderr).toContain(`${join(cwd, 'missing')} does not exist`);
    expect(stderr).toContain('base_dir');
    expect(code).toBe(5);
  });

  it('exits 5 for a schema or a table outside base_dir', async () => {
    const cwd = dirs.make();
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'secret.csv'), 'a\n1\n');
    symlinkSync(cwd, join(cwd, 'data', 'up'));
    for (const args of [
      ['--table', '../secret.csv'],
      ['--schema', '..'],
      ['--schema', 'up'],
      ['--table', 'up/secret.csv'],
    ]) {
      const { code, stdout, stderr } = await discover(cwd, join(cwd, 'data'), ...args);
      expect(stderr).toContain('outside the connection');
      expect(stdout).toBe('');
      expect(code).toBe(5);
    }
  });
});
