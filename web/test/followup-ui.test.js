// The follow-up page's own logic, independent of the server's follow-up endpoints: the page and
// the office come from the real server, /v1/followup/* is answered in the browser by the test.
// (e2e.test.js covers the same path against the server's endpoints once it has them.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { base64 } from '@scure/base';
import { REPO, startServer, launchBrowser, watchPage, axeViolations, screenshot, missingTools } from './helpers.js';
import { formatReceipt, parseReceipt, generateReceiptBytes, deriveAll } from '../src/receipt.js';
import { padDocument } from '../src/padding.js';

const DEMO_IDENTITY = readFileSync(path.join(REPO, 'keys/demo-office.identity.DEMO-ONLY.txt'), 'utf8')
  .split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));
const DEMO_RECIPIENT = readFileSync(path.join(REPO, 'keys/demo-office.recipients'), 'utf8')
  .split('\n').find((l) => l.startsWith('age1'));

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

async function seal(doc, recipients) {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return base64.encode(await e.encrypt(padDocument(doc, 65536)));
}

test('follow-up: derive locally, decrypt office replies, send messages the reporter can re-read', { skip }, async () => {
  const receipt = formatReceipt(generateReceiptBytes());
  const keys = await deriveAll(parseReceipt(receipt));
  const messages = [
    { direction: 'office', created_on: '2026-11-26', ciphertext: await seal({ v: 1, kind: 'message', text: 'Guten Tag,\nwir haben Ihre Meldung erhalten.' }, [keys.replyRecipient, DEMO_RECIPIENT]) },
    { direction: 'office', created_on: '2026-11-27', ciphertext: await seal({ v: 1, kind: 'message', text: 'not for you' }, [DEMO_RECIPIENT]) },
  ];
  const seen = { read: [], sent: [] };
  const page = await browser.newPage({ locale: 'en-GB' });
  const problems = watchPage(page);
  await page.route('**/v1/followup/read', async (route) => {
    const body = JSON.parse(route.request().postData());
    seen.read.push(body);
    if (body.lookup_id !== keys.lookupId) {
      return route.fulfill({ status: 404, contentType: 'application/problem+json', body: '{"type":"about:blank","title":"Not Found","status":404}' });
    }
    return route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ office: 'demo', status: 'acknowledged', received_on: '2026-11-25', ack_due: '2026-12-02', feedback_due: '2027-03-04', messages }),
    });
  });
  await page.route('**/v1/followup/messages', async (route) => {
    const body = JSON.parse(route.request().postData());
    seen.sent.push(body);
    messages.push({ direction: 'reporter', created_on: '2026-11-28', ciphertext: body.ciphertext });
    return route.fulfill({ status: 201, contentType: 'application/json', body: '{}' });
  });

  await page.goto(`${server.url}/follow-up?office=demo&lang=en`);
  await page.waitForSelector('body[data-ready="true"]');

  // A valid but unknown code: the server is asked, answers 404, the page says so next to the field.
  await page.fill('#receipt-input', formatReceipt(generateReceiptBytes()));
  await page.click('#open');
  await page.waitForSelector('#receipt-input[aria-invalid="true"]');
  assert.match(await page.textContent('#receipt-error'), /no report/);
  assert.equal(seen.read.length, 1);
  assert.deepEqual(Object.keys(seen.read[0]), ['lookup_id']);

  await page.fill('#receipt-input', receipt);
  await page.click('#open');
  await page.waitForSelector('#case:not([hidden])');
  assert.equal(seen.read[1].lookup_id, keys.lookupId, 'only the derived lookup id is sent');
  assert.equal(await page.textContent('#case-status'), 'Acknowledged');
  assert.equal(await page.textContent('#case-received'), '25 November 2026');
  const bodies = await page.locator('#messages li').allTextContents();
  assert.equal(bodies.length, 2);
  assert.match(bodies[0], /wir haben Ihre Meldung erhalten/);
  assert.match(bodies[1], /could not be decrypted/);
  await screenshot(page, 'followup-ui-case-en');

  // An empty message is refused next to the field; a real one is encrypted to the office and the receipt.
  await page.click('#send');
  await page.waitForSelector('#message[aria-invalid="true"]');
  await page.fill('#message', 'Danke. Eine Frage noch: …');
  await page.click('#send');
  await page.waitForSelector('#messages li.reporter');
  assert.equal(seen.sent.length, 1);
  assert.deepEqual(Object.keys(seen.sent[0]).sort(), ['ciphertext', 'keyset_version', 'lookup_id', 'pow']);
  // The key set of the office it was encrypted to (the server refuses a message without it).
  const office = await (await fetch(`${server.url}/v1/offices/demo`)).json();
  assert.equal(seen.sent[0].keyset_version, office.keyset_version);
  assert.equal(seen.sent[0].lookup_id, keys.lookupId);
  const ct = base64.decode(seen.sent[0].ciphertext);
  const d = new Decrypter();
  d.addIdentity(DEMO_IDENTITY);
  const plain = await d.decrypt(ct, 'uint8array');
  assert.equal(plain.length, 1024, 'padded to a bucket');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(plain)), { v: 1, kind: 'message', text: 'Danke. Eine Frage noch: …' });
  const mine = new Decrypter();
  mine.addIdentity(keys.replyIdentity);
  assert.equal(JSON.parse(new TextDecoder().decode(await mine.decrypt(ct))).text, 'Danke. Eine Frage noch: …', 'the reporter can re-read it');
  assert.match(await page.textContent('#message-status'), /was sent/);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'followup-ui-sent-en');

  // Closing forgets the case.
  await page.click('#close-case');
  assert.equal(await page.isVisible('#case'), false);
  assert.equal(await page.locator('#messages li').count(), 0);
  assert.equal(await page.inputValue('#receipt-input'), '');
  assert.doesNotMatch(page.url(), /[0-9A-Z]{4}-[0-9A-Z]{4}/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('follow-up: a closed case shows its status and takes no new messages', { skip }, async () => {
  const receipt = formatReceipt(generateReceiptBytes());
  const page = await browser.newPage({ locale: 'de-DE' });
  await page.route('**/v1/followup/read', (route) => route.fulfill({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ office: 'demo', status: 'closed', received_on: '2026-01-05', ack_due: null, feedback_due: null, messages: [] }),
  }));
  await page.goto(`${server.url}/follow-up?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#receipt-input', receipt);
  await page.click('#open');
  await page.waitForSelector('#case:not([hidden])');
  assert.equal(await page.textContent('#case-status'), 'Abgeschlossen');
  assert.equal(await page.isVisible('#message-form'), false);
  assert.equal(await page.isVisible('#case-closed-note'), true);
  assert.equal(await page.isVisible('#case-ack'), false, 'an absent deadline is not shown');
  assert.equal(await page.isVisible('#no-messages'), true);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'followup-ui-closed-de');
  await page.close();
});
