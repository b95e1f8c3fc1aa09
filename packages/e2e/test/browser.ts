// SPDX-License-Identifier: MIT
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it when missing), or the one named by
 * OSIRIS_CHROMIUM. No browser is downloaded: the registries we can reach do not serve one.
 */
export const chromiumPath = process.env.OSIRIS_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots and other files a reader of the test's output may want: `packages/e2e/test-output/`. */
export const testOutputDir = new URL('../test-output/', import.meta.url).pathname;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's package (apt-get install -y chromium) or set OSIRIS_CHROMIUM`,
    );
  }
  mkdirSync(testOutputDir, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's own sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Opens a file in a new page and collects every console error and uncaught page error. */
export async function openFile(browser: Browser, file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  // Nothing may come from the network: a self-contained page asks for nothing but its own file.
  page.on('request', (request) => {
    if (!request.url().startsWith('file://')) errors.push(`network request: ${request.url()}`);
  });
  await page.goto(`file://${file}`);
  return { page, errors };
}

export const screenshotPath = (name: string) => join(testOutputDir, name);
