// End to end, in headless Chromium against the real server binary and a real SQLite file:
// fill and submit the form in German and in English, decrypt what was stored with the demo
// office identity, make sure no plaintext is in the database or the server's output, and use
// the receipt on the follow-up page to read an officer's reply and answer it.
//
// Needs: a built form (npm run build), the server binary (MELDESTELLE_BIN, or
// $CARGO_TARGET_DIR/debug/meldestelle, or ../target/debug/meldestelle) and /usr/bin/chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Decrypter, Encrypter } from 'age-encryption';
import { hex } from '@scure/base';
import {
  REPO, serverBinary, startServer, launchBrowser, watchPage, axeViolations, screenshot, missingTools, pngWith,
} from './helpers.js';
import { parseReceipt, deriveAll } from '../src/receipt.js';
import { padDocument } from '../src/padding.js';

const DEMO_IDENTITY = readFileSync(path.join(REPO, 'keys/demo-office.identity.DEMO-ONLY.txt'), 'utf8')
  .split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));
const DEMO_RECIPIENT = readFileSync(path.join(REPO, 'keys/demo-office.recipients'), 'utf8')
  .split('\n').find((l) => l.startsWith('age1'));

const skip = missingTools();

let server;
let browser;
const pageProblems = [];
const secrets = []; // every plaintext marker typed into a page: none may reach the server's disk or logs

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(options = {}) {
  const page = await browser.newPage({ viewport: { width: 1024, height: 900 }, ...options });
  pageProblems.push(watchPage(page));
  return page;
}

function db() {
  return new Database(server.dbPath, { readonly: true, fileMustExist: true });
}

async function decrypt(bytes, identity = DEMO_IDENTITY) {
  const d = new Decrypter();
  d.addIdentity(identity);
  return d.decrypt(new Uint8Array(bytes), 'uint8array');
}

const marker = (label) => {
  const m = `${label}-${randomBytes(6).toString('hex')}`;
  secrets.push(m);
  return m;
};

async function assertNoA11yViolations(page, label) {
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `axe violations on ${label}:\n${v.join('\n')}`);
}


const submitted = {}; // lang → { receipt, text, attachment }

for (const lang of ['de', 'en']) {
  test(`submit a report in ${lang === 'de' ? 'German' : 'English'}`, { skip }, async () => {
    const page = await newPage({ locale: lang === 'de' ? 'de-DE' : 'en-GB' });
    await page.goto(`${server.url}/?office=demo`);
    await page.waitForSelector('body[data-ready="true"]');
    if (lang === 'en') {
      // The language switch works in place, by keyboard.
      await page.focus('#lang-switch');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      assert.equal(await page.textContent('h1'), 'Report an incident');
      assert.match(page.url(), /lang=en/);
      assert.doesNotMatch(page.url(), /receipt|lookup/);
    } else {
      assert.equal(await page.textContent('h1'), 'Einen Vorfall melden');
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
    }
    await screenshot(page, `01-form-${lang}`);

    // An empty submission is refused in the browser; the error is next to the field.
    await page.click('#submit');
    await page.waitForSelector('#text[aria-invalid="true"]');
    assert.ok((await page.textContent('#text-error')).length > 5);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'text');
    await screenshot(page, `02-form-error-${lang}`);
    await assertNoA11yViolations(page, `form with an error (${lang})`);

    const text = marker(lang === 'de' ? 'Beleidigung am Schalter, Aktenzeichen' : 'Insult at the counter, file');
    const attachmentText = marker('attachment');
    // Type by keyboard, as a person would.
    await page.focus('#text');
    await page.keyboard.type(`${text}\nÄußerung: „…“ – ${lang}`);
    assert.equal(await page.textContent('#form-error'), '', 'the summary goes once the field is fixed');
    await page.fill('#when', lang === 'de' ? 'Anfang November' : 'early November');
    await page.fill('#where', marker('Buergeramt'));

    // An oversized file is refused before any upload, with an announced error.
    const limit = await page.evaluate(async () => (await (await fetch('/v1/offices/demo')).json()).padding.max_attachment);
    await page.setInputFiles('#files', { name: 'zu-gross.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(limit + 1, 1) });
    await page.waitForSelector('#files[aria-invalid="true"]');
    assert.match(await page.textContent('#files-error'), /zu-gross\.pdf/);
    assert.equal(await page.getAttribute('#files-error', 'role'), 'alert');
    assert.equal(await page.locator('#files-list li').count(), 0);
    await screenshot(page, `03-file-too-large-${lang}`);

    await page.setInputFiles('#files', { name: 'notiz.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
    await page.waitForFunction(() => document.getElementById('files-error').textContent.includes('notiz.txt'));
    assert.equal(await page.locator('#files-list li').count(), 0, 'only images and PDF');

    const png = pngWith(attachmentText);
    await page.setInputFiles('#files', { name: 'foto.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#files-list li');
    assert.equal(await page.getAttribute('#files', 'aria-invalid'), null);

    const statsBefore = db().prepare('SELECT count(*) AS n FROM stats_contributions').get().n;
    if (lang === 'de') {
      await page.selectOption('#stats-incident_type', 'verbal_degradation');
      await page.selectOption('#stats-reporter_role', 'affected');
      await page.check('#stats-consequences-psychological_strain');
    }
    await screenshot(page, `04-form-filled-${lang}`);
    const posted = [];
    page.on('request', (r) => { if (r.method() !== 'GET') posted.push({ url: r.url(), body: r.postData() ?? '' }); });
    await page.click('#submit');
    await page.waitForSelector('#done:not([hidden])', { timeout: 30000 });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'done-heading');
    const receipt = (await page.textContent('#receipt')).trim();
    // The case's reference, which the office sees too: two groups of four Crockford characters.
    const reference = (await page.textContent('#done-reference')).trim();
    assert.match(reference, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    assert.notEqual(reference, receipt.slice(0, 9));
    // What left the browser: one JSON request with base64 age files and no plaintext.
    assert.equal(posted.length, 1);
    assert.ok(posted[0].url.endsWith('/v1/reports'));
    const sent = JSON.parse(posted[0].body);
    // The statistics answers are inside the ciphertext, never beside it.
    assert.deepEqual(Object.keys(sent).sort(), ['attachments', 'ciphertext', 'keyset_version', 'lookup_id', 'office', 'pow', 'reply_recipient']);
    assert.ok(!posted[0].body.includes('verbal_degradation'), 'no answer in plain text');
    // The proof of work the browser solved (PROTOCOL.md §6).
    assert.deepEqual(Object.keys(sent.pow).sort(), ['challenge', 'nonces']);
    assert.equal(new Set(sent.pow.nonces).size, 16, 'one nonce for each of 16 puzzles');
    for (const c of [sent.ciphertext, ...sent.attachments]) {
      assert.ok(Buffer.from(c, 'base64').subarray(0, 22).toString() === 'age-encryption.org/v1\n', 'binary age, not armored');
    }
    for (const m of secrets) assert.ok(!posted[0].body.includes(m), 'no plaintext in the request');
    assert.ok(!posted[0].body.includes(receipt.replace(/-/g, '')), 'the receipt is never sent');
    assert.match(receipt, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/);
    assert.match(await page.textContent('#done-warning'), lang === 'de' ? /nicht wiederhergestellt/ : /cannot be recovered/);
    assert.doesNotMatch(page.url(), new RegExp(receipt.slice(0, 4)));
    await assertNoA11yViolations(page, `receipt (${lang})`);

    // Download gives a small text file with the code.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = readFileSync(await download.path(), 'utf8');
    assert.ok(file.includes(receipt));
    assert.ok(file.length < 1000);
    // The receipt says where to come back, on the screen, in print and in the file.
    assert.ok(file.includes(`${server.url}/follow-up`), file);
    assert.ok((await page.textContent('#done-where')).includes(`${server.url}/follow-up`));
    await screenshot(page, `05-receipt-${lang}`);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.isVisible('#copy'), false, 'buttons are not printed');
    assert.equal(await page.isVisible('#receipt'), true);
    await screenshot(page, `05-receipt-print-${lang}`);
    await page.emulateMedia({ media: 'screen' });
    assert.deepEqual(await page.context().cookies(), [], 'no cookies');
    assert.equal(await page.evaluate(() => document.cookie + localStorage.length + sessionStorage.length), '00');

    // Stored: ciphertext that the office identity opens, padded to a bucket.
    const keys = await deriveAll(parseReceipt(receipt));
    const lookupHash = createHash('sha256').update(Buffer.from(keys.lookupId, 'hex')).digest();
    const conn = db();
    const row = conn.prepare('SELECT id, ciphertext, reply_recipient FROM reports WHERE lookup_hash = ?').get(lookupHash);
    assert.ok(row, 'the report is stored under the hash of the derived lookup id');
    assert.equal(row.reply_recipient, keys.replyRecipient);
    const plain = await decrypt(row.ciphertext);
    assert.ok([1024, 4096, 16384, 65536].includes(plain.length), `padded to a bucket, not ${plain.length}`);
    const doc = JSON.parse(new TextDecoder().decode(plain));
    assert.equal(doc.v, 1);
    assert.equal(doc.kind, 'report');
    assert.equal(doc.lang, lang);
    assert.ok(doc.text.includes(text), 'the decrypted report has the text');
    assert.equal(doc.attachments.length, 1);
    const { size } = doc.attachments[0];
    assert.deepEqual({ ...doc.attachments[0] }, { index: 0, name: 'foto.png', type: 'image/png', size });
    const att = conn.prepare('SELECT ciphertext FROM attachments WHERE report_id = ?').all(row.id);
    assert.equal(att.length, 1);
    const attPlain = await decrypt(att[0].ciphertext);
    assert.ok([1024, 4096].includes(attPlain.length), `padded to a bucket, not ${attPlain.length}`);
    const picture = Buffer.from(attPlain.subarray(0, size));
    // The PNG was drawn afresh without its text chunk: the author's marker is gone.
    assert.deepEqual(picture.subarray(0, 8), png.subarray(0, 8), 'still a PNG');
    assert.equal(picture.indexOf(Buffer.from(attachmentText)), -1, 'no metadata left');
    assert.ok(attPlain.subarray(size).every((b) => b === 0), 'attachments are padded with zeros');
    // Nothing reaches the statistics with the report: the office contributes per quarter.
    const statsAfter = conn.prepare('SELECT count(*) AS n FROM stats_contributions').get().n;
    assert.equal(statsAfter, statsBefore, 'no statistics record with the report');
    if (lang === 'de') {
      assert.deepEqual(doc.stats, {
        taxonomy_version: 1, incident_type: 'verbal_degradation', reporter_role: 'affected',
        consequences: ['psychological_strain'],
      });
    } else {
      assert.equal(doc.stats, undefined, 'nothing answered: no stats in the document');
    }
    conn.close();
    submitted[lang] = { receipt, keys, reportId: row.id, text, reference };
    await page.close();
  });
}

/** A real JPEG (a screenshot) with an APP1 Exif segment carrying a GPS-like marker. */
async function jpegWithExif(page, gpsMarker) {
  const jpeg = await page.screenshot({ type: 'jpeg', clip: { x: 0, y: 0, width: 64, height: 48 } });
  const tiff = Buffer.concat([Buffer.from('MM\0*\0\0\0\x08', 'binary'), Buffer.from(`GPSLatitude 52.5200 N ${gpsMarker} Model Pixel 9`)]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const len = Buffer.alloc(2); len.writeUInt16BE(payload.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, payload, jpeg.subarray(2)]);
}

test('a photo goes out without its EXIF (location, camera), and the page says so', { skip }, async () => {
  const page = await newPage({ locale: 'de-DE' });
  await page.goto(`${server.url}/?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  const gps = marker('GPS');
  const photo = await jpegWithExif(page, gps);
  assert.ok(photo.includes(Buffer.from(gps)) && photo.includes(Buffer.from('Exif')));
  await page.fill('#text', marker('Bericht mit Foto'));
  await page.setInputFiles('#files', { name: 'IMG_2041.JPG', mimeType: 'image/jpeg', buffer: photo });
  await page.waitForSelector('#files-list li');
  assert.match(await page.textContent('#files-note'), /Standort, Kameramodell und Aufnahmezeit entfernt/);
  // A PDF is taken as it is, with a warning about what it may still say about its author.
  await page.setInputFiles('#files', { name: 'brief.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 /Author (Jemand)') });
  await page.waitForFunction(() => document.getElementById('files-note').textContent.includes('brief.pdf'));
  assert.match(await page.textContent('#files-note'), /Autor/);
  assert.match(await page.textContent('#files-list'), /IMG_2041\.jpg .* – ohne Standort und Kameradaten/);
  await screenshot(page, '10-photo-cleaned-de');
  await page.click('#submit');
  await page.waitForSelector('#done:not([hidden])', { timeout: 30000 });
  const receipt = (await page.textContent('#receipt')).trim();
  const keys = await deriveAll(parseReceipt(receipt));
  const lookupHash = createHash('sha256').update(Buffer.from(keys.lookupId, 'hex')).digest();
  const conn = db();
  const report = conn.prepare('SELECT id, ciphertext FROM reports WHERE lookup_hash = ?').get(lookupHash);
  const files = conn.prepare('SELECT ciphertext FROM attachments WHERE report_id = ? ORDER BY position').all(report.id);
  conn.close();
  const doc = JSON.parse(new TextDecoder().decode(await decrypt(report.ciphertext)));
  assert.deepEqual(doc.attachments.map((a) => [a.name, a.type]), [['IMG_2041.jpg', 'image/jpeg'], ['brief.pdf', 'application/pdf']]);
  const cleaned = Buffer.from(await decrypt(files[0].ciphertext)).subarray(0, doc.attachments[0].size);
  assert.equal(cleaned.readUInt16BE(0), 0xffd8, 'still a JPEG');
  assert.equal(cleaned.indexOf(Buffer.from('Exif')), -1, 'no EXIF segment');
  assert.equal(cleaned.indexOf(Buffer.from(gps)), -1, 'no location');
  assert.equal(cleaned.indexOf(Buffer.from('Pixel 9')), -1, 'no camera model');
  await page.close();
});

test('no plaintext in the database file or the server output', { skip }, async () => {
  assert.ok(submitted.de && submitted.en);
  const files = [server.dbPath, `${server.dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f));
  const haystacks = [...files, server.output()];
  for (const s of secrets) {
    for (const h of haystacks) assert.equal(h.indexOf(Buffer.from(s)), -1, `found "${s}"`);
  }
  for (const { receipt, keys } of Object.values(submitted)) {
    for (const needle of [receipt, receipt.replace(/-/g, ''), keys.lookupId, keys.replyIdentity]) {
      for (const h of haystacks) assert.equal(h.indexOf(Buffer.from(needle)), -1, 'no receipt or derived secret');
    }
    for (const h of files) assert.equal(h.indexOf(Buffer.from(keys.lookupId, 'hex')), -1, 'the raw lookup id is not stored');
  }
});

/** Whether the server has a POST-only route: an existing one answers GET with 405. */
async function routeExists(p) {
  return (await fetch(`${server.url}${p}`, { method: 'GET' })).status !== 404;
}

async function post(p, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${server.url}${p}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await r.json();
  assert.ok(r.ok, `${p}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** The demo officer logs in (decrypting the challenge with the demo identity) and replies. */
async function replyThroughDesk(caseId, sealed) {
  const c = await post('/v1/desk/challenge', { office: 'demo', recipient: DEMO_RECIPIENT });
  const secret = new TextDecoder().decode(await decrypt(Buffer.from(c.challenge, 'base64')));
  const { token } = await post('/v1/desk/session', { challenge_id: c.challenge_id, secret });
  // A reply names the key set it was encrypted for (the office's current one).
  const { keyset_version } = await (await fetch(`${server.url}/v1/offices/demo`)).json();
  await post(`/v1/desk/cases/${caseId}/replies`, { ciphertext: Buffer.from(sealed).toString('base64'), keyset_version }, token);
}

test('the follow-up page reads an officer reply and sends a message', { skip }, async (t) => {
  assert.ok(submitted.de);
  if (!(await routeExists('/v1/followup/read'))) return t.skip('this server has no /v1/followup/read yet');
  const { receipt, keys, reportId, reference } = submitted.de;

  // The officer's reply, encrypted to the reporter's reply recipient and the office.
  const replyText = marker('Antwort der Beschwerdestelle');
  const e = new Encrypter();
  e.addRecipient(keys.replyRecipient);
  e.addRecipient(DEMO_RECIPIENT);
  const sealed = await e.encrypt(padDocument({ v: 1, kind: 'message', text: `${replyText}\nMit freundlichen Grüßen` }, 65536));
  if (await routeExists('/v1/desk/challenge')) {
    await replyThroughDesk(reportId, sealed);
  } else {
    // Before the desk API existed: the reply row as the desk would write it.
    const today = new Date().toISOString().slice(0, 10);
    const w = new Database(server.dbPath, { fileMustExist: true });
    w.pragma('busy_timeout = 5000');
    w.prepare("INSERT INTO messages (id, report_id, direction, ciphertext, created_on) VALUES (?, ?, 'office', ?, ?)")
      .run(randomUUID(), reportId, Buffer.from(sealed), today);
    w.close();
  }

  const page = await newPage({ locale: 'de-DE' });
  await page.goto(`${server.url}/follow-up?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  await screenshot(page, '06-follow-up-de');

  // A mistyped code is refused before any request, with the error next to the field.
  let requests = 0;
  page.on('request', (r) => { if (r.url().includes('/v1/followup')) requests++; });
  const typo = receipt.slice(0, -1) + (receipt.endsWith('A') ? 'B' : 'A');
  await page.fill('#receipt-input', typo);
  await page.click('#open');
  await page.waitForSelector('#receipt-input[aria-invalid="true"]');
  assert.equal(requests, 0);
  await screenshot(page, '07-follow-up-invalid-de');
  await assertNoA11yViolations(page, 'follow-up with an error');

  // Sloppy but correct: lower case, spaces instead of dashes.
  await page.fill('#receipt-input', receipt.toLowerCase().replace(/-/g, ' '));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#case:not([hidden])');
  assert.doesNotMatch(page.url(), /[0-9a-z]{4}[ -][0-9a-z]{4}/i);
  assert.equal(await page.inputValue('#receipt-input'), '', 'the code is cleared from the input');
  await page.waitForSelector('#messages li.office');
  const shown = await page.textContent('#messages li.office .body');
  assert.ok(shown.includes(replyText), 'the reply is decrypted in the browser');
  assert.ok(shown.includes('Mit freundlichen Grüßen'));
  assert.match(await page.textContent('#case-status'), /\S/);
  // The same reference as on the receipt page.
  assert.equal((await page.textContent('#case-reference')).trim(), reference);
  await screenshot(page, '08-follow-up-case-de');
  await assertNoA11yViolations(page, 'follow-up case');

  const messageText = marker('Nachfrage');
  await page.fill('#message', messageText);
  await page.click('#send');
  await page.waitForSelector('#messages li.reporter');
  await page.waitForFunction(() => document.activeElement?.id === 'message');
  await screenshot(page, '09-follow-up-sent-de');
  const conn = db();
  const rows = conn.prepare("SELECT ciphertext FROM messages WHERE report_id = ? AND direction = 'reporter'").all(reportId);
  conn.close();
  assert.equal(rows.length, 1);
  const plain = await decrypt(rows[0].ciphertext);
  assert.equal(plain.length, 1024);
  assert.equal(JSON.parse(new TextDecoder().decode(plain)).text, messageText);
  // The receipt opens it too: the reporter can re-read what they wrote.
  assert.equal(JSON.parse(new TextDecoder().decode(await decrypt(rows[0].ciphertext, keys.replyIdentity))).text, messageText);
  for (const f of [server.dbPath, `${server.dbPath}-wal`].filter(existsSync)) {
    assert.equal(readFileSync(f).indexOf(Buffer.from(messageText)), -1);
  }
  assert.equal(server.output().indexOf(Buffer.from(messageText)), -1);

  // After a reload, with nothing but the code: the reporter's own report and message.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#receipt-input', receipt);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#own-report:not([hidden])');
  assert.ok((await page.textContent('#own-report-text')).includes(submitted.de.text), 'the report as sent');
  assert.ok((await page.textContent('#messages li.reporter .body')).includes(messageText), 'their own message');
  await screenshot(page, '09b-follow-up-own-report-de');
  await assertNoA11yViolations(page, 'follow-up with the own report');
  await page.close();
});

test('a message sent from a follow-up address naming another office goes to the case’s office', { skip }, async () => {
  assert.ok(submitted.de);
  const { receipt, reportId } = submitted.de;
  // Another office with one officer: as many recipients as demo, so the server cannot tell
  // from the stanza count that a message was encrypted to the wrong office.
  const run = (args) => {
    const r = spawnSync(serverBinary(), [...args, '--database-url', `sqlite://${server.dbPath}`], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  };
  run(['office', 'add', '--slug', 'anderes-amt', '--name', 'Anderes Amt', '--municipality', 'Anderswo', '--land', 'BE', '--size-class', 'under_20k']);
  const key = spawnSync(serverBinary(), ['keygen'], { encoding: 'utf8' });
  const stranger = /Public key: (age1[0-9a-z]+)/.exec(key.stderr)[1];
  run(['office', 'add-officer', '--office', 'anderes-amt', '--name', 'Fremd', '--recipient', stranger]);

  const page = await newPage({ locale: 'de-DE' });
  await page.goto(`${server.url}/follow-up?office=anderes-amt`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#receipt-input', receipt);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#case:not([hidden])');
  const before = await page.locator('#messages li.reporter').count();
  const messageText = marker('Nachricht ueber fremde Adresse');
  await page.fill('#message', messageText);
  await page.click('#send');
  await page.waitForFunction((n) => document.querySelectorAll('#messages li.reporter').length > n, before);
  const conn = db();
  const rows = conn.prepare("SELECT ciphertext FROM messages WHERE report_id = ? AND direction = 'reporter' ORDER BY seq").all(reportId);
  conn.close();
  const plain = await decrypt(rows[rows.length - 1].ciphertext);
  assert.equal(JSON.parse(new TextDecoder().decode(plain)).text, messageText, 'the case’s office reads it');
  await page.close();
});

test('reporting safely: the advice, and a quick exit that leaves no step back to the page', { skip }, async () => {
  for (const pagePath of ['/?office=demo', '/follow-up?office=demo']) {
    const page = await newPage({ locale: 'de-DE' });
    // The harmless page is answered here: the tests reach no outside network.
    await page.route('https://www.wikipedia.org/**', (r) => r.fulfill({ contentType: 'text/html', body: '<title>Wikipedia</title>' }));
    await page.goto(`${server.url}${pagePath}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#safety summary');
    const advice = await page.textContent('#safety');
    for (const want of [/eigenen Gerät/, /Mobilfunknetz/, /Verlauf/, /Drucker/, /keine Benachrichtigung/]) assert.match(advice, want);
    await assertNoA11yViolations(page, `safety advice on ${pagePath}`);
    if (pagePath.startsWith('/?')) await screenshot(page, '11-safety-de');
    // The exit is the first control after the skip link, so it is found by keyboard too.
    await page.focus('.skip-link');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'quick-exit');
    await Promise.all([page.waitForURL('https://www.wikipedia.org/'), page.keyboard.press('Enter')]);
    await page.goBack().catch(() => null);
    assert.ok(!page.url().startsWith(server.url), `back leads to ${page.url()}, not to the form`);
    await page.close();
  }
});

test('the form works on a phone-sized screen', { skip }, async () => {
  const page = await newPage({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'de-DE' });
  await page.goto(`${server.url}/?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
  await screenshot(page, '10-form-phone-de');
  await page.close();
});

test('without JavaScript the form stays off and says why', { skip }, async () => {
  const page = await newPage({ javaScriptEnabled: false, locale: 'de-DE' });
  try {
    await page.goto(`${server.url}/?office=demo`);
    assert.equal(await page.isVisible('#report-form'), false);
    assert.equal(await page.isVisible('#app'), false);
    assert.equal(await page.isVisible('noscript .notice, .notice'), true);
    assert.match(await page.textContent('body'), /JavaScript benötigt/);
    await screenshot(page, '11-no-javascript');
    await page.goto(`${server.url}/follow-up`);
    assert.equal(await page.isVisible('#open-form'), false);
  } finally {
    await page.close();
  }
});

test('no Content-Security-Policy violations or script errors on any page', { skip }, () => {
  assert.deepEqual(pageProblems.flat(), []);
});

test('pages carry no-store and the server answers the pages and assets', { skip }, async () => {
  for (const p of ['/', '/follow-up', '/assets/form.js', '/assets/followup.js', '/assets/style.css']) {
    const r = await fetch(server.url + p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('cache-control'), 'no-store', p);
    assert.ok(!r.headers.get('set-cookie'), p);
  }
  assert.equal((await fetch(`${server.url}/assets/..%2f..%2fCargo.toml`)).status, 404);
  assert.equal((await fetch(`${server.url}/assets/`)).status, 404);
  const html = await (await fetch(`${server.url}/`)).text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
  assert.doesNotMatch(html, /\sstyle=/i, 'no inline style');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline handlers');
  assert.doesNotMatch(html, /https?:\/\//i, 'no third-party resources');
});

test('the bare address: a preset office, else a choice; the follow-up page needs no office', { skip }, async () => {
  // A real deployment: no demo office, two offices with an officer each.
  const srv = await startServer({ extraArgs: ['--no-demo'] });
  const run = (args) => {
    const r = spawnSync(serverBinary(), [...args, '--database-url', `sqlite://${srv.dbPath}`], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  };
  try {
    for (const [slug, name] of [['amt-nord', 'Beschwerdestelle Nord'], ['amt-sued', 'Beschwerdestelle Süd']]) {
      run(['office', 'add', '--slug', slug, '--name', name, '--municipality', 'Musterstadt', '--land', 'BE', '--size-class', 'over_100k']);
      run(['office', 'add-officer', '--office', slug, '--name', 'X', '--recipient', DEMO_RECIPIENT]);
    }
    const page = await newPage({ locale: 'de-DE' });
    await page.goto(`${srv.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.isVisible('#choose-office'), true, 'a choice, not "this office does not exist"');
    assert.equal(await page.locator('#office-choices a').count(), 2);
    await assertNoA11yViolations(page, 'office choice');
    await screenshot(page, '12-choose-office-de');
    await page.click('#office-choices a >> text=Beschwerdestelle Süd');
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(page.url(), /office=amt-sued/);
    assert.equal(await page.textContent('#office-name'), 'Beschwerdestelle Süd');

    // A direct link to an office nobody has joined yet: the form says so before anything is
    // typed, and offers no form (the server would refuse the report: office-not-ready).
    run(['office', 'add', '--slug', 'amt-neu', '--name', 'Beschwerdestelle Neu', '--municipality', 'Musterstadt', '--land', 'BE', '--size-class', 'over_100k']);
    await page.goto(`${srv.url}/?office=amt-neu`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await page.textContent('#page-notice'), /nimmt noch keine Meldungen an/);
    assert.equal(await page.isVisible('#report-form'), false);
    assert.equal(await page.isVisible('#text'), false);
    await assertNoA11yViolations(page, 'office not ready');
    await screenshot(page, '12b-office-not-ready-de');

    // The follow-up page without any office in its address.
    await page.goto(`${srv.url}/follow-up`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.isVisible('#open-form'), true);
    await page.close();
  } finally {
    await srv.stop();
  }
  // With --default-office the bare address opens that office's form.
  const preset = await startServer({ extraArgs: ['--default-office', 'demo'] });
  try {
    const page = await newPage({ locale: 'de-DE' });
    await page.goto(`${preset.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.isVisible('#report-form'), true);
    assert.match(await page.textContent('#office-name'), /Demo/);
    await page.close();
  } finally {
    await preset.stop();
  }
});

test('the small things: one entry per file, errors follow the language, a plain empty-code message', { skip }, async () => {
  const page = await newPage({ locale: 'de-DE' });
  await page.goto(`${server.url}/?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  // The browser's own "no file chosen" is not shown beside the list of chosen files.
  assert.equal(await page.$eval('#files', (e) => getComputedStyle(e).color), 'rgba(0, 0, 0, 0)');
  const png = pngWith('zweimal');
  await page.setInputFiles('#files', { name: 'foto.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('#files-list li');
  await page.setInputFiles('#files', { name: 'foto.png', mimeType: 'image/png', buffer: png });
  await page.waitForTimeout(300);
  assert.equal(await page.locator('#files-list li').count(), 1, 'the same file is not added twice');
  // An error shown in German is in English after switching.
  await page.click('#submit');
  await page.waitForSelector('#text[aria-invalid="true"]');
  assert.match(await page.textContent('#form-error'), /markierten Angaben/);
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.match(await page.textContent('#form-error'), /marked entries/);
  assert.match(await page.textContent('#text-error'), /describe what happened/);
  // The office's German name says so on the English page.
  assert.equal(await page.getAttribute('#office-name', 'lang'), 'de');
  await page.goto(`${server.url}/follow-up`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('#open');
  assert.match(await page.textContent('#receipt-error'), /Bitte geben Sie Ihren Code ein/);
  assert.doesNotMatch(await page.textContent('#close-case'), /^Schließen$/);
  await page.close();
});
