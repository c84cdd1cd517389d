// The inbox keeps itself up to date, as a mail program does: it asks the server every few
// seconds (an unchanged answer is a bodiless 304), takes in new cases and reporter messages
// without a reload, decrypts just those for titles and search, and marks them until opened.
// On a phone the inbox is a list of cards. Headless Chromium against the real server binary.
//
// Needs: a built web/dist (npm run build), the server binary and /usr/bin/chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  REPO, serverBinary, startServer, launchBrowser, watchPage, screenshot, missingTools, checkView,
  inboxLoaded, textMatches, visible,
} from './helpers.js';

const skip = missingTools('desk.html');
const DEMO_IDENTITY_FILE = path.join(REPO, 'keys/demo-office.identity.DEMO-ONLY.txt');

let server;
let browser;
let problems = [];

before(async () => {
  if (skip) return;
  server = await startServer({ extraArgs: ['--pow-bits', '0'] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function cli(args, input) {
  const r = spawnSync(serverBinary(), args, { cwd: REPO, encoding: 'utf8', input });
  assert.equal(r.status, 0, `meldestelle ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A report through the CLI, as a reporter sends it: its receipt. */
const report = (text) => JSON.parse(cli(['report', '--server', server.url, '--office', 'demo', '--json'], text)).receipt;

const rowOf = (page, title) => page.locator('#inbox-rows tr', { hasText: title });

test('the inbox takes in new cases and messages by itself, marks them until opened, and is a list of cards on a phone', { skip }, async () => {
  const first = report('Erster Fall am Schalter\nDie Kollegin wurde wegen ihres Akzents abgewiesen.');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
  const page = await context.newPage();
  problems = watchPage(page);
  const answers = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/v1/desk/cases') answers.push(r.status());
  });
  await page.goto(`${server.url}/desk?office=demo&poll=2`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.setInputFiles('#key-file', DEMO_IDENTITY_FILE);
  await page.click('#file-login-submit');
  await inboxLoaded(page);
  await textMatches(page, '#inbox-rows', /Erster Fall am Schalter/);
  assert.match(await rowOf(page, 'Erster Fall').textContent(), /Neuer Fall/, 'a case nobody opened is new');

  // Nothing changes: the desk asks, and the server answers without a body.
  const deadline = Date.now() + 15000;
  while (!answers.includes(304) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  assert.ok(answers.includes(304), `the polls were answered ${answers.join(', ')}`);

  // A new case arrives: listed without a reload, announced, with its title, and searchable.
  report('Zweiter Fall im Bauamt\nEin Antrag wurde ohne Grund liegen gelassen.');
  await textMatches(page, '#inbox-rows', /Zweiter Fall im Bauamt/);
  assert.match(await page.textContent('#inbox-status'), /Ein neuer Fall ist eingegangen/);
  assert.match(await rowOf(page, 'Zweiter Fall').textContent(), /Neuer Fall/);

  // The reporter of the first case writes: the case is marked, and her words can be found.
  cli(['report', 'follow-up', '--server', server.url, '--send-stdin'], `${first}\nNachtrag: Zeugin war Frau Okafor vom Empfang.`);
  await page.waitForFunction(() => [...document.querySelectorAll('#inbox-rows tr')]
    .some((tr) => /Erster Fall/.test(tr.textContent) && /Neue Nachricht/.test(tr.textContent)), null, { timeout: 30000 });
  await page.fill('#case-search', 'okafor');
  await page.waitForFunction(() => document.querySelectorAll('#inbox-rows tr').length === 1, null, { timeout: 30000 });
  assert.match(await page.textContent('#inbox-rows'), /Erster Fall am Schalter/);
  await page.fill('#case-search', '');

  // Opened, the first case is no longer new; the second still is.
  await rowOf(page, 'Erster Fall').locator('button.open-case').click();
  await visible(page, '#case-body');
  await page.click('#case-back');
  await inboxLoaded(page);
  await page.waitForFunction(() => [...document.querySelectorAll('#inbox-rows tr')]
    .some((tr) => /Erster Fall/.test(tr.textContent) && !/Neu/.test(tr.textContent)), null, { timeout: 30000 });
  assert.match(await rowOf(page, 'Zweiter Fall').textContent(), /Neuer Fall/);

  // On a phone: cards, each fact named, the sorting still there, nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const card = await page.evaluate(() => {
    const tr = document.querySelector('#inbox-rows tr');
    const td = tr.querySelector('td[data-label]');
    return {
      display: getComputedStyle(tr).display,
      label: getComputedStyle(td, '::before').content,
      head: getComputedStyle(document.querySelector('#inbox-table thead th')).display,
      sort: getComputedStyle(document.getElementById('th-deadline')).display,
    };
  });
  assert.equal(card.display, 'block');
  assert.match(card.label, /Art des Vorfalls: /);
  assert.equal(card.head, 'none');
  assert.equal(card.sort, 'block');
  await screenshot(page, 'refresh-inbox-cards-390');
  await checkView(page, 'inbox-cards', (p, name) => screenshot(p, `refresh-${name}`));
  await context.close();
});

test('no Content-Security-Policy violations or script errors', { skip }, () => {
  assert.deepEqual(problems, []);
});
