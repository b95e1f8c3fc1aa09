// SPDX-License-Identifier: MIT
// The command reference the docs pages are generated from is the command line's own tree (ADR 0026).
import { describe, expect, it } from 'vitest';
import { cliReference } from '../src/reference';
import { runCli } from './helpers';

describe('cliReference', () => {
  it('has every command `osiris --help` lists, with its options and its exact --help text', async () => {
    const reference = await cliReference();
    const help = await runCli(['--help']);
    expect(reference.help).toBe(help.stdout);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]);
    for (const command of reference.commands) expect(listed).toContain(command.path[0]);

    const upgrade = reference.commands.find((c) => c.path[0] === 'upgrade');
    expect(upgrade?.arguments).toEqual([
      { name: 'pipelines', description: 'pipeline files (YAML)', required: true, variadic: true },
    ]);
    expect(upgrade?.options.map((o) => o.flags)).toEqual(['--write', '--json']);
    expect(upgrade?.help).toBe((await runCli(['upgrade', '--help'])).stdout);
  });

  it('names the variables an option reads and descends into subcommands', async () => {
    const { commands } = await cliReference();
    expect(commands.find((c) => c.path[0] === 'validate')?.env).toEqual(['OSIRIS_VALIDATION']);
    const runs = commands.find((c) => c.path[0] === 'runs');
    expect(runs?.subcommands.map((s) => s.path.join(' '))).toContain('runs list');
    expect(runs?.subcommands[0]?.help).toMatch(/^Usage: osiris runs /);
  });
});
