// SPDX-License-Identifier: MIT
// Small helpers shared by the bench scripts: timing, percentiles, a table.
import { execFileSync } from 'node:child_process';

export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Runs fn `iterations` times after `warmup` runs and returns the durations in ms. */
export function timeSync(fn, { iterations, warmup = Math.ceil(iterations / 10) }) {
  for (let i = 0; i < warmup; i++) fn();
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

/** Wall time of a whole process, `iterations` times, in ms. */
export function timeProcess(command, args, { iterations, cwd }) {
  const samples = [];
  for (let i = 0; i < iterations + 1; i++) {
    const start = process.hrtime.bigint();
    execFileSync(command, args, { cwd, stdio: 'ignore' });
    if (i > 0) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

export function printTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const row of rows) console.log(row.map((cell, c) => String(cell).padEnd(widths[c])).join('  '));
}

export const ms = (value) => `${value.toFixed(3)} ms`;
