// End to end: the real binary serves the dashboard, `voipscope demo` uploads a scan to it, and headless
// Chromium finds that scan in the list and its passing SIP OPTIONS check on the scan page.
//   VOIPSCOPE_BINARY=<build>/src/voipscope NODE_PATH=<build>/web/node_modules node --test dashboard.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, newCheckedPage, screenshotDir, withTimeout } from './helpers.mjs';

const TOKEN = 'e2e-token';
const BINARY = process.env.VOIPSCOPE_BINARY ?? '';

let tmp;
let server; // { child, url, output() }
let browser;

function checkBinary() {
  assert.ok(BINARY, 'VOIPSCOPE_BINARY is not set: point it at the built voipscope executable');
  try {
    accessSync(BINARY, constants.X_OK);
  } catch {
    assert.fail(`VOIPSCOPE_BINARY=${BINARY} does not exist or is not executable: build the voipscope target first`);
  }
}

// Starts `voipscope serve` on a free port and resolves once it prints where it listens.
function startServer() {
  const child = spawn(
    BINARY,
    ['serve', '--listen', '127.0.0.1:0', '--db', path.join(tmp, 'vs.db'), '--token', TOKEN],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const output = () => `stdout:\n${out}\nstderr:\n${err}`;
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(new URL(m[1]).origin + '/');
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.once('error', (e) => reject(new Error(`cannot start ${BINARY}: ${e.message}`)));
    child.once('exit', (code, signal) =>
      reject(new Error(`voipscope serve exited early (code ${code}, signal ${signal})\n${output()}`)),
    );
  });
  return withTimeout(ready, 20000, `voipscope serve printing "listening on http://..."\n`).then(
    (url) => ({ child, url, output }),
    (e) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\n${output()}`);
    },
  );
}

function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// Runs a command to completion with a deadline; resolves { code, stdout, stderr }.
function run(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`voipscope ${args[0]} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

before(async () => {
  checkBinary();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'voipscope-e2e-'));
  server = await startServer();
  browser = await withTimeout(launchBrowser(), 40000, 'launching Chromium');
});

after(async () => {
  await browser?.close().catch(() => {});
  await stopServer(server?.child);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('a demo scan uploaded to `voipscope serve` shows up in the dashboard', async () => {
  const demo = await run(
    [
      'demo',
      '--no-serve',
      '--once',
      '--upload',
      server.url,
      '--token',
      TOKEN,
      '--outbox',
      path.join(tmp, 'outbox'),
      '--json',
    ],
    120000,
  );
  const demoOutput = `exit ${demo.code}\nstdout:\n${demo.stdout}\nstderr:\n${demo.stderr}`;
  // 0, 1 and 2 are "scan ran" with no, warning or failing results; anything else is a broken run.
  assert.ok([0, 1, 2].includes(demo.code), `voipscope demo failed: ${demoOutput}`);
  let scan;
  try {
    scan = JSON.parse(demo.stdout);
  } catch (e) {
    assert.fail(`voipscope demo --json did not print JSON (${e.message}): ${demoOutput}`);
  }
  assert.match(scan.id, /^[0-9a-f]{32}$/, `scan id: ${scan.id}`);
  assert.ok(scan.site, 'the demo scan has a site name');
  const sip = scan.results.find((r) => r.type === 'sip_options' && r.status === 'PASS');
  assert.ok(sip, `the demo scan has no passing sip_options result: ${demoOutput}`);

  // The API agrees: exactly the one uploaded scan.
  const api = await withTimeout(fetch(new URL('api/v1/scans', server.url)), 10000, 'GET /api/v1/scans');
  assert.equal(api.status, 200);
  const list = await api.json();
  assert.equal(list.total, 1, `GET /api/v1/scans: ${JSON.stringify(list)}`);
  assert.equal(list.scans[0].id, scan.id);

  const { page, context, problems } = await newCheckedPage(browser);
  try {
    await page.goto(server.url);
    const row = page.locator('table.scans tbody tr', { hasText: scan.site });
    await row.waitFor();
    const link = row.locator(`a[href="#/scans/${scan.id}"]`);
    assert.equal(await link.count(), 1, 'the list row links to the scan page');
    await page.screenshot({ path: path.join(screenshotDir(), 'e2e-list.png'), fullPage: true });
    await link.click();

    await page.locator(`.scan[data-scan-id="${scan.id}"]`).waitFor();
    const result = page.locator(`.result[data-check-id=${JSON.stringify(sip.check_id)}][data-status="PASS"]`);
    await result.waitFor({ state: 'visible' });
    assert.equal(await result.locator('.result-head .badge').innerText(), 'PASS');
    assert.ok(await result.getByText(sip.target, { exact: true }).isVisible(), `target ${sip.target} shown`);
    await page.getByRole('heading', { name: /^VoIP \/ SIP/ }).waitFor({ state: 'visible' });
    // Every result of the scan is on the page, each with its status.
    const shown = await page
      .locator('.result')
      .evaluateAll((els) => els.map((e) => `${e.dataset.checkId}:${e.dataset.status}`).sort());
    assert.deepEqual(shown, scan.results.map((r) => `${r.check_id}:${r.status}`).sort());
    await page.screenshot({ path: path.join(screenshotDir(), 'e2e-scan.png'), fullPage: true });
    assert.deepEqual(problems, [], 'no script errors, dialogs or external requests');
  } finally {
    await context.close();
  }
});
