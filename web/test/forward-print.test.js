// Forwarding with a passphrase and the printed case file (issue #26), in headless Chromium
// against the real server binary and a real SQLite file:
// - a case forwarded "with a passphrase" opens with the reference age tool (/usr/bin/age) and
//   the passphrase shown once, holds the report and the replies and no internal note; the
//   server's log records the forwarding with the passphrase marker and never the passphrase;
// - "Print / save as PDF" prints the case file (Chromium's page.pdf(), text by pdftotext): the
//   report, the thread in order with who wrote each office message, internal notes only when
//   asked and marked as internal, never another case; nothing of the desk itself on paper.
// axe-core on the new states at two sizes in both languages, with screenshots.
//
// Needs: a built web/dist (npm run build), the server binary, /usr/bin/chromium, /usr/bin/age
// and script (util-linux) for age's passphrase prompt, and pdftotext (poppler-utils).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  REPO, ARTIFACTS, serverBinary, startServer, launchBrowser, watchPage, axeViolations, screenshot, missingTools,
  switchLanguage, checkView as checkViewAt,
  visible, textMatches, inboxLoaded, keyFileOfficer as newOfficer,
} from './helpers.js';

const tools = ['/usr/bin/age', '/usr/bin/script', '/usr/bin/pdftotext'].filter((f) => !existsSync(f));
const skip = missingTools('desk.html') || (tools.length ? `missing: ${tools.join(', ')}` : false);

let server;
let browser;
let base;
const problems = [];
const secrets = []; // every plaintext marker and passphrase: none may reach the server
const contexts = [];
const state = {};
let shot = 0;

before(async () => {
  if (skip) return;
  if (existsSync(ARTIFACTS)) for (const f of readdirSync(ARTIFACTS)) if (/^casefile-.*\.(png|pdf)$/.test(f)) rmSync(path.join(ARTIFACTS, f));
  server = await startServer();
  base = server.url.replace('127.0.0.1', 'localhost');
  browser = await launchBrowser({ args: ['--host-resolver-rules=MAP localhost 127.0.0.1'] });
  state.anna = keyFileOfficer('Anna Amsel');
  state.bea = keyFileOfficer('Bea Beispiel');
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

/** A plaintext marker; no hyphen, so that a wrapped line never breaks inside it. */
const marker = (label) => {
  const m = `${label}_${randomBytes(6).toString('hex')}`;
  secrets.push(m);
  return m;
};

function run(args, input) {
  const r = spawnSync(serverBinary(), args, { cwd: REPO, encoding: 'utf8', input });
  assert.equal(r.status, 0, `meldestelle ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const db = () => ['--database-url', `sqlite://${server.dbPath}`];

const keyFileOfficer = (name) => newOfficer(server.dbPath, name);

/** A report through the CLI (the reporter's side is not what is tested here): its case id. */
function cliReport(text, stats) {
  const out = JSON.parse(run(['report', '--server', server.url, '--office', 'demo', '--json', ...(stats ? ['--stats', JSON.stringify(stats)] : [])], text));
  const conn = new Database(server.dbPath, { readonly: true });
  const { id } = conn.prepare('SELECT id FROM reports ORDER BY rowid DESC LIMIT 1').get();
  conn.close();
  secrets.push(out.receipt);
  return { id, reference: out.reference, receipt: out.receipt };
}

/** The reporter's message, sent with the receipt as the follow-up page would. */
function cliFollowUp(receipt, text) {
  run(['report', 'follow-up', '--server', server.url, '--send-stdin'], `${receipt}\n${text}`);
}

/** A reply or an internal note written by an officer through the CLI (the author is kept). */
function cliMessage(officer, kind, id, text) {
  run(['desk', '--server', server.url, '--office', 'demo', '--identity', officer.file, kind, id], text);
}

function auditSubjects(action) {
  const conn = new Database(server.dbPath, { readonly: true });
  const rows = conn.prepare('SELECT subject FROM audit_log WHERE action = ? ORDER BY seq').all(action).map((r) => r.subject);
  conn.close();
  return rows;
}

async function newPage({ lang = 'de', width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: lang === 'de' ? 'de-DE' : 'en-GB', acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  problems.push(watchPage(page));
  return page;
}

async function login(officer, { lang = 'de' } = {}) {
  const page = await newPage({ lang });
  await page.goto(`${base}/desk?office=demo${lang === 'en' ? '&lang=en' : ''}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.setInputFiles('#key-file', officer.file);
  await page.click('#file-login-submit');
  await visible(page, '#view-inbox');
  await inboxLoaded(page);
  return page;
}

async function openCase(page, id) {
  if (!(await page.isVisible('#view-inbox'))) {
    await page.click('#nav-inbox');
    await visible(page, '#view-inbox');
  }
  await page.click('#inbox-refresh');
  await inboxLoaded(page);
  // The heading names the case's reference, which its inbox row shows.
  const reference = (await page.textContent(`#inbox-rows tr:has(button[data-case="${id}"]) .reference`)).trim();
  await page.click(`#inbox-rows button[data-case="${id}"]`);
  await visible(page, '#case-body');
  await page.waitForFunction((ref) => document.getElementById('case-heading').textContent.includes(ref)
    && !document.getElementById('case-status-line').textContent, reference);
}

async function snap(page, step) {
  shot += 1;
  const lang = await page.getAttribute('html', 'lang');
  await screenshot(page, `casefile-${String(shot).padStart(2, '0')}-${step}-${lang}`);
}

const checkView = (page, step) => checkViewAt(page, step, snap);

/** One part of the page on its own (the full-page screenshots are long), to look at closely. */
async function snapPart(page, selector, step) {
  shot += 1;
  const lang = await page.getAttribute('html', 'lang');
  const width = page.viewportSize().width;
  await page.locator(selector).screenshot({ path: path.join(ARTIFACTS, `casefile-${String(shot).padStart(2, '0')}-${step}-${width}-${lang}.png`) });
}

/** Everything the page holds: storage, the DOM's text (hidden parts too) and field values. */
async function pageHolds(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const s of [localStorage, sessionStorage]) {
      for (let i = 0; i < s.length; i++) out.push(s.key(i), s.getItem(s.key(i)));
    }
    out.push(JSON.stringify(indexedDB.databases ? await indexedDB.databases() : []));
    out.push(document.documentElement.textContent);
    for (const e of document.querySelectorAll('input, textarea')) out.push(e.value);
    return out.join('\n');
  });
}

/** age -d with the passphrase typed at age's prompt (age reads it from a terminal only). */
function ageDecrypt(file, passphrase) {
  const dir = mkdtempSync(path.join(tmpdir(), 'casefile-age-'));
  const out = path.join(dir, 'fall.json');
  // script(1) gives age a pseudo-terminal; what is written to script's standard input is typed
  // into it. -e: script exits with age's status.
  const r = spawnSync('script', ['-qec', `age -d -o '${out}' '${file}'`, '/dev/null'], {
    input: `${passphrase}\n`, encoding: 'utf8', timeout: 60000,
  });
  const text = existsSync(out) ? readFileSync(out, 'utf8') : null;
  rmSync(dir, { recursive: true, force: true });
  return { status: r.status, said: r.stdout, text };
}

test('forwarding with a passphrase: the reference age tool opens the file with it; no internal note; shown once; the server never has it', { skip }, async () => {
  const text = marker('Bericht zur Weiterleitung');
  const reply = marker('Antwort vor der Weiterleitung');
  const note = marker('Interne Notiz nicht weiterleiten');
  const c = cliReport(text);
  cliMessage(state.anna, 'reply', c.id, reply);
  cliMessage(state.anna, 'note', c.id, note);

  const page = await login(state.anna);
  await openCase(page, c.id);
  assert.ok((await page.textContent('#thread')).includes(note), 'the officer reads the note');

  // The choice: the authority's key (as before), or a passphrase. With a passphrase nothing
  // asks for a key.
  assert.equal(await page.isChecked('#forward-how-key'), true);
  assert.ok(await page.isVisible('#forward-recipient'));
  await page.check('#forward-how-passphrase');
  assert.equal(await page.isVisible('#forward-recipient'), false);
  await snap(page, 'forward-choice');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#forward-send')]);
  await visible(page, '#forward-passphrase-box', 60000);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'forward-passphrase-heading');
  const name = dl.suggestedFilename();
  assert.equal(name, `case-${c.id.replace(/-/g, '').slice(0, 8)}-forwarded.age`);
  const passphrase = (await page.textContent('#forward-passphrase')).trim();
  assert.match(passphrase, /^[2-9A-HJKMNP-TW-Z]{4}(-[2-9A-HJKMNP-TW-Z]{4}){5}$/, 'six groups of four readable characters');
  secrets.push(passphrase);
  assert.match(await page.textContent('#forward-status'), new RegExp(`Die Datei ${name.replace(/\./g, '\\.')} wurde heruntergeladen`));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'casefile-fwd-')), name);
  await dl.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 21).toString(), 'age-encryption.org/v1');
  assert.match(readFileSync(file).subarray(0, 200).toString('latin1'), /\n-> scrypt /, 'a passphrase file, nothing else');

  // The authority: the reference age tool, the passphrase typed at its prompt.
  const wrong = ageDecrypt(file, 'ABCD-EFGH-JKMN-PQRS-TWXY-Z234');
  assert.notEqual(wrong.status, 0, 'a wrong passphrase opens nothing');
  assert.match(wrong.said, /incorrect passphrase/);
  const opened = ageDecrypt(file, passphrase);
  assert.equal(opened.status, 0, opened.said);
  const bundle = JSON.parse(opened.text);
  assert.equal(bundle.kind, 'forwarded-case');
  assert.ok(bundle.report.text.includes(text), 'the report’s text');
  assert.ok(bundle.messages.some((m) => m.from === 'office' && m.text.includes(reply)), 'the reply');
  assert.ok(!opened.text.includes(note), 'an internal note was forwarded');
  rmSync(path.dirname(file), { recursive: true, force: true });

  // The server's log: a forwarding of this case by passphrase (and nothing of the passphrase).
  assert.deepEqual(auditSubjects('forward').filter((s) => s.startsWith(c.id)), [`${c.id} by passphrase`]);

  // Plain words: the passphrase, how to pass it on; the command only in the technical details.
  const plain = await page.evaluate(() => {
    const box = document.getElementById('forward-passphrase-box').cloneNode(true);
    box.querySelector('details').remove();
    return box.textContent;
  });
  assert.match(plain, /Telefon/);
  assert.match(plain, /nie in derselben E-Mail/);
  assert.ok(plain.includes(name));
  assert.doesNotMatch(plain, /verschlüssel|entschlüssel|scrypt|Fingerabdruck|SHA256|Schlüssel|age -d|JSON/i);
  assert.equal(await page.isVisible('#forward-pass-command'), false, 'the command is folded away');
  await page.click('#forward-pass-details summary');
  assert.equal(await page.textContent('#forward-pass-command'), `age -d -o fall.json ${name}`);
  assert.match(await page.textContent('#forward-pass-log'), /„mit Passphrase“/);
  await checkView(page, 'forward-passphrase');
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await snapPart(page, 'section:has(> #forward-heading)', 'forward-section');
  }
  await switchLanguage(page);
  assert.equal(await page.textContent('#forward-pass-command'), `age -d -o case.json ${name}`);
  assert.match(await page.textContent('#forward-passphrase-box'), /never in the same e-mail/);
  await switchLanguage(page);
  await page.click('#forward-pass-details summary');

  // "Noted": the passphrase leaves the screen and the page, and is not shown again.
  await page.click('#forward-passphrase-done');
  assert.equal(await page.isVisible('#forward-passphrase-box'), false);
  assert.match(await page.textContent('#forward-status'), /vom Bildschirm entfernt/);
  assert.ok(!(await pageHolds(page)).includes(passphrase), 'the passphrase is still in the page');

  // A second forwarding makes a new passphrase; leaving the case takes it off the page too.
  await Promise.all([page.waitForEvent('download'), page.click('#forward-send')]);
  await visible(page, '#forward-passphrase-box', 60000);
  const second = (await page.textContent('#forward-passphrase')).trim();
  secrets.push(second);
  assert.notEqual(second, passphrase);
  await page.click('#case-back');
  await visible(page, '#view-inbox');
  assert.ok(!(await pageHolds(page)).includes(second), 'the passphrase outlived the case');
  await openCase(page, c.id);
  assert.equal(await page.isVisible('#forward-passphrase-box'), false);
  assert.equal(await page.isChecked('#forward-how-key'), true, 'the next forwarding starts from the key again');
  assert.equal(auditSubjects('forward').filter((s) => s.startsWith(c.id)).length, 2);

  // With the authority's key, as before (the choice changes nothing there).
  const kdir = mkdtempSync(path.join(tmpdir(), 'casefile-authority-'));
  const kfile = path.join(kdir, 'authority.key');
  run(['keygen', '-o', kfile]);
  const authority = /age1[0-9a-z]+/.exec(readFileSync(kfile, 'utf8'))[0];
  await page.fill('#forward-recipient', authority);
  const [kdl] = await Promise.all([page.waitForEvent('download'), page.click('#forward-send')]);
  const viaKey = spawnSync('age', ['-d', '-i', kfile, await kdl.path()], { encoding: 'utf8' });
  assert.equal(viaKey.status, 0, viaKey.stderr);
  assert.ok(viaKey.stdout.includes(text) && !viaKey.stdout.includes(note));
  assert.equal(await page.isVisible('#forward-passphrase-box'), false, 'no passphrase with a key');
  rmSync(kdir, { recursive: true, force: true });

  await page.click('#lock');
  await visible(page, '#view-unlock');
  assert.ok(!(await pageHolds(page)).includes(text));
  state.forwarded = c;
});

/** The PDF Chromium prints of the page as it is now, as text (pdftotext, reading order). */
async function pdfText(page, label) {
  const pdf = await page.pdf({ format: 'A4' });
  const file = path.join(ARTIFACTS, `casefile-${label}.pdf`);
  writeFileSync(file, pdf);
  const r = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // Lines as printed, and the text with every run of white space (a wrapped line) one space.
  return { lines: r.stdout.split('\n').map((l) => l.trim()), flat: r.stdout.replace(/\s+/g, ' ') };
}

/** The button, with the print dialog replaced: it counts, and starts printing as it would. */
async function pressPrint(page) {
  await page.evaluate(() => {
    window.printed = 0;
    window.print = () => { window.printed += 1; window.dispatchEvent(new Event('beforeprint')); };
  });
  await page.click('#print-case');
  assert.equal(await page.evaluate(() => window.printed), 1);
}

function assertInOrder(text, parts, what) {
  let at = -1;
  for (const p of parts) {
    const i = text.indexOf(p);
    assert.ok(i > at, `${what}: "${p}" ${i < 0 ? 'is missing' : 'is out of order'}\n${text}`);
    at = i;
  }
}

test('the case file for the paper record: report, thread in order with authors, internal notes only when asked, never another case', { skip }, async () => {
  const text = marker('Bericht fuer die Akte');
  const reply1 = marker('Erste Antwort');
  const note = marker('Interne Notiz der Akte');
  const reply2 = marker('Zweite Antwort');
  const c = cliReport(text, { incident_type: 'threat' });
  const question = marker('Rueckfrage der meldenden Person');
  cliMessage(state.anna, 'reply', c.id, reply1);
  cliFollowUp(c.receipt, question);
  cliMessage(state.bea, 'note', c.id, note);
  cliMessage(state.bea, 'reply', c.id, reply2);
  const otherText = marker('Ein anderer Fall');
  const other = cliReport(otherText);

  const page = await login(state.anna);
  // From the inbox, paper carries no case at all.
  const { flat: fromInbox } = await pdfText(page, 'inbox');
  for (const s of [text, otherText]) assert.ok(!fromInbox.includes(s), 'a case is printed from the inbox');

  await openCase(page, c.id);
  assert.equal(await page.isChecked('#print-notes'), false, 'internal notes are left out unless asked');
  await checkView(page, 'case-print-panel');
  await snapPart(page, 'section:has(> #print-heading)', 'print-panel');

  // Without internal notes: the button, then Chromium's PDF of the printed page.
  await pressPrint(page);
  const { flat: plain, lines } = await pdfText(page, 'without-notes');
  assert.match(plain, /Beschwerdestelle „/);
  assert.ok(plain.includes(`Fallakte ${c.reference}`), `the reference ${c.reference}\n${plain}`);
  assert.match(plain, /Gedruckt am .*20\d\d.* von Anna Amsel/);
  assert.match(plain, /Ohne interne Notizen/);
  assert.match(plain, /Stand und Fristen/);
  assert.match(plain, /Eingangsbestätigung fällig bis/);
  assert.match(plain, /Bedrohung/, 'the reporter’s answers');
  assertInOrder(plain, ['Meldung', text, reply1, 'Meldende Person, ', question, reply2], 'the printed file');
  assert.match(plain, /Antwort an die meldende Person, von Anna Amsel, .*\d\d:\d\d/);
  assert.match(plain, /Antwort an die meldende Person, von Bea Beispiel, .*\d\d:\d\d/);
  assert.ok(!plain.includes(note), 'an internal note printed without being asked for');
  assert.ok(!plain.includes(otherText), 'another case printed');
  for (const s of ['Antwort verschlüsselt senden', 'Zurück zum Eingang', 'Sperren', 'Eingang', 'Drucken / als PDF', 'Mündliche Meldung']) {
    assert.ok(!lines.includes(s), `"${s}" of the desk is on paper`);
  }
  // Printing ended: the case file is gone from the page.
  assert.equal(await page.$eval('#print-file', (n) => n.childElementCount), 0, 'the case file outlived printing');

  // With internal notes, marked as internal; the thread stays in the order it was written.
  await page.check('#print-notes');
  await pressPrint(page);
  const { flat: withNotes } = await pdfText(page, 'with-notes');
  assertInOrder(withNotes, [text, reply1, question, note, reply2], 'the printed file with notes');
  assert.match(withNotes, /Mit internen Notizen: nur für die Beschwerdestelle/);
  assert.match(withNotes, /INTERN\s+Interne Notiz von Bea Beispiel, /);
  assert.match(withNotes, /Nachrichten und interne Notizen/);

  // The print layout as the officer's printer gets it (print media), looked at and checked.
  await pressPrint(page);
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.isVisible('#print-file'));
  assert.equal(await page.isVisible('#view-case'), false);
  assert.equal(await page.isVisible('.site-header'), false);
  assert.deepEqual(await axeViolations(page), []);
  await snap(page, 'print-layout');
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await page.emulateMedia({ media: 'screen' });
  await switchLanguage(page);
  await pressPrint(page);
  await page.emulateMedia({ media: 'print' });
  assert.match(await page.textContent('#print-file'), /Case file .*Printed on .* by Anna Amsel/s);
  assert.match(await page.textContent('#print-file'), /Reply to the reporter, by Bea Beispiel/);
  assert.deepEqual(await axeViolations(page), []);
  await snap(page, 'print-layout');
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await page.emulateMedia({ media: 'screen' });
  await switchLanguage(page);

  // Another case opened: its own file only, and "with internal notes" asked again.
  await openCase(page, other.id);
  assert.equal(await page.isChecked('#print-notes'), false);
  const { flat: second } = await pdfText(page, 'other-case');
  assert.ok(second.includes(otherText), 'the open case is printed');
  for (const s of [text, reply1, question, reply2, note]) assert.ok(!second.includes(s), `the case before was printed: ${s}`);

  // A case file built but not yet printed leaves with its case (and with the lock).
  await openCase(page, c.id);
  await pressPrint(page);
  assert.ok((await page.textContent('#print-file')).includes(text));
  await page.click('#case-back');
  await visible(page, '#view-inbox');
  assert.equal(await page.$eval('#print-file', (n) => n.childElementCount), 0, 'the case file outlived its case');
  await openCase(page, c.id);
  await pressPrint(page);
  await page.click('#lock');
  await visible(page, '#view-unlock');
  const held = await pageHolds(page);
  for (const s of [text, reply1, reply2, note]) assert.ok(!held.includes(s), `the page after locking holds ${s}`);
});

test('nothing decrypted and no passphrase on the server’s disk or in its output; no CSP violations or script errors', { skip }, () => {
  const parts = [];
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const f = `${server.dbPath}${suffix}`;
    if (existsSync(f)) parts.push(readFileSync(f));
  }
  const bytes = Buffer.concat(parts);
  const out = server.output().toString();
  for (const s of secrets) {
    assert.equal(bytes.indexOf(Buffer.from(s)), -1, `${s} is in the database`);
    assert.ok(!out.includes(s), `${s} is in the server's output`);
  }
  assert.deepEqual(problems.flat(), []);
});
