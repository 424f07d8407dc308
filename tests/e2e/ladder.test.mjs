// The HTML call ladder in a real browser, opened from file:// with no server: `voipscope flow --model-json
// fixtures/ladder_fork.json --html out.html` (a B2BUA and a PBX fork to two phones, one cancelled), then
// column order, arrows from the right column to the right column, the side panel's full message on click,
// hostile headers that must not run, and zero network requests.
//   VOIPSCOPE_BINARY=<build>/src/voipscope NODE_PATH=<build>/web/node_modules node --test ladder.test.mjs
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { launchBrowser, screenshotDir, withTimeout } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BINARY = process.env.VOIPSCOPE_BINARY;
const MODEL = JSON.parse(readFileSync(path.join(here, 'fixtures', 'ladder_fork.json'), 'utf8'));

let browser;
let dir;

before(async () => {
  assert.ok(BINARY, 'set VOIPSCOPE_BINARY to the built voipscope');
  dir = mkdtempSync(path.join(os.tmpdir(), 'voipscope-ladder-'));
  browser = await withTimeout(launchBrowser(), 40000, 'launching Chromium');
});

after(async () => {
  await browser?.close().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Writes the model, runs `voipscope flow`, returns the HTML file's path.
async function renderHtml(name, model) {
  const modelPath = path.join(dir, `${name}.json`);
  const htmlPath = path.join(dir, `${name}.html`);
  writeFileSync(modelPath, JSON.stringify(model));
  await withTimeout(
    promisify(execFile)(BINARY, ['flow', '--model-json', modelPath, '--quiet', '--html', htmlPath], { timeout: 60000 }),
    70000,
    'voipscope flow',
  );
  return htmlPath;
}

// A page that records every request and fails the test on script errors, console errors (a CSP
// violation is one) and dialogs (how an injected alert() would show).
async function openFile(htmlPath, viewport = { width: 1400, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('dialog', async (dialog) => {
    problems.push(`unexpected dialog: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  const url = pathToFileURL(htmlPath).href;
  await page.goto(url);
  await page.locator('#flow g.m').first().waitFor();
  return { context, page, problems, requests, url };
}

// Lifeline x of each host column, and for each message arrow its start x and head tip x.
async function geometry(page) {
  return page.evaluate(() => {
    const hosts = [...document.querySelectorAll('#hosts text.hs')].map((t) => ({
      host: t.closest('g').querySelector('title').textContent,
      text: t.textContent,
      x: Number(t.getAttribute('x')),
    }));
    const lifelines = [...document.querySelectorAll('#flow line.life')].map((l) => Number(l.getAttribute('x1')));
    const arrows = [...document.querySelectorAll('#flow g.m')].map((g) => {
      const line = g.querySelector('line.ln');
      const tip = Number(/^M(\d+) /.exec(g.querySelector('path.hd').getAttribute('d'))[1]);
      const box = line.getBBox();
      return { i: Number(g.dataset.i), x1: Number(line.getAttribute('x1')), tip, left: box.x, right: box.x + box.width, label: g.querySelector('text.lb').textContent };
    });
    return { hosts, lifelines, arrows };
  });
}

test('hosts are columns in model order and each arrow runs from its source column to its destination', async () => {
  const htmlPath = await renderHtml('fork', MODEL);
  const { page, context, problems, requests, url } = await openFile(htmlPath);
  try {
    const g = await geometry(page);
    assert.deepEqual(
      g.hosts.map((h) => h.text),
      MODEL.participants.map((p) => p.host),
    );
    const xs = g.hosts.map((h) => h.x);
    assert.deepEqual([...xs].sort((a, b) => a - b), xs, 'columns left to right in model order');
    assert.deepEqual(g.lifelines, xs, 'one lifeline per host, under it');
    assert.equal(g.arrows.length, MODEL.events.length);
    MODEL.events.forEach((e, i) => {
      const a = g.arrows[i];
      assert.equal(a.i, i);
      assert.equal(a.x1, xs[e.src], `message ${i} (${e.label}) starts at host ${e.src}`);
      assert.ok(Math.abs(a.tip - xs[e.dst]) <= 1, `message ${i} (${e.label}) ends at host ${e.dst}: tip ${a.tip} vs ${xs[e.dst]}`);
      assert.equal(a.label, e.retransmission ? `\u21bb ${e.label}` : e.label);
    });
    // Offsets from the first message: #13 CANCEL is at +5.212 s in the fixture.
    const cancel = page.locator('#flow g.m').nth(12);
    assert.match(await cancel.locator('text.tm').first().textContent(), /^\+5\.212 s$/);
    assert.match(await cancel.locator('text.tm').nth(1).textContent(), /^\u03940\.002 {2}#13$/);
    // One colour per leg, as the legend shows it.
    const legColours = await page.evaluate(() => {
      const byLeg = {};
      for (const g of document.querySelectorAll('#flow g.m')) {
        const slot = [...g.classList].find((c) => /^l\d+$/.test(c));
        (byLeg[slot] ??= new Set()).add(getComputedStyle(g.querySelector('line.ln')).stroke);
      }
      const legend = [...document.querySelectorAll('#legend li')].map((li) => getComputedStyle(li.querySelector('.sw')).backgroundColor);
      return { byLeg: Object.fromEntries(Object.entries(byLeg).map(([k, v]) => [k, [...v]])), legend };
    });
    assert.equal(Object.keys(legColours.byLeg).length, 4);
    for (let slot = 0; slot < 4; slot++) {
      assert.deepEqual(legColours.byLeg[`l${slot}`], [legColours.legend[slot]], `leg ${slot} colour`);
    }
    assert.equal(new Set(legColours.legend).size, 4, 'four distinct leg colours');
    const legend = await page.locator('#legend li').allInnerTexts();
    assert.match(legend[1], /leg 1 \[answered\] linked: B2BUA: X-Orig-Call-ID names leg 0 \(confidence 0\.98\)/);
    assert.match(legend[3], /leg 3 \[cancelled \(487\)\] linked: PBX fork/);
    // RTP streams: three bands and a table row each.
    assert.equal(await page.locator('#flow g.s rect.band').count(), 3);
    assert.deepEqual(
      (await page.locator('#streams tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(4, 11)),
      [
        ['PCMA', '+5.260 s', '30.000 s', '1496', '4 (0.3 %)', '7.80 / 2.10 ms', '4.12'],
        ['PCMA', '+5.270 s', '30.000 s', '1500', '0 (0.0 %)', '1.20 / 0.40 ms', '4.41'],
        ['PCMA', '+5.280 s', '30.000 s', '1500', '0 (0.0 %)', '0.90 / 0.30 ms', '4.41'],
      ],
    );
    await page.screenshot({ path: path.join(screenshotDir(), 'ladder-fork.png') });
    assert.deepEqual(requests, [url], 'the page loaded nothing but itself');
    assert.equal(await page.evaluate(() => performance.getEntriesByType('resource').length), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('hovering shows a message, clicking pins it, keys step through, the legend highlights a leg', async () => {
  const htmlPath = await renderHtml('fork-panel', MODEL);
  const { page, context, problems, requests, url } = await openFile(htmlPath);
  const full = (i) => MODEL.events[i].message.replaceAll('\r', '');
  try {
    const panel = page.locator('#panel-msg');
    const head = page.locator('#panel-head');
    assert.equal(await panel.textContent(), '');
    await page.locator('#flow g.m').nth(2).hover();
    assert.equal(await panel.textContent(), full(2));
    await page.locator('#flow g.m').nth(12).click();
    assert.equal(await panel.textContent(), full(12));
    assert.match(await head.textContent(), /^#13 {2}\+5\.212 s \(\u03940\.002\) {2}10\.1\.0\.5:5060 \u2192 10\.1\.2\.40:5060 {2}UDP {2}leg 3 {2}Call-ID pbx-5151@pbx\nCANCEL$/);
    assert.equal(await page.locator('#flow g.m.sel').count(), 1);
    // Pinned: hovering elsewhere leaves it.
    await page.locator('#flow g.m').nth(3).hover();
    assert.equal(await panel.textContent(), full(12));
    // The retransmission says so.
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    assert.equal(await panel.textContent(), full(9));
    assert.match(await head.textContent(), /\(retransmission\)/);
    await page.keyboard.press('ArrowDown');
    assert.equal(await panel.textContent(), full(10));
    // A stream band shows its figures.
    await page.keyboard.press('Escape');
    await page.locator('#flow g.s').first().click();
    assert.match(await panel.textContent(), /packets 1496\nlost 4 \(0\.27 %\)\njitter max 7\.80 ms, mean 2\.10 ms\nMOS 4\.12/);
    // Legend: click leg 3 and everything else fades.
    await page.locator('#legend li[data-slot="3"]').click();
    const opacity = await page.evaluate(() =>
      [...document.querySelectorAll('#flow g.m')].map((g) => Number(getComputedStyle(g).opacity)),
    );
    MODEL.events.forEach((e, i) => assert.equal(opacity[i], e.leg === 3 ? 1 : 0.15, `message ${i} opacity`));
    await page.locator('#legend li[data-slot="3"]').click();
    assert.equal(await page.locator('#flow').getAttribute('data-focus'), null);
    assert.deepEqual(requests, [url]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('hostile text in headers, names and labels is shown as text and never runs', async () => {
  const model = structuredClone(MODEL);
  model.title = 'call </title><script>window.__pwnedTitle=1</script>';
  model.participants[0].name = '<svg onload="window.__pwnedSvg=1">';
  model.participants[1].host = '198.51.100.2:5060"><img src=x onerror="window.__pwnedHost=1">';
  model.legs[0].from = '"<img src=x onerror=window.__pwnedFrom=1>" <sip:+49301234567@carrier.example>';
  model.legs[1].link_reason = 'x</li><script>window.__pwnedReason=1</script>';
  model.events[0].label = 'INVITE <img src=x onerror=window.__pwnedLabel=1>';
  const hostileFrom = 'From: "<script>window.__pwnedMsg=1</script><img src=x onerror=window.__pwnedMsg=1>" <sip:a@b>';
  model.events[0].message = model.events[0].message.replace(/^From: .*$/m, hostileFrom);
  model.events[1].message += '</script><script>window.__pwnedData=1</script><!--';
  model.streams[0].codec = 'PCMA<script>window.__pwnedCodec=1</script>';
  const htmlPath = await renderHtml('hostile', model);
  const { page, context, problems, requests, url } = await openFile(htmlPath);
  try {
    await page.locator('#flow g.m').nth(0).click();
    await page.locator('#flow g.m').nth(1).click();
    await page.locator('#flow g.m').nth(1).click();
    await page.locator('#flow g.m').nth(0).click();
    const panel = await page.locator('#panel-msg').textContent();
    assert.ok(panel.includes(hostileFrom), `panel shows the header as text: ${panel}`);
    const pwned = await page.evaluate(() => Object.keys(window).filter((k) => k.startsWith('__pwned')));
    assert.deepEqual(pwned, []);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('script').count(), 2, 'the data block and the page script');
    assert.equal(await page.locator('svg').count(), 2, 'hosts and flow only');
    assert.equal(await page.title(), model.title);
    assert.ok((await page.locator('#legend').innerText()).includes('<img src=x onerror=window.__pwnedFrom=1>'));
    assert.ok((await page.locator('#hosts').textContent()).includes('<svg onload="window.__pwnedSvg=1">'));
    // The label is cut to its arrow's length, as text.
    assert.match(await page.locator('#flow g.m text.lb').first().textContent(), /^INVITE <img src=x .*\u2026$/);
    await page.screenshot({ path: path.join(screenshotDir(), 'ladder-hostile.png') });
    assert.deepEqual(requests, [url]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('three thousand messages load and the last one opens', async () => {
  const model = structuredClone(MODEL);
  const base = model.events;
  model.events = [];
  for (let rep = 0; rep < 143; rep++) {
    for (const e of base) model.events.push({ ...e, time: e.time + rep * 60, frame: model.events.length + 1 });
  }
  model.streams = [];
  const htmlPath = await renderHtml('large', model);
  const { page, context, problems, requests, url } = await openFile(htmlPath);
  try {
    const n = model.events.length;
    assert.equal(n, 3003);
    assert.equal(await page.locator('#flow g.m').count(), n);
    await page.locator('#flow g.m').nth(n - 1).click();
    assert.equal(await page.locator('#panel-msg').textContent(), model.events[n - 1].message.replaceAll('\r', ''));
    assert.match(await page.locator('#panel-head').textContent(), /^#3003 /);
    assert.deepEqual(requests, [url]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
