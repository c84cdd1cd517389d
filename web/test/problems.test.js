// Every problem type the report form can meet is told in the page's language, in plain words:
// never the server's English title or detail. The server's answers are replaced in the browser
// (page.route) so that each type can be produced on demand; the form itself is the real one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, watchPage, screenshot, missingTools } from './helpers.js';

const skip = missingTools();

// Each type with a phrase of its message in German and in English.
const TYPES = [
  ['rate-limited', 429, /sehr viele Meldungen/, /Very many reports/],
  ['pow-required', 400, /Sicherheitsprüfung/, /safety check/],
  ['pow-invalid', 400, /Sicherheitsprüfung/, /safety check/],
  ['pow-expired', 400, /Sicherheitsprüfung/, /safety check/],
  ['pow-spent', 400, /Sicherheitsprüfung/, /safety check/],
  ['unknown-office', 404, /Beschwerdestelle gibt es nicht/, /complaint office does not exist/],
  ['stale-keyset', 409, /Schlüssel der Beschwerdestelle/, /keys have just changed/],
  ['body-too-large', 413, /zu groß/, /too large/],
  ['invalid-field', 400, /Verschlüsselung in Ihrem Browser/, /encryption in your browser/],
  ['not-age', 400, /Verschlüsselung in Ihrem Browser/, /encryption in your browser/],
  ['passphrase-encrypted', 400, /Verschlüsselung in Ihrem Browser/, /encryption in your browser/],
  ['wrong-stanza-count', 400, /Verschlüsselung in Ihrem Browser/, /encryption in your browser/],
  ['malformed-stanza', 400, /Verschlüsselung in Ihrem Browser/, /encryption in your browser/],
  ['unpadded-size', 400, /Verschlüsselung in Ihrem Browser/, /encryption in your browser/],
  ['too-many-attachments', 400, /zu viele Anhänge/, /too many attachments/],
  ['unknown-taxonomy-value', 400, /freiwilligen Antworten/, /optional answers/],
  ['unknown-taxonomy-version', 400, /freiwilligen Antworten/, /optional answers/],
  ['stats-in-plaintext', 400, /Seite ist veraltet/, /page is out of date/],
  ['duplicate-lookup-id', 409, /Code schon/, /code existed already/],
  ['storage-unavailable', 503, /nichts speichern/, /cannot store anything/],
  ['body-timeout', 408, /zu lange gedauert/, /took too long/],
  ['malformed-json', 400, /nicht versteht/, /does not understand/],
  ['invalid-request', 400, /nicht versteht/, /does not understand/],
  ['something-new', 500, /Fehler 500/, /error 500/],
];

let server;
let browser;
before(async () => {
  if (skip) return;
  server = await startServer({ extraArgs: ['--pow-bits', '0'] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const lang of ['de', 'en']) {
  test(`every problem type has its own plain message (${lang})`, { skip }, async () => {
    const page = await browser.newPage({ locale: lang === 'de' ? 'de-DE' : 'en-GB' });
    const problems = watchPage(page);
    let current = TYPES[0];
    await page.route('**/v1/reports', (route) => route.fulfill({
      status: current[1],
      contentType: 'application/problem+json',
      body: JSON.stringify({
        type: `urn:meldestelle:problem:${current[0]}`, status: current[1],
        title: 'ENGLISH TITLE FOR DEVELOPERS', detail: 'english detail for developers',
      }),
    }));
    await page.goto(`${server.url}/?office=demo${lang === 'en' ? '&lang=en' : ''}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#text', 'Ein Bericht, der nie gespeichert wird.');
    const seen = new Set();
    for (const type of TYPES) {
      current = type;
      await page.evaluate(() => { document.getElementById('form-error').textContent = ''; });
      await page.click('#submit');
      await page.waitForFunction(() => document.getElementById('form-error').textContent.length > 0);
      const text = await page.textContent('#form-error');
      assert.match(text, lang === 'de' ? type[2] : type[3], `${type[0]}: ${text}`);
      assert.doesNotMatch(text, /ENGLISH TITLE|english detail|urn:/, type[0]);
      seen.add(text);
    }
    assert.equal(seen.size, 14, 'one message for each kind of trouble');
    await screenshot(page, `problem-message-${lang}`);
    assert.deepEqual(problems, []);
    await page.close();
  });
}
