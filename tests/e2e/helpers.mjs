// Shared by the browser tests: find playwright-core and Chromium, launch headless, bound every wait.
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.VOIPSCOPE_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// ESM `import` ignores NODE_PATH, which is how ctest points at the build dir's node_modules, so
// resolve through CommonJS (which honours it) when the plain import fails.
export async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch {
    const require = createRequire(import.meta.url);
    try {
      return require('playwright-core');
    } catch (err) {
      throw new Error(
        'playwright-core not found. Build the web assets first (ninja voipscope_web_assets runs npm ci ' +
          `into <build>/web/node_modules) and set NODE_PATH=<build>/web/node_modules. NODE_PATH=${process.env.NODE_PATH ?? ''} (${err.message})`,
      );
    }
  }
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set VOIPSCOPE_CHROMIUM)`);
  }
  const { chromium } = await loadPlaywright();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
}

// A page that fails the test on any script error or dialog (alert() is how an XSS would show itself).
export async function newCheckedPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.setDefaultNavigationTimeout(15000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every non-2xx fetch; the tests that provoke a 404 check the page text instead.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console error: ${msg.text()}`);
  });
  page.on('dialog', async (dialog) => {
    problems.push(`unexpected dialog: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  // Nothing off this machine: the dashboard must work with no CDN, fonts or analytics.
  await context.route(/^(?!http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]).*/, (route) => {
    problems.push(`external request: ${route.request().url()}`);
    return route.abort();
  });
  return { context, page, problems };
}

export function screenshotDir() {
  const dir = process.env.VOIPSCOPE_SCREENSHOT_DIR || path.join(os.tmpdir(), 'voipscope-e2e-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
