// The officers' desk (desk.html) in headless Chromium against the real server binary and a
// real SQLite file: enrollment with a passkey (a virtual WebAuthn authenticator with PRF) or a
// passphrase, login with a key file, the inbox and its deadlines, one case with its attachment,
// status, reply and note, the reporter reading the reply, re-encryption to a new key set,
// refusals (wrong passphrase, used invitation, revoked officer, expired session), locking
// (nothing decrypted left anywhere), and axe-core at two sizes in both languages.
//
// Needs: a built web/dist (npm run build), the server binary and /usr/bin/chromium.

import { test, before, after } from 'node:test';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Decrypter, Encrypter, armor } from 'age-encryption';
import {
  REPO, DIST, ARTIFACTS, serverBinary, startServer, launchBrowser, watchPage, axeViolations, screenshot, missingTools, switchLanguage, checkView as checkViewAt, pngWith,
  visible, keyFileOfficer as newOfficer,
} from './helpers.js';
import { startSmtp } from './smtp.js';
import { padDocument } from '../src/padding.js';
import { generateReceiptBytes, deriveAll } from '../src/receipt.js';

const skip = missingTools('desk.html');

const DEMO_IDENTITY_FILE = path.join(REPO, 'keys/demo-office.identity.DEMO-ONLY.txt');

let server;
let browser;
let base; // http://localhost:PORT: WebAuthn wants a domain, not an IP address
const problems = [];
const secrets = []; // every plaintext marker: none may be left on disk, in logs, or after locking
const contexts = [];
let shot = 0;

before(async () => {
  if (skip) return;
  // Screenshots of earlier runs would mix with this run's numbering.
  if (existsSync(ARTIFACTS)) for (const f of readdirSync(ARTIFACTS)) if (/^desk-.*\.png$/.test(f)) rmSync(path.join(ARTIFACTS, f));
  server = await startServer();
  base = server.url.replace('127.0.0.1', 'localhost');
  browser = await launchBrowser({ args: ['--host-resolver-rules=MAP localhost 127.0.0.1'] });
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

const marker = (label) => {
  const m = `${label}-${randomBytes(6).toString('hex')}`;
  secrets.push(m);
  return m;
};

function cli(args, srv = server) {
  const r = spawnSync(serverBinary(), [...args, '--database-url', `sqlite://${srv.dbPath}`], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, `meldestelle ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** An invitation link from the CLI (its last line), pointing at the desk on `localhost`. */
function invite(name, srv = server, url = base) {
  const out = cli(['office', 'invite', '--office', 'demo', '--name', name, '--desk-url', `${url}/desk`], srv);
  const link = out.trim().split('\n').pop();
  assert.match(link, /\/desk#invite=[0-9a-f]{64}$/);
  return link;
}

const keyFileOfficer = (name, srv = server) => newOfficer(srv.dbPath, name);

async function newPage({ lang = 'de', width = 1280, height = 900, authenticator = false, prf = true } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: lang === 'de' ? 'de-DE' : 'en-GB', acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  problems.push(watchPage(page));
  let auth = null;
  if (authenticator) auth = await addAuthenticator(page, { prf });
  return { context, page, auth };
}

async function addAuthenticator(page, { prf = true } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, hasPrf: prf, automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function openDesk(page, query = '') {
  await page.goto(`${base}/desk${query}`);
  await page.waitForSelector('body[data-ready="true"]');
}

async function snap(page, step) {
  shot += 1;
  const lang = await page.getAttribute('html', 'lang');
  await screenshot(page, `desk-${String(shot).padStart(2, '0')}-${step}-${lang}`);
}


const checkView = (page, step) => checkViewAt(page, step, snap);

// A valid 8×8 PNG (so the preview really renders) whose bytes carry a marker in a text chunk.

/** A report through the real form; returns the receipt. */
async function submitReport({ text, attachment, srv = server, url = base }) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'de-DE' });
  const page = await context.newPage();
  problems.push(watchPage(page));
  await page.goto(`${url}/?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#text', text);
  await page.fill('#when', 'Anfang November');
  await page.fill('#where', 'Bürgeramt Mitte');
  if (attachment) await page.setInputFiles('#files', attachment);
  if (attachment) await page.waitForSelector('#files-list li');
  await page.click('#submit');
  await page.waitForSelector('#done:not([hidden])', { timeout: 60000 });
  const receipt = (await page.textContent('#receipt')).trim();
  await context.close();
  void srv;
  return receipt;
}

/** Everything the page could have kept: web storage, IndexedDB, Cache Storage, and the DOM. */
async function leftovers(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const s of [localStorage, sessionStorage]) {
      for (let i = 0; i < s.length; i++) out.push(s.key(i), s.getItem(s.key(i)));
    }
    const dbs = indexedDB.databases ? await indexedDB.databases() : [];
    out.push(JSON.stringify(dbs));
    const caches_ = globalThis.caches ? await caches.keys() : [];
    out.push(JSON.stringify(caches_));
    out.push(document.body.innerText);
    for (const e of document.querySelectorAll('input, textarea')) out.push(e.value);
    out.push(...[...document.querySelectorAll('img')].map((i) => i.src));
    return { text: out.join('\n'), idb: dbs.length, caches: caches_.length };
  });
}

function assertNoSecretsIn(text, label) {
  for (const s of secrets) assert.ok(!text.includes(s), `${label} still holds "${s}"`);
  assert.ok(!/AGE-SECRET-KEY-1/i.test(text), `${label} holds an identity in clear`);
}

function assertNoSecretsOnServer(srv = server) {
  const files = [srv.dbPath, `${srv.dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f));
  for (const h of [...files, srv.output()]) {
    for (const s of secrets) assert.equal(h.indexOf(Buffer.from(s)), -1, `server disk or log holds "${s}"`);
  }
}

async function readReplyOnFollowUp(receipt, replyText, answer) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'de-DE' });
  const page = await context.newPage();
  problems.push(watchPage(page));
  await page.goto(`${base}/follow-up?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#receipt-input', receipt);
  await page.click('#open');
  await page.waitForSelector('#messages li.office');
  const shown = await page.textContent('#messages li.office .body');
  assert.ok(shown.includes(replyText), 'the reporter reads the officer’s reply');
  await screenshot(page, 'desk-reporter-reads-reply-de');
  await page.fill('#message', answer);
  await page.click('#send');
  await page.waitForSelector('#messages li.reporter');
  await context.close();
}

const state = {}; // shared between the tests, which run in order

test('passkey: enroll from an invitation, read a report with an attachment, acknowledge, reply; the reporter answers', { skip }, async () => {
  const link = invite('Erika Muster');
  const token = link.split('#invite=')[1];
  state.usedLink = link;
  const { page, auth } = await newPage({ authenticator: true });
  await page.goto(link);
  await page.waitForSelector('body[data-ready="true"]');
  await visible(page, '#enroll-form');
  assert.ok(!page.url().includes(token), 'the token left the address bar');
  assert.ok(!(await page.evaluate(() => location.href)).includes('invite='));
  assert.match(await page.textContent('#enroll-invited'), /Erika Muster/);
  // A passkey and a backup file by default; the passkey alone is a choice, its risk said plainly.
  assert.equal(await page.isChecked('#protect-passkey'), true);
  assert.equal(await page.isChecked('#protect-passphrase'), true);
  assert.equal(await page.isVisible('#passkey-only-warning'), false);
  await checkView(page, 'enroll');
  await page.uncheck('#protect-passphrase');
  await visible(page, '#passkey-only-warning');
  const warning = await page.textContent('#passkey-only-warning');
  assert.match(warning, /verloren/);
  assert.match(warning, /neue Einladung/);
  assert.match(warning, /Notfallschlüssel/);
  assert.equal(await page.isVisible('#passphrase-fields'), false);
  await checkView(page, 'enroll-passkey-only');

  await page.click('#enroll-submit');
  // Enrolled: the backup file is offered once more, and the officer may go on without it.
  await visible(page, '#enroll-later', 60000);
  assert.equal(await page.isVisible('#enroll-download'), false);
  await checkView(page, 'enroll-done-passkey-only');
  await page.click('#enroll-continue');
  await visible(page, '#view-inbox');
  await page.waitForSelector('#inbox-caption:not(:empty)');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'inbox-heading');
  const accounts = await page.evaluate(() => JSON.parse(localStorage.getItem('meldestelle.desk.accounts')));
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0].kind, 'passkey');
  assert.match(accounts[0].credential, /^AGE-PLUGIN-FIDO2PRF-1/);
  assert.equal(accounts[0].display_name, 'Erika Muster');
  assert.ok(!JSON.stringify(accounts).includes('AGE-SECRET-KEY'));
  const { credentials } = await auth.cdp.send('WebAuthn.getCredentials', { authenticatorId: auth.authenticatorId });
  assert.equal(credentials.length, 1);
  state.passkeyCredential = credentials[0];
  state.erikaAccount = accounts[0];

  // A reporter writes, after the enrollment: the report goes to the new key set.
  const text = marker('Vorfall am Schalter');
  // A picture without metadata reaches the officer byte for byte.
  const png = pngWith(null);
  const receipt = await submitReport({ text, attachment: { name: 'foto.png', mimeType: 'image/png', buffer: png } });
  state.story = { receipt, text };

  await page.click('#inbox-refresh');
  await page.waitForSelector('#inbox-rows tr');
  const row = await page.textContent('#inbox-rows tr');
  assert.match(row, /Eingegangen/);
  assert.match(row, /Eingangsbestätigung bis/);
  assert.match(row, /noch 7 Tage/);
  // The audit log's checkpoint of this login is shown, to compare with one kept elsewhere.
  assert.match(await page.textContent('#audit-head'), /\b\d+:[0-9a-f]{64}\b/);
  await checkView(page, 'inbox');

  // Keyboard: Tab to the case's button and open it with Enter.
  await page.focus('#inbox-refresh');
  let found = false;
  for (let i = 0; i < 15 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement?.classList.contains('open-case'));
  }
  assert.ok(found, 'a case row is reachable by Tab');
  state.caseId = await page.evaluate(() => document.activeElement.dataset.case);
  await page.keyboard.press('Enter');
  await visible(page, '#case-body');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'case-heading');
  const doc = await page.textContent('#report-doc');
  assert.ok(doc.includes(text), 'the report is decrypted in the browser');
  assert.match(doc, /Anfang November/);
  assert.match(doc, /Bürgeramt Mitte/);
  assert.match(doc, /Deutsch/);
  assert.match(await page.textContent('#attachments'), /foto\.png \(image\/png/);
  assert.match(await page.getAttribute('#attachments img.preview', 'src'), /^blob:/);
  await page.waitForFunction(() => document.querySelector('#attachments img.preview').complete);
  assert.equal(await page.$eval('#attachments img.preview', (i) => i.naturalWidth), 8, 'the preview renders (blob: images allowed)');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.save-attachment')]);
  assert.equal(dl.suggestedFilename(), 'foto.png');
  assert.deepEqual(readFileSync(await dl.path()), png, 'the saved attachment is the original, padding cut');
  await checkView(page, 'case');

  // Acknowledge: the next legal steps only.
  const steps = await page.$$eval('#status-actions button', (bs) => bs.map((b) => b.dataset.to));
  assert.deepEqual(steps, ['acknowledged']);
  await page.click('button[data-to="acknowledged"]');
  await page.waitForFunction(() => /Eingang bestätigt/.test(document.getElementById('status-status').textContent));
  assert.match(await page.textContent('#case-facts'), /Eingang bestätigt am/);
  assert.deepEqual(await page.$$eval('#status-actions button', (bs) => bs.map((b) => b.dataset.to)), ['in_progress', 'feedback_given']);

  // Reply with the keyboard only.
  const reply = marker('Antwort der Stelle');
  await page.focus('#reply-text');
  await page.keyboard.type(`${reply}\nMit freundlichen Grüßen`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'reply-send');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#thread li.office');
  assert.ok((await page.textContent('#thread li.office')).includes(reply));
  assert.match(await page.textContent('#thread li.office .meta'), /Antwort an die meldende Person/);
  assert.equal(await page.inputValue('#reply-text'), '');
  assert.match(await page.textContent('#reply-status'), /gesendet/);

  // A note, readable by the office only.
  const note = marker('Notiz intern');
  await page.fill('#note-text', note);
  await page.click('#note-send');
  await page.waitForSelector('#thread li.note');
  assert.ok((await page.textContent('#thread li.note')).includes(note));
  await snap(page, 'case-replied');

  // The reporter reads the reply with the receipt and answers.
  const answer = marker('Rueckfrage der meldenden Person');
  await readReplyOnFollowUp(receipt, reply, answer);
  await page.click('#case-back');
  await visible(page, '#view-inbox');
  await page.waitForSelector('#inbox-rows tr');
  // The answer is marked as new in the inbox until the officer opens the case.
  const answered = page.locator('#inbox-rows tr', { has: page.locator(`button[data-case="${state.caseId}"]`) });
  await answered.locator('.mark.new').waitFor();
  assert.match(await answered.textContent(), /1 \(1 neu für Sie\)/);
  await snap(page, 'inbox-new-message');
  await page.click(`button[data-case="${state.caseId}"]`);
  await page.waitForSelector('#thread li.reporter');
  assert.ok((await page.textContent('#thread li.reporter')).includes(answer), 'the officer reads the reporter’s answer');
  await snap(page, 'case-answer');

  // Export: the raw age file.
  const [exp] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  assert.equal(exp.suggestedFilename(), `case-${state.caseId}.age`);
  assert.equal(readFileSync(await exp.path()).subarray(0, 21).toString(), 'age-encryption.org/v1');

  // Forward to a competent authority: encrypted in the browser to its key, never the internal
  // note; a key that is none is refused in words.
  const authorityDir = mkdtempSync(path.join(tmpdir(), 'authority-'));
  const authorityKey = path.join(authorityDir, 'authority.key');
  const kg = spawnSync(serverBinary(), ['keygen', '-o', authorityKey], { cwd: REPO, encoding: 'utf8' });
  assert.equal(kg.status, 0, kg.stderr);
  const authority = /age1[0-9a-z]+/.exec(readFileSync(authorityKey, 'utf8'))[0];
  await page.fill('#forward-recipient', 'kein Schlüssel');
  await page.click('#forward-send');
  assert.match(await page.textContent('#forward-recipient-error'), /kein gültiger age-Schlüssel/);
  await page.fill('#forward-recipient', authority);
  const [fwd] = await Promise.all([page.waitForEvent('download'), page.click('#forward-send')]);
  const opened = spawnSync('age', ['-d', '-i', authorityKey, await fwd.path()], { encoding: 'utf8' });
  assert.equal(opened.status, 0, opened.stderr);
  const bundle = JSON.parse(opened.stdout);
  assert.ok(bundle.report.text.includes(text));
  assert.ok(bundle.messages.some((m) => m.text.includes(reply)));
  assert.ok(bundle.attachments.length >= 1);
  assert.ok(!opened.stdout.includes(note), 'an internal note was forwarded');
  assert.match(await page.textContent('#forward-status'), /SHA256:[0-9a-f]{32}/);
  rmSync(authorityDir, { recursive: true, force: true });

  // Lock: nothing decrypted stays.
  await page.click('#lock');
  await visible(page, '#view-unlock');
  assert.equal(await page.$$eval('#classify-fields *', (n) => n.length), 0, 'the classification form is emptied');
  assert.equal(await page.inputValue('#forward-recipient'), '', 'the authority’s key is forgotten');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'unlock-heading');
  const left = await leftovers(page);
  assertNoSecretsIn(left.text, 'the page after locking');
  assert.equal(left.caches, 0);
  await snap(page, 'locked');
  assertNoSecretsOnServer();
  state.erikaPage = page;
});

test('passkey: unlock again; sign in where no account is remembered; a browser without the passkey is refused', { skip }, async () => {
  const page = state.erikaPage;
  assert.ok(page);
  await page.click('#account-0-unlock');
  await visible(page, '#view-inbox');
  await page.waitForSelector('#inbox-rows tr');
  await page.click('#lock');
  await visible(page, '#view-unlock');

  // The device forgets its accounts (as a new browser profile would have none). The same
  // authenticator stays: Chromium's virtual authenticator cannot carry a PRF secret over to
  // another one (WebAuthn.addCredential has no field for it).
  await page.evaluate(() => localStorage.clear());
  await openDesk(page, '?office=demo');
  assert.equal(await page.isVisible('#no-accounts'), true);
  // The page knows the office: no short name to type, and with one office nothing to choose.
  assert.equal(await page.inputValue('#login-office'), 'demo');
  assert.equal(await page.isVisible('#login-office-field'), false);
  assert.match(await page.textContent('#login-office-only'), /^Anmeldung bei: \S/);
  assert.equal(await page.locator('#view-unlock input[type="text"]').count(), 0);
  await checkView(page, 'unlock');
  await page.click('#passkey-login-submit');
  await visible(page, '#view-inbox');
  await page.waitForSelector('#inbox-rows tr');
  const accounts = await page.evaluate(() => JSON.parse(localStorage.getItem('meldestelle.desk.accounts')));
  assert.equal(accounts.length, 1, 'the account is remembered again');
  assert.equal(accounts[0].credential, state.erikaAccount.credential);
  assert.equal(accounts[0].recipient, state.erikaAccount.recipient);
  await page.click('#lock');

  // Another browser whose authenticator does not hold the passkey: the prompt fails, in words.
  const { page: p2 } = await newPage({ authenticator: true, lang: 'en' });
  await openDesk(p2, '?office=demo&lang=en');
  await p2.click('#passkey-login-submit');
  await p2.waitForFunction(() => document.getElementById('passkey-login-error').textContent.length > 0, null, { timeout: 60000 });
  assert.match(await p2.textContent('#passkey-login-error'), /passkey prompt was cancelled or timed out/);
  assert.equal(await p2.isVisible('#view-unlock'), true);
  await snap(p2, 'passkey-refused');
  assert.deepEqual(await axeViolations(p2), []);
  await p2.context().close();
});

test('refusal: a used invitation', { skip }, async () => {
  const { page } = await newPage();
  await page.goto(state.usedLink);
  await page.waitForSelector('body[data-ready="true"]');
  await visible(page, '#view-unlock');
  await page.waitForFunction(() => document.getElementById('unlock-error').textContent.length > 0);
  assert.match(await page.textContent('#unlock-error'), /schon verwendet/);
  assert.equal(await page.getAttribute('#unlock-error', 'role'), 'alert');
  assert.ok(!page.url().includes('invite='));
  await snap(page, 'invitation-used');
  await switchLanguage(page);
  assert.match(await page.textContent('#unlock-error'), /used already/);
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});

test('refusal: an authenticator without PRF; the invitation stays usable', { skip }, async () => {
  const link = invite('Nora Noprf');
  const { page } = await newPage({ authenticator: true, prf: false });
  await page.goto(link);
  await page.waitForSelector('body[data-ready="true"]');
  await visible(page, '#enroll-form');
  await page.uncheck('#protect-passphrase');
  await page.click('#enroll-submit');
  await page.waitForFunction(() => document.getElementById('enroll-error').textContent.length > 0, null, { timeout: 60000 });
  assert.match(await page.textContent('#enroll-error'), /Erweiterung \(PRF\)/);
  assert.equal(await page.isVisible('#enroll-form'), true, 'the officer can choose a passphrase instead');
  await snap(page, 'enroll-no-prf');
  assert.deepEqual(await axeViolations(page), []);
  const accounts = await page.evaluate(() => localStorage.getItem('meldestelle.desk.accounts'));
  assert.equal(accounts, null, 'nothing remembered');
  await page.context().close();
  // Nothing was sent: the invitation still works.
  const r = await fetch(`${server.url}/v1/desk/invitation`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: link.split('#invite=')[1] }),
  });
  assert.equal(r.status, 200);
});

test('passkey only: the backup file can still be made right after enrolling, and opens with its passphrase', { skip }, async () => {
  const { page } = await newPage({ authenticator: true });
  await page.goto(invite('Lena Later'));
  await page.waitForSelector('body[data-ready="true"]');
  await visible(page, '#enroll-form');
  await page.uncheck('#protect-passphrase');
  await page.click('#enroll-submit');
  await visible(page, '#enroll-later', 60000);
  assert.match(await page.textContent('#enroll-later'), /keine Sicherungsdatei/);
  await page.fill('#later-pass', 'zu kurz');
  await page.click('#enroll-later-submit');
  assert.match(await page.textContent('#later-pass-error'), /mindestens 12/);
  const passphrase = 'Spätere Sicherung mit Apfelbaum';
  await page.fill('#later-pass', passphrase);
  await page.fill('#later-pass2', passphrase);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#enroll-later-submit')]);
  assert.equal(dl.suggestedFilename(), 'meldestelle-schluessel-demo.age');
  const backup = readFileSync(await dl.path(), 'utf8');
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  assert.match(await d.decrypt(armor.decode(backup), 'text'), /^AGE-SECRET-KEY-1/);
  // The device remembers both ways in; the form is gone, the saved file can be saved again.
  const accounts = await page.evaluate(() => JSON.parse(localStorage.getItem('meldestelle.desk.accounts')));
  assert.deepEqual(accounts.map((a) => a.kind).sort(), ['passkey', 'passphrase']);
  assert.equal(await page.isVisible('#enroll-later'), false);
  assert.equal(await page.isVisible('#enroll-download'), true);
  assert.deepEqual(await axeViolations(page), []);
  await page.click('#enroll-continue');
  await visible(page, '#view-inbox');
  await page.context().close();
});

test('passphrase: enroll, keep the backup, wrong passphrase, unlock, read and reply', { skip }, async () => {
  const { page } = await newPage();
  await page.goto(invite('Paul Beispiel'));
  await page.waitForSelector('body[data-ready="true"]');
  await visible(page, '#enroll-form');
  await page.uncheck('#protect-passkey');
  await page.uncheck('#protect-passphrase');
  await page.click('#enroll-submit');
  assert.match(await page.textContent('#protect-error'), /mindestens eine/);
  await page.check('#protect-passphrase');
  await visible(page, '#passphrase-fields');
  assert.equal(await page.isVisible('#passkey-only-warning'), false);
  await page.fill('#enroll-pass', 'zu kurz');
  await page.click('#enroll-submit');
  assert.match(await page.textContent('#enroll-pass-error'), /mindestens 12/);
  assert.equal(await page.getAttribute('#enroll-pass', 'aria-invalid'), 'true');
  const passphrase = 'Pferd Batterie Heftklammer richtig';
  await page.fill('#enroll-pass', passphrase);
  await page.fill('#enroll-pass2', `${passphrase}!`);
  await page.click('#enroll-submit');
  assert.match(await page.textContent('#enroll-pass2-error'), /stimmen nicht/);
  await snap(page, 'enroll-passphrase-error');
  assert.deepEqual(await axeViolations(page), []);
  // Show / hide the passphrase.
  await page.click('#passphrase-fields .pass-toggle');
  assert.equal(await page.getAttribute('#enroll-pass', 'type'), 'text');
  await page.click('#passphrase-fields .pass-toggle');
  assert.equal(await page.getAttribute('#enroll-pass', 'type'), 'password');
  await page.fill('#enroll-pass2', passphrase);
  await page.click('#enroll-submit');
  await visible(page, '#enroll-done', 60000);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'enroll-done-heading');
  await checkView(page, 'enroll-done');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#enroll-download')]);
  assert.equal(dl.suggestedFilename(), 'meldestelle-schluessel-demo.age');
  const backup = readFileSync(await dl.path(), 'utf8');
  assert.match(backup, /^-----BEGIN AGE ENCRYPTED FILE-----/);
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  const identity = await d.decrypt(armor.decode(backup), 'text');
  assert.match(identity, /^AGE-SECRET-KEY-1/);
  // The download goes with its browser context: keep a copy for the next test.
  const backupPath = path.join(mkdtempSync(path.join(tmpdir(), 'desk-backup-')), 'meldestelle-schluessel-demo.age');
  writeFileSync(backupPath, backup);
  state.paul = { passphrase, backupPath };
  const accounts = await page.evaluate(() => JSON.parse(localStorage.getItem('meldestelle.desk.accounts')));
  assert.equal(accounts[0].kind, 'passphrase');
  assert.equal(accounts[0].wrapped.trim(), backup.trim(), 'the device keeps the same wrapped file');
  await page.click('#enroll-continue');
  await visible(page, '#view-inbox');
  await page.waitForSelector('#inbox-rows tr');

  // The earlier case went to the key set before Paul: his key cannot open it, the page says so.
  await page.click(`button[data-case="${state.caseId}"]`);
  await visible(page, '#case-body');
  assert.match(await page.textContent('#report-doc'), /Für Ihren Zugang noch nicht lesbar/);
  assert.match(await page.textContent('#thread'), /Für Ihren Zugang noch nicht lesbar/);
  await snap(page, 'case-undecryptable');

  await page.click('#lock');
  await visible(page, '#view-unlock');
  await page.fill('#account-0-pass', 'falsche Passphrase hier');
  await page.click('#account-0-unlock');
  await page.waitForFunction(() => document.getElementById('account-0-pass-error').textContent.length > 0, null, { timeout: 60000 });
  assert.match(await page.textContent('#account-0-pass-error'), /Passphrase ist falsch/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'account-0-pass');
  await snap(page, 'wrong-passphrase');
  await switchLanguage(page);
  assert.match(await page.textContent('#account-0-pass-error'), /passphrase is wrong/);
  assert.deepEqual(await axeViolations(page), []);
  await switchLanguage(page);

  await page.fill('#account-0-pass', passphrase);
  await page.click('#account-0-unlock');
  await visible(page, '#view-inbox', 60000);

  // A report after Paul joined: he reads it and replies.
  const text = marker('Bericht fuer Paul');
  const receipt = await submitReport({ text });
  await page.click('#inbox-refresh');
  await page.waitForFunction(() => document.querySelectorAll('#inbox-rows tr').length >= 2);
  await page.click('#filter-open');
  await page.waitForFunction(() => document.getElementById('inbox-caption').textContent.startsWith('Offene'));
  const ids = await page.$$eval('#inbox-rows button[data-case]', (bs) => bs.map((b) => b.dataset.case));
  const newId = ids.find((id) => id !== state.caseId);
  await page.click(`button[data-case="${newId}"]`);
  await visible(page, '#case-body');
  assert.ok((await page.textContent('#report-doc')).includes(text));
  assert.equal(await page.isVisible('#no-attachments'), true);
  const reply = marker('Antwort von Paul');
  await page.fill('#reply-text', reply);
  await page.click('#reply-send');
  await page.waitForSelector('#thread li.office');
  state.paulCase = { id: newId, receipt, reply };
  await page.click('#lock');
  const left = await leftovers(page);
  assertNoSecretsIn(left.text, 'the page after locking');
  await page.context().close();
});

test('passphrase backup file: log in on a new browser with it', { skip }, async () => {
  const { page } = await newPage({ lang: 'en' });
  await openDesk(page, '?office=demo&lang=en');
  await page.setInputFiles('#key-file', state.paul.backupPath);
  await page.click('#file-login-submit');
  await visible(page, '#key-file-pass-field');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'key-file-pass');
  await page.fill('#key-file-pass', 'not the passphrase at all');
  await page.click('#file-login-submit');
  await page.waitForFunction(() => document.getElementById('key-file-pass-error').textContent.length > 0, null, { timeout: 60000 });
  assert.match(await page.textContent('#key-file-pass-error'), /passphrase is wrong/);
  await page.fill('#key-file-pass', state.paul.passphrase);
  await page.click('#file-login-submit');
  await visible(page, '#view-inbox', 60000);
  assert.match(await page.textContent('#who'), /Paul Beispiel/);
  const accounts = await page.evaluate(() => JSON.parse(localStorage.getItem('meldestelle.desk.accounts')));
  assert.equal(accounts.length, 1, 'remembered (encrypted) on this device');
  assert.equal(accounts[0].kind, 'passphrase');
  await page.context().close();
});

test('identity file from meldestelle keygen: log in, read, note; idle lock', { skip }, async () => {
  const officer = keyFileOfficer('Kim Keyfile');
  state.kim = officer;
  const text = marker('Bericht fuer Kim');
  await submitReport({ text });
  const { page } = await newPage();
  await openDesk(page, '?office=demo&idle=4');
  // A file that is no key is refused in words.
  await page.setInputFiles('#key-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.click('#file-login-submit');
  await page.waitForSelector('#key-file[aria-invalid="true"]');
  assert.match(await page.textContent('#key-file-error'), /kein Schlüssel/);
  await page.setInputFiles('#key-file', officer.file);
  await page.click('#file-login-submit');
  await visible(page, '#view-inbox');
  await page.waitForSelector('#inbox-rows tr');
  const accounts = await page.evaluate(() => localStorage.getItem('meldestelle.desk.accounts'));
  assert.ok(!accounts || !accounts.includes('AGE-SECRET-KEY'), 'a plain identity file is never stored');
  // Open the new case by keyboard.
  const ids = await page.$$eval('#inbox-rows button[data-case]', (bs) => bs.map((b) => b.dataset.case));
  const newId = ids.find((id) => id !== state.caseId && id !== state.paulCase?.id);
  await page.focus(`button[data-case="${newId}"]`);
  await page.keyboard.press('Enter');
  await visible(page, '#case-body');
  assert.ok((await page.textContent('#report-doc')).includes(text));
  // Idle: the desk locks itself after ?idle=4 seconds without input.
  await page.waitForSelector('#view-unlock:not([hidden])', { timeout: 15000 });
  assert.match(await page.textContent('#global-status'), /ohne Eingabe gesperrt/);
  const left = await leftovers(page);
  assertNoSecretsIn(left.text, 'the page after the idle lock');
  await snap(page, 'idle-locked');
  await page.context().close();
});

test('rewrap: the demo officer re-encrypts old cases; then newer officers can read them', { skip }, async () => {
  const { page } = await newPage();
  await openDesk(page, '?office=demo');
  await page.setInputFiles('#key-file', DEMO_IDENTITY_FILE);
  await page.click('#file-login-submit');
  await visible(page, '#view-inbox');
  await page.waitForSelector('#inbox-rows tr');
  // Unlocking is enough: the browser shares the old cases with the team in the background,
  // with progress, and leaves nothing for "Fälle freigeben".
  await page.waitForFunction(() => /Für das ganze Team freigegeben: \d+/.test(document.getElementById('rewrap-background').textContent), null, { timeout: 60000 });
  const n = Number(/freigegeben: (\d+)/.exec(await page.textContent('#rewrap-background'))[1]);
  assert.ok(n >= 2, `at least two cases shared (Erika's and Paul's), not ${n}`);
  await page.waitForFunction(() => document.getElementById('keys-notice').hidden);
  await page.click('#nav-rewrap');
  await visible(page, '#view-rewrap');
  await page.waitForFunction(() => !document.getElementById('rewrap-none').hidden);
  await checkView(page, 'rewrap');
  await snap(page, 'rewrap-done');
  await page.click('#lock');
  await page.context().close();

  // Kim (added last) now reads the first case, its attachment, reply, note and answer.
  const { page: p2 } = await newPage();
  await openDesk(p2, '?office=demo');
  await p2.setInputFiles('#key-file', state.kim.file);
  await p2.click('#file-login-submit');
  await visible(p2, '#view-inbox');
  await p2.waitForSelector(`button[data-case="${state.caseId}"]`);
  await p2.click(`button[data-case="${state.caseId}"]`);
  await visible(p2, '#case-body');
  assert.ok((await p2.textContent('#report-doc')).includes(state.story.text));
  assert.doesNotMatch(await p2.innerText('#view-case'), /noch nicht lesbar/);
  assert.equal(await p2.locator('#thread li').count(), 3);
  await p2.click('#lock');
  await p2.context().close();

  // The reporter can still read the re-encrypted reply.
  const context = await browser.newContext();
  const fu = await context.newPage();
  await fu.goto(`${base}/follow-up?office=demo`);
  await fu.waitForSelector('body[data-ready="true"]');
  await fu.fill('#receipt-input', state.story.receipt);
  await fu.click('#open');
  await fu.waitForSelector('#messages li.office .body');
  assert.ok((await fu.textContent('#messages li.office .body')).length > 10);
  await context.close();
});

test('status: a colleague was quicker; close the case, keep it longer; filters and sorting', { skip }, async () => {
  const id = state.paulCase.id;
  const login = async (file) => {
    const { page } = await newPage();
    await openDesk(page, '?office=demo');
    await page.setInputFiles('#key-file', file);
    await page.click('#file-login-submit');
    await visible(page, '#view-inbox');
    await page.waitForSelector(`button[data-case="${id}"]`);
    await page.click(`button[data-case="${id}"]`);
    await visible(page, '#case-body');
    return page;
  };
  const a = await login(DEMO_IDENTITY_FILE);
  const b = await login(state.kim.file);
  await a.click('button[data-to="acknowledged"]');
  await a.waitForFunction(() => /Eingang bestätigt/.test(document.getElementById('status-status').textContent));
  // Kim still sees "received" and tries the same step: refused, explained, reloaded.
  await b.click('button[data-to="acknowledged"]');
  await b.waitForFunction(() => document.getElementById('status-error').textContent.length > 0);
  assert.match(await b.textContent('#status-error'), /Kollegin oder ein Kollege/);
  assert.match(await b.textContent('#case-facts'), /Eingang bestätigt am/);
  assert.deepEqual(await b.$$eval('#status-actions button', (bs) => bs.map((x) => x.dataset.to)), ['in_progress', 'feedback_given']);
  await snap(b, 'case-colleague-changed');
  await b.click('#lock');
  await b.context().close();

  await a.click('button[data-to="feedback_given"]');
  await a.waitForSelector('button[data-to="closed"]');
  await a.click('button[data-to="closed"]');
  await visible(a, '#retention');
  assert.equal(await a.isVisible('#reply-form'), false);
  assert.equal(await a.isVisible('#reply-closed'), true);
  assert.match(await a.textContent('#case-facts'), /Wird gelöscht nach dem/);
  assert.match(await a.textContent('#status-status'), /Abgeschlossen/);
  // Keep it longer: a date after the current one and a reason are needed.
  await a.click('#retention-send');
  assert.equal(await a.getAttribute('#retention-date', 'aria-invalid'), 'true');
  assert.match(await a.textContent('#retention-reason-error'), /Grund/);
  const min = await a.getAttribute('#retention-date', 'min');
  const later = `${Number(min.slice(0, 4)) + 1}${min.slice(4)}`;
  await a.fill('#retention-date', later);
  await a.fill('#retention-reason', 'Laufendes Verfahren');
  await a.click('#retention-send');
  await a.waitForFunction(() => document.getElementById('retention-status').textContent.length > 0);
  assert.match(await a.textContent('#retention-status'), /aufbewahrt/);
  await checkView(a, 'case-closed');

  // The inbox: closed cases under "closed", not under "open"; sorting by deadline.
  await a.click('#case-back');
  await visible(a, '#view-inbox');
  await a.check('#filter-closed');
  await a.waitForFunction(() => document.getElementById('inbox-caption').textContent.startsWith('Abgeschlossene'));
  assert.deepEqual(await a.$$eval('#inbox-rows button[data-case]', (bs) => bs.map((x) => x.dataset.case)), [id]);
  assert.match(await a.textContent('#inbox-rows'), /Löschung nach dem/);
  await a.check('#filter-open');
  await a.waitForFunction(() => document.getElementById('inbox-caption').textContent.startsWith('Offene'));
  assert.ok(!(await a.$$eval('#inbox-rows button[data-case]', (bs) => bs.map((x) => x.dataset.case))).includes(id));
  await a.check('#filter-all');
  await a.waitForFunction(() => document.getElementById('inbox-caption').textContent.startsWith('Alle'));
  assert.equal(await a.getAttribute('#th-deadline', 'aria-sort'), 'ascending');
  const first = await a.$$eval('#inbox-rows button[data-case]', (bs) => bs.map((x) => x.dataset.case));
  await a.focus('#sort-deadline');
  await a.keyboard.press('Enter');
  assert.equal(await a.getAttribute('#th-deadline', 'aria-sort'), 'descending');
  const second = await a.$$eval('#inbox-rows button[data-case]', (bs) => bs.map((x) => x.dataset.case));
  assert.equal(second[0], first[first.length - 1]);
  await snap(a, 'inbox-sorted');
  await a.click('#lock');
  await a.context().close();
});

test('refusal: a revoked officer is told the key is no longer registered; typed text stays', { skip }, async () => {
  const officer = keyFileOfficer('Rita Revoked');
  // A report from after Rita joined, which she can read (and so write a note on).
  const text = marker('Bericht fuer Rita');
  await submitReport({ text });
  const { page } = await newPage();
  await openDesk(page, '?office=demo');
  await page.setInputFiles('#key-file', officer.file);
  await page.click('#file-login-submit');
  await visible(page, '#view-inbox');
  const hers = `#inbox-rows button[data-case]:has-text("${text}")`;
  await page.waitForSelector(hers, { timeout: 60000 });
  await page.click(hers);
  await visible(page, '#case-body');
  const typed = marker('Notiz von Rita');
  await page.fill('#note-text', typed);
  cli(['office', 'remove-officer', '--office', 'demo', '--officer', officer.recipient]);
  await page.click('#note-send');
  await page.waitForFunction(() => document.getElementById('note-error').textContent.length > 0);
  assert.match(await page.textContent('#note-error'), /nicht \(oder nicht mehr\) registriert/);
  assert.equal(await page.inputValue('#note-text'), typed, 'the typed note is still there');
  await snap(page, 'revoked-while-typing');
  await page.click('#lock');
  // Logging in again is refused in plain words.
  await page.setInputFiles('#key-file', officer.file);
  await page.click('#file-login-submit');
  await page.waitForFunction(() => document.getElementById('file-login-error').textContent.length > 0);
  assert.match(await page.textContent('#file-login-error'), /nicht \(oder nicht mehr\) registriert/);
  await snap(page, 'revoked-login');
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});

test('expired session: the desk logs in again by itself and the typed reply is sent', { skip }, async () => {
  const srv = await startServer({ extraArgs: ['--session-secs', '2'] });
  const url = srv.url.replace('127.0.0.1', 'localhost');
  try {
    const officer = keyFileOfficer('Sam Short', srv);
    const text = marker('Bericht kurze Sitzung');
    await submitReport({ text, srv, url });
    const { page } = await newPage();
    await page.goto(`${url}/desk?office=demo`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.setInputFiles('#key-file', officer.file);
    await page.click('#file-login-submit');
    await visible(page, '#view-inbox');
    await page.click('#inbox-rows button[data-case]');
    await visible(page, '#case-body');
    const reply = marker('Antwort nach Ablauf');
    await page.fill('#reply-text', reply);
    await page.waitForTimeout(3000);
    await page.click('#reply-send');
    await page.waitForSelector('#thread li.office', { timeout: 20000 });
    assert.ok((await page.textContent('#thread li.office')).includes(reply));
    assert.match(await page.textContent('#global-status'), /automatisch neu angemeldet/);
    await snap(page, 'session-renewed');
    // The server goes away: the page says so next to the note, and the note stays.
    await srv.stop();
    const note = marker('Notiz ohne Server');
    await page.fill('#note-text', note);
    await page.click('#note-send');
    await page.waitForFunction(() => document.getElementById('note-error').textContent.length > 0);
    assert.match(await page.textContent('#note-error'), /Server ist nicht erreichbar/);
    assert.equal(await page.inputValue('#note-text'), note);
    await snap(page, 'server-unreachable');
    await page.click('#lock');
    assertNoSecretsOnServer(srv);
    await page.context().close();
  } finally {
    await srv.stop();
  }
});

/** A free loopback port (asked of the system, then released). */
async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `meldestelle desk ui`: the desk served from this machine against a remote API. */
async function startDeskUi(api) {
  const proc = spawn(serverBinary(), ['desk', '--server', api, 'ui', '--bind', '127.0.0.1:0', '--web-dir', DIST], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`desk ui did not start:\n${out}`)), 30000);
    const look = (c) => {
      out += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout.on('data', look);
    proc.stderr.on('data', look);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`desk ui exited with ${code}:\n${out}`)); });
  });
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const done = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  };
  return { url, stop };
}

test('desk ui: the page served from the officer’s machine calls the remote API', { skip }, async () => {
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const ui = await startDeskUi(api);
  let srv;
  try {
    srv = await startServer({ bind: `127.0.0.1:${apiPort}`, extraArgs: ['--desk-origin', ui.url] });
    assert.equal(srv.url, api);
    const officer = keyFileOfficer('Uma Ui', srv);
    const text = marker('Bericht ueber desk ui');
    await submitReport({ text, url: srv.url });
    const { page } = await newPage();
    const calls = [];
    page.on('request', (r) => calls.push(r.url()));
    await page.goto(`${ui.url}/desk?office=demo`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.setInputFiles('#key-file', officer.file);
    await page.click('#file-login-submit');
    await visible(page, '#view-inbox');
    await page.click('#inbox-rows button[data-case]');
    await visible(page, '#case-body');
    assert.ok((await page.textContent('#report-doc')).includes(text));
    const apiCalls = calls.filter((u) => u.includes('/v1/'));
    assert.ok(apiCalls.length >= 4);
    assert.ok(apiCalls.every((u) => u.startsWith(`${api}/v1/`)), `every API call goes to ${api}: ${apiCalls.join(' ')}`);
    assert.ok(calls.some((u) => u.startsWith(`${ui.url}/assets/desk.js`)), 'the code comes from the local copy');
    await snap(page, 'desk-ui');
    await page.click('#lock');
    await page.context().close();
  } finally {
    await srv?.stop();
    await ui.stop();
  }
});

test('the link in a notification mail opens the desk, where the officer unlocks and sees the new case', { skip }, async () => {
  const smtp = await startSmtp();
  const srv = await startServer({
    extraArgs: ['--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-tls', 'none',
      '--jobs-interval-secs', '1', '--mail-from', 'Meldestelle <meldestelle@example.org>'],
  });
  try {
    const url = srv.url.replace('127.0.0.1', 'localhost');
    // An officer with a notification address and a key file.
    const dir = mkdtempSync(path.join(tmpdir(), 'desk-mail-'));
    const file = path.join(dir, 'officer.key');
    assert.equal(spawnSync(serverBinary(), ['keygen', '-o', file], { encoding: 'utf8' }).status, 0);
    const recipient = /# public key: (age1[0-9a-z]+)/.exec(readFileSync(file, 'utf8'))[1];
    cli(['office', 'add-officer', '--office', 'demo', '--name', 'Mia Mail', '--recipient', recipient, '--email', 'mia@example.org'], srv);
    const text = marker('Bericht mit Benachrichtigung');
    await submitReport({ text, srv, url });
    const deadline = Date.now() + 30000;
    while (!smtp.mails.some((m) => m.rcpt.includes('mia@example.org')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const mail = smtp.mails.find((m) => m.rcpt.includes('mia@example.org'));
    assert.ok(mail, 'the notification arrived');
    assert.ok(!mail.data.includes(text), 'the mail says nothing of the report');
    // The server's own address is the default link (the server listens on 127.0.0.1).
    const link = /^(http:\/\/\S+\/desk)\s*$/m.exec(mail.data)?.[1];
    assert.equal(link, `${srv.url}/desk`, mail.data);
    const { page } = await newPage();
    await page.goto(link.replace('127.0.0.1', 'localhost'));
    await page.waitForSelector('body[data-ready="true"]');
    await visible(page, '#view-unlock');
    await page.setInputFiles('#key-file', file);
    await page.click('#file-login-submit');
    await visible(page, '#view-inbox');
    await page.waitForSelector('#inbox-rows tr');
    assert.equal(await page.locator('#inbox-rows tr').count(), 1);
    await snap(page, 'from-mail-link');
    await page.context().close();
  } finally {
    await srv.stop();
    await smtp.stop();
  }
});

test('unlock: with two offices the page offers them by name, chosen ahead by the address or the device; never a short name to type', { skip }, async () => {
  const srv = await startServer();
  try {
    cli(['office', 'add', '--slug', 'amt-nord', '--name', 'Beschwerdestelle Nord', '--municipality', 'Nordstadt', '--land', 'BE', '--size-class', 'over_100k'], srv);
    const dir = mkdtempSync(path.join(tmpdir(), 'desk-nord-'));
    const file = path.join(dir, 'nord.key');
    assert.equal(spawnSync(serverBinary(), ['keygen', '-o', file], { encoding: 'utf8' }).status, 0);
    const recipient = /# public key: (age1[0-9a-z]+)/.exec(readFileSync(file, 'utf8'))[1];
    cli(['office', 'add-officer', '--office', 'amt-nord', '--name', 'Nils Nord', '--recipient', recipient], srv);
    const { page } = await newPage();
    const names = async () => page.$$eval('#login-office option', (os) => os.map((o) => o.textContent));
    await page.goto(`${srv.url}/desk`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.isVisible('#login-office'), true);
    assert.ok((await names()).includes('Beschwerdestelle Nord (Nordstadt)'), (await names()).join(' | '));
    assert.equal(await page.locator('#view-unlock input[type="text"]').count(), 0);
    assert.ok(!(await page.textContent('#view-unlock')).includes('Kürzel'));
    await checkView(page, 'unlock-two-offices');
    // The address names the office: it is chosen, and the key file logs in there.
    await page.goto(`${srv.url}/desk?office=amt-nord`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.inputValue('#login-office'), 'amt-nord');
    await page.setInputFiles('#key-file', file);
    await page.click('#file-login-submit');
    await visible(page, '#view-inbox');
    assert.match(await page.textContent('#who'), /Beschwerdestelle Nord/);
    await page.click('#lock');
    // A device that remembers an account of an office chooses it when the address names none.
    await page.evaluate(() => localStorage.setItem('meldestelle.desk.accounts', JSON.stringify([
      { office: 'amt-nord', officer_id: 'x', display_name: 'Nils Nord', recipient: 'age1x', kind: 'passphrase', wrapped: 'x' },
    ])));
    await page.goto(`${srv.url}/desk`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.inputValue('#login-office'), 'amt-nord');
    await page.context().close();
  } finally {
    await srv.stop();
  }
});

test('without JavaScript the desk says why; the page has no inline code or foreign resources', { skip }, async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/desk`);
  assert.equal(await page.isVisible('#app'), false);
  assert.match(await page.textContent('body'), /JavaScript benötigt/);
  await context.close();
  const r = await fetch(`${server.url}/desk`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const html = await r.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
  assert.doesNotMatch(html, /\sstyle=/i, 'no inline style');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline handlers');
  assert.doesNotMatch(html, /https?:\/\//i, 'no third-party resources');
  assert.equal((await fetch(`${server.url}/assets/desk.js`)).status, 200);
});

test('statistics: after the quarter, the desk contributes one record per case, merged and shuffled', { skip }, async () => {
  // A quarter of its own: reports on 14 August, the contribution on 2 October.
  const summer = await startServer({ extraArgs: ['--today', '2026-08-14', '--pow-bits', '0'] });
  const summerUrl = summer.url.replace('127.0.0.1', 'localhost');
  const withAnswers = async (answers, text = marker('Bericht mit Angaben')) => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'de-DE' });
    const page = await context.newPage();
    problems.push(watchPage(page));
    await page.goto(`${summerUrl}/?office=demo`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#text', text);
    for (const [field, value] of Object.entries(answers)) await page.selectOption(`#stats-${field}`, value);
    await page.click('#submit');
    await page.waitForSelector('#done:not([hidden])', { timeout: 60000 });
    await context.close();
  };
  await withAnswers({ incident_type: 'threat', reporter_role: 'witness' });
  await withAnswers({ incident_type: 'verbal_degradation' });
  const unanswered = marker('Bericht ohne Angaben');
  await withAnswers({}, unanswered);
  // A report whose answers are not of the taxonomy, from another client (the reference CLI
  // refuses them): counted without them, never a reason to refuse the office's whole quarter.
  const office = await (await fetch(`${summer.url}/v1/offices/demo`)).json();
  const keys = await deriveAll(generateReceiptBytes());
  const e = new Encrypter();
  for (const r of [...office.recipients, keys.replyRecipient]) e.addRecipient(r);
  const doc = { v: 1, kind: 'report', text: marker('Bericht mit fremder Angabe'), stats: { taxonomy_version: 1, incident_type: 'made_up' } };
  const odd = await fetch(`${summer.url}/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      office: 'demo', keyset_version: office.keyset_version, reply_recipient: keys.replyRecipient, lookup_id: keys.lookupId,
      ciphertext: Buffer.from(await e.encrypt(padDocument(doc, 65536))).toString('base64'),
    }),
  });
  assert.equal(odd.status, 201, await odd.text());
  await summer.stop();
  const autumn = await startServer({ db: summer.dbPath, extraArgs: ['--today', '2026-10-02'] });
  try {
    const { page } = await newPage();
    await page.goto(`${autumn.url.replace('127.0.0.1', 'localhost')}/desk?office=demo`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.setInputFiles('#key-file', DEMO_IDENTITY_FILE);
    await page.click('#file-login-submit');
    await visible(page, '#view-inbox');
    // The officer classifies the report that came without answers, in the case view.
    await page.waitForSelector('#inbox-rows button[data-case]');
    const ids = await page.$$eval('#inbox-rows button[data-case]', (bs) => bs.map((b) => b.dataset.case));
    let found = false;
    for (const id of ids) {
      const reference = (await page.textContent(`#inbox-rows tr:has(button[data-case="${id}"]) .reference`)).trim();
      await page.click(`#inbox-rows button[data-case="${id}"]`);
      await visible(page, '#case-body');
      await page.waitForFunction((ref) => document.getElementById('case-heading').textContent.includes(ref)
        && !document.getElementById('case-status-line').textContent, reference);
      if ((await page.textContent('#report-doc')).includes(unanswered)) { found = true; break; }
      await page.click('#nav-inbox');
      await visible(page, '#view-inbox');
    }
    assert.ok(found, 'the report without answers is in the inbox');
    assert.match(await page.textContent('#classify-source'), /Noch nicht eingeordnet.*keine Angaben/);
    // Nothing chosen: refused in words, nothing sent.
    await page.click('#classify-send');
    assert.match(await page.textContent('#classify-error'), /mindestens eine Angabe/);
    await page.selectOption('#classify-incident_type', 'property_damage');
    await page.check('#classify-consequences-psychological_strain');
    await page.click('#classify-send');
    await page.waitForFunction(() => /gespeichert/.test(document.getElementById('classify-status').textContent), null, { timeout: 60000 });
    assert.match(await page.textContent('#classify-source'), /Eingeordnet am/);
    assert.equal(await page.inputValue('#classify-incident_type'), 'property_damage');
    assert.match(await page.textContent('#thread'), /Einordnung: .*Sachbeschädigung/);
    await checkView(page, 'case-classified');
    await page.click('#nav-stats');
    await visible(page, '#view-stats');
    await page.waitForSelector('#stats-rows tr');
    // The quarter running now is named, with its cases so far and when it can be sent.
    assert.match(await page.textContent('#stats-current'), /^Laufendes Quartal 2026-Q4: bisher 0 Fälle\. Beitragen können Sie es ab dem 1\. Januar 2027\.$/);
    const first = page.locator('#stats-rows tr').first();
    assert.match(await first.textContent(), /2026-Q3\s*4\s*fällig/);
    await checkView(page, 'stats-due');
    await page.click('#stats-rows button[data-quarter="2026-Q3"]');
    await page.waitForFunction(() => /gesendet/.test(document.getElementById('stats-status').textContent), null, { timeout: 60000 });
    assert.match(await page.textContent('#stats-status'), /4 Einträge für 2026-Q3 gesendet/);
    assert.match(await page.locator('#stats-rows tr').first().textContent(), /gesendet \(4 Einträge\)/);
    await checkView(page, 'stats-sent');
    // A quarter without cases is confirmed in one click, so that a missing office says nothing.
    const q2 = page.locator('#stats-rows tr', { hasText: '2026-Q2' });
    assert.match(await q2.textContent(), /keine Fälle, zu bestätigen/);
    await checkView(page, 'stats-confirm');
    await page.click('#stats-rows button[data-quarter="2026-Q2"]');
    await page.waitForFunction(() => /bestätigt: keine Fälle/.test(document.getElementById('stats-status').textContent), null, { timeout: 60000 });
    assert.match(await page.locator('#stats-rows tr', { hasText: '2026-Q2' }).textContent(), /keine Fälle, bestätigt/);
    assert.equal(await page.locator('#stats-rows button[data-quarter="2026-Q2"]').count(), 0);
    // One record per case with the reporter's answers, sealed to the server's statistics key
    // beside the database (not in it): opened here with the reference age tool.
    const conn = new Database(summer.dbPath, { readonly: true });
    const batches = conn.prepare('SELECT quarter, records, sealed FROM stats_batches ORDER BY quarter').all();
    conn.close();
    assert.deepEqual(batches.map((b) => [b.quarter, b.records]), [['2026-Q2', 0], ['2026-Q3', 4]]);
    const key = path.join(path.dirname(summer.dbPath), 'meldestelle-stats.key');
    const opened = spawnSync('age', ['-d', '-i', key], { input: batches[1].sealed, encoding: 'utf8' });
    assert.equal(opened.status, 0, opened.stderr);
    const sealed = JSON.parse(opened.stdout);
    assert.deepEqual([sealed.office, sealed.quarter], ['demo', '2026-Q3']);
    const rows = sealed.records.map((r) => [r.incident_type ?? null, r.reporter_role ?? null])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    assert.deepEqual(rows,
      [[null, null], ['property_damage', null], ['threat', 'witness'], ['verbal_degradation', null]]);
    await page.context().close();
  } finally {
    await autumn.stop();
  }
});

test('nothing decrypted on the server’s disk or in its output; no CSP violations or script errors', { skip }, () => {
  assertNoSecretsOnServer();
  assert.deepEqual(problems.flat(), []);
});
