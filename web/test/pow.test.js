// The proof of work in the report form runs in a Web Worker: the page stays responsive (no
// long task over 200 ms while it runs, measured with a PerformanceObserver), shows its progress,
// can be cancelled, and a challenge that expired meanwhile is replaced by itself.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watchPage, screenshot, axeViolations, missingTools } from './helpers.js';

const skip = missingTools();

let server;
let browser;
before(async () => {
  if (skip) return;
  // 20 bits: about a million hashes, seconds of work, as on a phone at the default.
  server = await startServer({ extraArgs: ['--pow-bits', '20'] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openForm() {
  const page = await browser.newPage({ locale: 'de-DE' });
  const problems = watchPage(page);
  await page.goto(`${server.url}/?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  // Long tasks (over 50 ms) of the page's main thread, from now on.
  await page.evaluate(() => {
    globalThis.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) globalThis.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  await page.fill('#text', 'Ein Bericht, während die Sicherheitsprüfung läuft.');
  return { page, problems };
}

test('the page stays responsive and shows progress while the proof of work runs', { skip }, async () => {
  const { page, problems } = await openForm();
  await page.click('#submit');
  await page.waitForSelector('#pow-progress:not([hidden])');
  await page.waitForFunction(() => /etwa \d+ %/.test(document.getElementById('form-status').textContent), null, { timeout: 30000 })
    .catch(() => {}); // a lucky draw may finish before the first progress report
  const during = await page.textContent('#form-status');
  // The page answers input while the work runs.
  await page.fill('#when', 'während der Prüfung getippt');
  assert.equal(await page.inputValue('#when'), 'während der Prüfung getippt');
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'pow-progress-de');
  await page.waitForSelector('#done:not([hidden])', { timeout: 120000 });
  const longest = await page.evaluate(() => Math.max(0, ...globalThis.longTasks));
  assert.ok(longest < 200, `a main-thread task took ${longest} ms (status was: ${during})`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('cancelling stops the work and sends nothing', { skip }, async () => {
  const { page } = await openForm();
  let posted = 0;
  page.on('request', (r) => { if (r.method() === 'POST') posted++; });
  // A difficulty nobody solves in a test's time: only cancelling ends it.
  await page.route('**/v1/pow', async (route) => {
    const real = await (await route.fetch()).json();
    await route.fulfill({ json: { ...real, difficulty: 40 } });
  });
  await page.click('#submit');
  await page.waitForSelector('#pow-cancel:not([hidden])');
  await page.click('#pow-cancel');
  await page.waitForFunction(() => document.getElementById('form-status').textContent.includes('Abgebrochen'));
  assert.equal(posted, 0);
  assert.equal(await page.isHidden('#pow-progress'), true);
  assert.match(await page.inputValue('#text'), /Ein Bericht/);
  assert.equal(await page.isEnabled('#submit'), true);
  await page.close();
});

test('an expired challenge is replaced by itself', { skip }, async () => {
  const { page } = await openForm();
  let posts = 0;
  await page.route('**/v1/reports', async (route) => {
    posts++;
    if (posts === 1) {
      return route.fulfill({
        status: 400, contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'urn:meldestelle:problem:pow-expired', title: 'expired', status: 400 }),
      });
    }
    return route.continue();
  });
  await page.click('#submit');
  await page.waitForSelector('#done:not([hidden])', { timeout: 120000 });
  assert.equal(posts, 2, 'sent again with a new challenge');
  assert.match(await page.textContent('#receipt'), /^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/);
  await page.close();
});
