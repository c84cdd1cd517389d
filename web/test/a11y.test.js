// Automated accessibility check (axe-core, WCAG 2.1 A and AA) of both pages in both languages,
// with the page's own Content-Security-Policy in force, plus keyboard and focus basics.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, axeViolations, screenshot, missingTools } from './helpers.js';

const skip = missingTools();

let server;
let browser;
before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const [name, pathname] of [['form', '/'], ['follow-up', '/follow-up']]) {
  for (const lang of ['de', 'en']) {
    test(`axe: ${name} page in ${lang} has no WCAG 2.1 AA violations`, { skip }, async () => {
      const page = await browser.newPage({ locale: lang === 'de' ? 'de-DE' : 'en-GB' });
      await page.goto(`${server.url}${pathname}?office=demo${lang === 'en' ? '&lang=en' : ''}`);
      await page.waitForSelector('body[data-ready="true"]');
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      const v = await axeViolations(page);
      assert.deepEqual(v, [], v.join('\n'));
      await screenshot(page, `a11y-${name}-${lang}`);
      await page.close();
    });
  }
}

test('axe: an unknown office is explained accessibly', { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/?office=no-such-office`);
  await page.waitForSelector('#page-notice:not([hidden])');
  assert.match(await page.textContent('#page-notice'), /gibt es nicht/);
  assert.deepEqual(await axeViolations(page), []);
  await page.close();
});

test('keyboard: skip link first, every control reachable, focus visible', { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  const seen = new Set();
  for (let i = 0; i < 60; i++) {
    const info = await page.evaluate(() => {
      const e = document.activeElement;
      const s = getComputedStyle(e);
      return { id: e.id || e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    seen.add(info.id);
    assert.notEqual(info.outline, 'none', `focus is visible on ${info.id}`);
    assert.ok(info.width >= 2, `focus outline on ${info.id} is at least 2px`);
    if (info.id === 'submit') break;
    await page.keyboard.press('Tab');
  }
  for (const id of ['lang-switch', 'text', 'when', 'where', 'files', 'stats-incident_type',
    'stats-consequences-none', 'stats-reported_further', 'submit']) {
    assert.ok(seen.has(id), `${id} is reachable by Tab`);
  }
  await page.close();
});
