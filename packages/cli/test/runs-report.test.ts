// SPDX-License-Identifier: MIT
// `osiris runs report`: what it refuses, and where it writes (the page itself is tested in @osiris/report and e2e).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSince } from '../src/commands/runs-report';
import { runCli, tempDirs } from './helpers';

const dirs = tempDirs();

describe('osiris runs report', () => {
  it('reads --since as a date, a time or an age, and refuses anything else with exit 2', async () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-29T12:00:00.000Z');
    expect(parseSince('30m', now).toISOString()).toBe('2026-12-06T11:30:00.000Z');
    expect(parseSince('2026-12-01T02:00:00Z', now).toISOString()).toBe('2026-12-01T02:00:00.000Z');
    const dir = dirs.make('osiris-report-');
    const result = await runCli(['runs', 'report', '--index', '--since', 'yesterday'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--since "yesterday" is neither a date nor an age');
  });

  it('refuses a run id with --index, and filters without --index (exit 2)', async () => {
    const dir = dirs.make('osiris-report-');
    const both = await runCli(['runs', 'report', 'latest', '--index'], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--index writes every run; it takes no run id');
    const filter = await runCli(['runs', 'report', '--status', 'failed'], { cwd: dir });
    expect(filter.code).toBe(2);
    expect(filter.stderr).toContain('Add --index');
  });

  it("says there are no runs (exit 5), and writes the latest run's page into its folder", async () => {
    const dir = dirs.make('osiris-report-');
    const none = await runCli(['runs', 'report'], { cwd: dir });
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/no runs in \.osiris\/runs/);

    const runDir = join(dir, '.osiris', 'runs', 'r_20261206T020000Z_abc123');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(
      join(runDir, 'status.json'),
      JSON.stringify({ run_id: 'r_20261206T020000Z_abc123', status: 'running', exit_code: null }),
    );
    const latest = await runCli(['runs', 'report', '--json'], { cwd: dir });
    expect(latest.code, latest.stderr).toBe(0);
    expect(JSON.parse(latest.stdout)).toMatchObject({
      run_id: 'r_20261206T020000Z_abc123',
      report: join(runDir, 'report.html'),
    });
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);

    const missing = await runCli(['runs', 'report', 'r_20261206T020000Z_zzzzzz'], { cwd: dir });
    expect(missing.code).toBe(5);
  });
});
