// The dashboard's rendering against fixture JSON served by mock_server.mjs (no C++ server needed):
// all five statuses, the category order, remediation only where it belongs, hostile strings as text,
// filters, errors, the empty state, auto-refresh and the narrow layout.
//   VOIPSCOPE_WEB_DIST=<build>/web/dist NODE_PATH=<build>/web/node_modules node --test dashboard_mock.test.mjs
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launchBrowser, newCheckedPage, screenshotDir, withTimeout } from './helpers.mjs';
import { startMockServer } from './mock_server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name) => JSON.parse(readFileSync(path.join(here, 'fixtures', name), 'utf8'));

function distDir() {
  if (process.env.VOIPSCOPE_WEB_DIST) return process.env.VOIPSCOPE_WEB_DIST;
  const nodePath = (process.env.NODE_PATH ?? '').split(path.delimiter).find(Boolean);
  return nodePath ? path.join(nodePath, '..', 'dist') : '';
}

const FULL = fixture('scan_all_statuses.json');
const HOSTILE = fixture('scan_hostile_site.json');
const HOSTILE_MESSAGE = '<img src=x onerror=alert(1)>';

let browser;
let server;
const state = { scans: new Map(), requests: [] };

function resetScans() {
  state.scans = new Map([
    [FULL.id, FULL],
    [HOSTILE.id, HOSTILE],
  ]);
}

before(async () => {
  const dist = distDir();
  assert.ok(
    dist && existsSync(path.join(dist, 'app.js')),
    `built dashboard not found in '${dist}': build voipscope_web_assets and set VOIPSCOPE_WEB_DIST`,
  );
  resetScans();
  server = await startMockServer(dist, state);
  browser = await withTimeout(launchBrowser(), 40000, 'launching Chromium');
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
});

async function open(hash, viewport) {
  const checked = await newCheckedPage(browser, viewport);
  await checked.page.goto(server.url + hash);
  return checked;
}

test('scan list shows each scan with its worst status, newest first, hostile text as text', async () => {
  resetScans();
  const { page, context, problems } = await open('#/');
  try {
    const rows = page.locator('table.scans tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    // FULL started 2026-01-31, HOSTILE 2026-01-30.
    assert.equal(await rows.nth(0).getAttribute('data-scan-id'), FULL.id);
    assert.equal(await rows.nth(1).getAttribute('data-scan-id'), HOSTILE.id);
    // FULL has one ERROR result: the worst of the five statuses.
    assert.equal((await rows.nth(0).locator('td').first().innerText()).trim(), 'ERROR');
    assert.equal((await rows.nth(1).locator('td').first().innerText()).trim(), 'PASS');
    const firstCounts = await rows.nth(0).locator('.badge-count').allInnerTexts();
    assert.deepEqual(firstCounts, ['PASS 3', 'WARN 1', 'FAIL 2', 'SKIP 1', 'ERROR 1']);
    const link = rows.nth(1).locator('a');
    assert.equal(await link.innerText(), HOSTILE.site);
    assert.equal(await link.getAttribute('href'), `#/scans/${HOSTILE.id}`);
    assert.equal(await page.locator('img, b, script:not([src])').count(), 0, 'markup from data was parsed');
    assert.match(await rows.nth(0).innerText(), /generic-sip-trunk\s+v1\.2/);
    assert.match(await rows.nth(0).innerText(), /probe-berlin-01/);
    assert.ok(state.requests.includes('/api/v1/scans?limit=100'), `requests: ${state.requests}`);
    await page.screenshot({ path: path.join(screenshotDir(), 'mock-list-1280.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('scan page groups results by category in the fixed order, with all five statuses', async () => {
  resetScans();
  const { page, context, problems } = await open('#/');
  try {
    await page.locator(`tr[data-scan-id="${FULL.id}"] a`).click();
    const root = page.locator(`[data-scan-id="${FULL.id}"].scan`);
    await root.waitFor();
    assert.equal(new URL(page.url()).hash, `#/scans/${FULL.id}`);
    assert.equal(await page.locator('h1').innerText(), 'ERROR Berlin office');

    const headings = (await page.locator('.group h2').allInnerTexts()).map((t) => t.replace(/\s*\(\d+\)$/, ''));
    assert.deepEqual(headings, ['DNS', 'Connectivity', 'VoIP / SIP', 'Performance', 'Discovery']);
    const byGroup = {};
    for (const g of await page.locator('.group').all()) {
      byGroup[await g.getAttribute('data-category')] = await g
        .locator('.result')
        .evaluateAll((els) => els.map((e) => `${e.dataset.checkId}:${e.dataset.status}`));
    }
    assert.deepEqual(byGroup, {
      dns: ['dns-srv:PASS', 'dns-a-sbc2:ERROR'],
      connectivity: ['tcp-prov:PASS', 'tcp-sbc-5061:FAIL'],
      voip_sip: ['sip-options-udp:PASS', 'sip-options-tls:FAIL'],
      performance: ['rtp-jitter:WARN'],
      discovery: ['lldp-neighbours:SKIP'],
    });
    for (const status of ['PASS', 'WARN', 'FAIL', 'SKIP', 'ERROR']) {
      const badges = await page.locator(`.result[data-status="${status}"] .result-head .badge`).allInnerTexts();
      assert.ok(badges.length > 0 && badges.every((b) => b === status), `${status} badges: ${badges}`);
    }
    // Badge colours differ by status (computed, not class names).
    const colours = new Set();
    for (const status of ['PASS', 'WARN', 'FAIL', 'SKIP', 'ERROR']) {
      colours.add(
        await page
          .locator(`.result[data-status="${status}"] .result-head .badge`)
          .first()
          .evaluate((e) => getComputedStyle(e).backgroundColor),
      );
    }
    assert.equal(colours.size, 5, `badge colours: ${[...colours]}`);

    // Remediation: only under WARN/FAIL/ERROR, and only where the template gave one.
    const withRemediation = await page
      .locator('.result')
      .evaluateAll((els) => els.filter((e) => e.querySelector('.remediation')).map((e) => e.dataset.checkId));
    assert.deepEqual(withRemediation.sort(), ['dns-a-sbc2', 'rtp-jitter', 'sip-options-tls']);
    assert.match(
      await page.locator('[data-check-id="rtp-jitter"] .remediation').innerText(),
      /Enable QoS \(DSCP EF\) on the WAN uplink\./,
    );

    // Hostile strings are text.
    assert.equal(await page.locator('[data-check-id="sip-options-tls"] .message').innerText(), HOSTILE_MESSAGE);
    assert.equal(await page.locator('img').count(), 0);

    // Measurements: name value unit.
    const ms = await page.locator('[data-check-id="rtp-jitter"] .measurements li').allInnerTexts();
    assert.deepEqual(ms, ['jitter 31.2 ms', 'loss 0.5 %', 'mos 4.1']);

    // Evidence: closed, then the raw SIP response verbatim in a <pre>.
    const details = page.locator('[data-check-id="sip-options-udp"] details');
    assert.equal(await details.getAttribute('open'), null);
    await details.locator('summary').click();
    const pre = details.locator('pre');
    await pre.waitFor();
    assert.equal(await pre.textContent(), FULL.results[1].evidence.sip_response);
    assert.equal(
      await page.locator('[data-check-id="sip-options-tls"] pre').textContent(),
      'connect: <script>alert(2)</script> timed out',
    );
    await page.screenshot({ path: path.join(screenshotDir(), 'mock-scan-1280.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('status filter shows only matching results and hides empty groups', async () => {
  resetScans();
  const { page, context, problems } = await open(`#/scans/${FULL.id}`);
  try {
    await page.locator('.result').first().waitFor();
    const visibleIds = () =>
      page.locator('.result:visible').evaluateAll((els) => els.map((e) => e.dataset.checkId));
    await page.getByRole('button', { name: /^FAIL/ }).click();
    assert.deepEqual(await visibleIds(), ['tcp-sbc-5061', 'sip-options-tls']);
    assert.deepEqual(
      (await page.locator('.group:visible h2').allInnerTexts()).map((t) => t.replace(/\s*\(\d+\)$/, '')),
      ['Connectivity', 'VoIP / SIP'],
    );
    assert.equal(await page.getByRole('button', { name: /^FAIL/ }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: /^SKIP/ }).click();
    assert.deepEqual(await visibleIds(), ['lldp-neighbours']);
    await page.getByRole('button', { name: /^All/ }).click();
    assert.equal((await visibleIds()).length, FULL.results.length);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('unknown scan, network failure and unknown route show a message, never a blank page', async () => {
  resetScans();
  const { page, context, problems } = await open('#/scans/00000000000000000000000000000000');
  try {
    await page.getByRole('heading', { name: 'Scan not found' }).waitFor();
    await page.goto(server.url + '#/scans/network-error');
    await page.getByRole('heading', { name: 'Could not load data' }).waitFor();
    assert.match(await page.locator('[role=alert]').innerText(), /Cannot reach the voipscope server/);
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    await page.goto(server.url + '#/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('empty list explains how to upload a scan, and the list refreshes by itself', async () => {
  state.scans = new Map();
  const checked = await newCheckedPage(browser);
  const { page, context, problems } = checked;
  try {
    await page.clock.install();
    await page.goto(server.url + '#/');
    await page.getByText('No scans yet.').waitFor();
    assert.match(await page.locator('main').innerText(), /voipscope scan --template .* --upload /);
    state.scans.set(FULL.id, FULL);
    await page.clock.runFor(10500);
    await page.locator(`tr[data-scan-id="${FULL.id}"]`).waitFor({ timeout: 5000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('narrow screens (400 px): no horizontal scrolling, every value still shown', async () => {
  resetScans();
  const { page, context, problems } = await open('#/', { width: 400, height: 800 });
  try {
    await page.locator('table.scans tbody tr').first().waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 0, `list overflows by ${await overflow()} px`);
    assert.ok(await page.getByText('probe-berlin-01').isVisible());
    await page.screenshot({ path: path.join(screenshotDir(), 'mock-list-400.png'), fullPage: true });
    await page.locator(`tr[data-scan-id="${FULL.id}"] a`).click();
    await page.locator('.result').first().waitFor();
    await page.locator('[data-check-id="sip-options-udp"] summary').click();
    assert.ok((await overflow()) <= 0, `scan page overflows by ${await overflow()} px`);
    await page.screenshot({ path: path.join(screenshotDir(), 'mock-scan-400.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
