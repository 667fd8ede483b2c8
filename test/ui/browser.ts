import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

// Debian's chromium, driven by playwright-core (which never downloads a browser). Missing is a
// failure, not a skip: .ci/run installs it.
const CHROMIUM = process.env['LADING_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
export const SHOTS = join('test-output', 'ui');

export interface DashboardBrowser {
  readonly browser: Browser;
  readonly page: Page;
  /** Uncaught page errors and console errors, except the 401s of refused changes (expected where a test provokes them). */
  readonly errors: string[];
  open(baseUrl: string, hash: string): Promise<void>;
  /** A full-page screenshot under test-output/ui/, to look at. */
  shot(name: string): Promise<void>;
}

export async function openDashboardBrowser(): Promise<DashboardBrowser> {
  assert.ok(existsSync(CHROMIUM), `Debian chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does), or point LADING_TEST_CHROMIUM at a Chromium binary`);
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(10_000); // a missing element fails in seconds, not at the suite's timeout
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/401/.test(m.text())) errors.push(`${m.text()} (${m.location().url})`); });
  return {
    browser, page, errors,
    async open(baseUrl, hash) { await page.goto(`${baseUrl}/ui/#/${hash}`); },
    async shot(name) { await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }); },
  };
}
