// SPDX-License-Identifier: MIT
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createMysqlDatabase, createPgDatabase, type MysqlDatabase, type PgDatabase } from '@osiris/test-utils';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openFile, screenshotPath } from './browser';
import { osiris, workspace } from './helpers';

let mysql: MysqlDatabase;
let pg: PgDatabase;
let browser: Browser;
const ws = workspace();
const home = join(ws.dir, 'home');

// Two pairs: orders merge and succeed; one item breaks the target's CHECK, so items fail and roll back.
const pipeline = `version: 0.0.1
name: report_check
params:
  chunk_size: 500
sources:
  - id: orders_src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: orders }
  - id: items_src
    type: mysql.table
    connection: "@shop"
    mode: read
    options: { table: items }
sinks:
  - id: orders_dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    from: orders_src
    options: { table: orders, write_mode: merge, merge_keys: [id] }
  - id: items_dst
    type: supabase.table
    connection: "@warehouse"
    mode: write
    from: items_src
    options: { table: items, write_mode: append }
`;

beforeAll(async () => {
  [mysql, pg, browser] = await Promise.all([createMysqlDatabase(), createPgDatabase(), launchChromium()]);
  await mysql.connection.query('CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL)');
  await mysql.connection.query(
    // MariaDB's SEQUENCE engine: the numbers 1 to 20,000 as a table.
    'INSERT INTO orders SELECT seq, seq / 100 FROM seq_1_to_20000',
  );
  await mysql.connection.query('CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL)');
  await mysql.connection.query('INSERT INTO items VALUES (1, 5), (2, 0), (3, 7)');
  await pg.client.query('CREATE TABLE orders (id INT PRIMARY KEY, amount NUMERIC(10,2) NOT NULL)');
  await pg.client.query('CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL CHECK (qty > 0))');
  ws.write('pipeline.yaml', pipeline);
  ws.write(
    'secrets.yaml',
    `connections:\n  shop:\n    url: mysql://root@127.0.0.1:3306/${mysql.name}\n  warehouse:\n    url: postgresql://postgres@127.0.0.1:5432/${pg.name}\n`,
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([mysql?.drop(), pg?.drop()]);
  ws.remove();
});

describe('osiris run --report and osiris runs report', () => {
  let reportPath: string;
  let metrics: {
    exit_code: number;
    steps: { id: string; status: string; [key: string]: unknown }[];
  };

  it('writes the report of a failed multi-step run and prints its path', async () => {
    const run = await osiris(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml', '--report', '--json'], {
      cwd: ws.dir,
      env: { OSIRIS_HOME: home },
    });
    expect(run.code, run.stderr).toBe(4);
    const result = JSON.parse(run.stdout) as { run_dir: string; report: string };
    reportPath = result.report;
    expect(reportPath).toBe(join(result.run_dir, 'report.html'));
    expect(existsSync(reportPath)).toBe(true);
    metrics = JSON.parse(readFileSync(join(result.run_dir, 'metrics.json'), 'utf8'));
    expect(metrics.steps.map((step) => step.id).sort()).toEqual(['items_dst', 'items_src', 'orders_dst', 'orders_src']);
    expect(metrics.steps.find((step) => step.id === 'items_dst')?.status).toBe('failed');

    // The text summary names the report too.
    const again = await osiris(['run', 'pipeline.yaml', '--secrets-file', 'secrets.yaml', '--report'], {
      cwd: ws.dir,
      env: { OSIRIS_HOME: home },
    });
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/ {2}report: .*home\/runs\/r_[^/]+\/report\.html/);
  });

  it('shows in Chromium: no console errors, a bar per step, points in the chart, the counts of metrics.json', async () => {
    const { page, errors } = await openFile(browser, reportPath);
    await page.screenshot({ path: screenshotPath('run-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(await page.locator('#run-status').textContent()).toBe('failed');
    // One bar per step, and the failed sink is drawn as failed.
    const bars = page.locator('#timeline-chart g.bar');
    expect(await bars.count()).toBe(metrics.steps.length);
    expect(await page.locator('#timeline-chart g.bar[data-step="items_dst"]').getAttribute('data-status')).toBe(
      'failed',
    );
    expect(await page.locator('#timeline-chart g.bar[data-step="orders_dst"] rect.segment').count()).toBeGreaterThan(0);
    // The merge's rows per second have points (the polyline's coordinates, one pair a point).
    const points = await page.locator('#rate-chart polyline.series[data-step="orders_dst"]').getAttribute('points');
    expect(points?.trim().split(/\s+/).length ?? 0).toBeGreaterThan(0);
    // Every count on the page is the count of metrics.json.
    for (const step of metrics.steps) {
      for (const field of ['rows_read', 'rows_written', 'rows_inserted', 'rows_updated', 'rows_unchanged']) {
        const cell = page.locator(`#counts-table tr[data-step="${step.id}"] td[data-field="${field}"]`);
        if ((await cell.count()) === 0) continue;
        const expected = typeof step[field] === 'number' ? (step[field] as number).toLocaleString('en-US') : '–';
        expect(await cell.textContent(), `${step.id} ${field}`).toBe(expected);
      }
    }
    expect(
      await page.locator('#counts-table tr[data-step="orders_dst"] td[data-field="rows_inserted"]').textContent(),
    ).toBe('20,000');
    // The error says what broke; the manifest and the artifacts are there, and the links resolve.
    expect(await page.locator('#problems').textContent()).toMatch(/items_check|violates check constraint/);
    expect(await page.locator('#definitions summary').first().textContent()).toBe('manifest.yaml');
    const links = await Promise.all(
      (await page.locator('#artifact-list a').all()).map(async (anchor) => (await anchor.getAttribute('href')) ?? ''),
    );
    expect(links).toContain('metrics.json');
    for (const link of links) expect(existsSync(join(dirname(reportPath), decodeURIComponent(link))), link).toBe(true);
    await page.close();
  });

  it('writes an index of runs that Chromium shows with a row per run and links to each report', async () => {
    const index = await osiris(['runs', 'report', '--index', '--json'], { cwd: ws.dir, env: { OSIRIS_HOME: home } });
    expect(index.code, index.stderr).toBe(0);
    const written = JSON.parse(index.stdout) as { index: string; reports: { run_id: string; path: string }[] };
    expect(written.reports).toHaveLength(2);

    const { page, errors } = await openFile(browser, written.index);
    await page.screenshot({ path: screenshotPath('run-index.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(await page.locator('#runs tr.run').count()).toBe(2);
    expect(
      await page.locator('#pipelines tr[data-pipeline="report_check"] svg.sparkline').getAttribute('data-points'),
    ).toBe('2');
    await page.locator('#runs tr.run a').first().click();
    expect(await page.locator('#run-status').textContent()).toBe('failed');
    await page.close();

    // Filters: no run succeeded.
    const none = await osiris(['runs', 'report', '--index', '--status', 'succeeded', '--out', 'published', '--json'], {
      cwd: ws.dir,
      env: { OSIRIS_HOME: home },
    });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout).reports).toEqual([]);
    expect(readFileSync(join(ws.dir, 'published', 'index.html'), 'utf8')).toContain('No runs.');
  });
});
