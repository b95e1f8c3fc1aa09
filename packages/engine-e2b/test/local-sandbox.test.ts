// SPDX-License-Identifier: MIT
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProcessSandbox, localProcessSandboxFactory } from '../src/local-sandbox';

const sandboxes: LocalProcessSandbox[] = [];

async function sandbox(): Promise<LocalProcessSandbox> {
  const created = await LocalProcessSandbox.create();
  sandboxes.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((created) => created.kill()));
});

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('LocalProcessSandbox', () => {
  it('keeps its files under its own root, whatever the path says', async () => {
    const box = await sandbox();
    await box.files.write('/tmp/job/a.txt', 'absolute');
    await box.files.write('notes/b.txt', 'relative to the home folder');
    await box.files.write('/../../escape.txt', 'stays inside');
    expect(readFileSync(join(box.root, 'tmp/job/a.txt'), 'utf8')).toBe('absolute');
    expect(readFileSync(join(box.root, 'home/user/notes/b.txt'), 'utf8')).toBe('relative to the home folder');
    expect(readFileSync(join(box.root, 'escape.txt'), 'utf8')).toBe('stays inside');
    expect(await box.files.read('/home/user/notes/b.txt')).toBe('relative to the home folder');
    await expect(box.files.read('/tmp/job/missing.txt')).rejects.toThrow();
  });

  it('runs node with exactly the environment it is given, in the working folder, streaming its output', async () => {
    const box = await sandbox();
    await box.files.write(
      '/tmp/job/env.mjs',
      "process.stdout.write(JSON.stringify({ env: process.env, cwd: process.cwd() }) + '\\n'); console.error('to stderr');",
    );
    const chunks: string[] = [];
    const errors: string[] = [];
    const result = await box.commands.run("node 'env.mjs'", {
      envs: { OSIRIS_CONN__X__URL: 'postgresql://h/db' },
      cwd: '/tmp/job',
      onStdout: (data) => {
        chunks.push(data);
      },
      onStderr: (data) => {
        errors.push(data);
      },
    });
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout) as { env: Record<string, string>; cwd: string };
    expect(printed.env).toEqual({ OSIRIS_CONN__X__URL: 'postgresql://h/db' });
    expect(printed.cwd).toBe(join(box.root, 'tmp/job'));
    expect(chunks.join('')).toBe(result.stdout);
    expect(errors.join('')).toBe('to stderr\n');
  });

  it('rejects a non-zero exit like e2b, with the exit code and the output', async () => {
    const box = await sandbox();
    const error = await rejection(box.commands.run(`node -e "console.log('out'); process.exit(3)"`));
    expect(error).toMatchObject({ name: 'CommandExitError', exitCode: 3, stdout: 'out\n' });
  });

  it('stops a command that runs past its timeout', async () => {
    const box = await sandbox();
    const error = await rejection(box.commands.run('node -e "setTimeout(() => {}, 60000)"', { timeoutMs: 200 }));
    expect(String(error.message)).toContain('timed out');
  });

  it('kill() ends a running command and deletes the root', async () => {
    const box = await sandbox();
    const running = rejection(box.commands.run('node -e "setInterval(() => {}, 1000)"'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await box.kill();
    expect(String((await running).message)).toContain('killed');
    expect(existsSync(box.root)).toBe(false);
    await expect(box.files.write('/x', 'y')).rejects.toThrow('killed');
    await box.kill();
  });

  it('refuses shell syntax: a command runs without a shell', async () => {
    const box = await sandbox();
    await expect(box.commands.run('node -v | cat')).rejects.toThrow('not supported');
  });

  it('is killed when its lifetime runs out, as an e2b sandbox is', async () => {
    const box = await localProcessSandboxFactory()({ apiKey: undefined, template: 'base', timeoutMs: 150 });
    expect(box).toBeInstanceOf(LocalProcessSandbox);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(existsSync((box as LocalProcessSandbox).root)).toBe(false);
  });
});
