// A new officer and the cases from before they joined, in headless Chromium against the real
// server: before a colleague has shared them, the case says it is not readable yet and offers
// nothing that needs its content, and opening it records no "seen by"; once a colleague with
// older access unlocks the desk, their browser re-encrypts them in the background, and at the
// new officer's next unlock the case reads in full.
//
// Needs: a built web/dist (npm run build), the server binary and /usr/bin/chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Encrypter } from 'age-encryption';
import {
  REPO, serverBinary, startServer, launchBrowser, watchPage, axeViolations, screenshot, missingTools, switchLanguage,
} from './helpers.js';
import { padDocument } from '../src/padding.js';
import { generateReceiptBytes, deriveAll } from '../src/receipt.js';

const skip = missingTools('desk.html');
const DEMO_IDENTITY_FILE = path.join(REPO, 'keys/demo-office.identity.DEMO-ONLY.txt');

let server;
let browser;
const problems = [];

before(async () => {
  if (skip) return;
  server = await startServer({ extraArgs: ['--pow-bits', '0'] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function cli(args) {
  const r = spawnSync(serverBinary(), [...args, '--database-url', `sqlite://${server.dbPath}`], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, `meldestelle ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

function query(sql, ...args) {
  const db = new Database(server.dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args);
  } finally {
    db.close();
  }
}

async function report(text) {
  const office = await (await fetch(`${server.url}/v1/offices/demo`)).json();
  const keys = await deriveAll(generateReceiptBytes());
  const e = new Encrypter();
  for (const r of [...office.recipients, keys.replyRecipient]) e.addRecipient(r);
  const ciphertext = Buffer.from(await e.encrypt(padDocument({ v: 1, kind: 'report', text }, 65536))).toString('base64');
  const r = await fetch(`${server.url}/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ office: 'demo', keyset_version: office.keyset_version, ciphertext, reply_recipient: keys.replyRecipient, lookup_id: keys.lookupId }),
  });
  assert.equal(r.status, 201, await r.text());
}

async function unlock(file, { width = 1280, lang = 'de', prepare } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: lang === 'de' ? 'de-DE' : 'en-GB' });
  const page = await context.newPage();
  problems.push(watchPage(page));
  await prepare?.(page);
  await page.goto(`${server.url}/desk?office=demo${lang === 'en' ? '&lang=en' : ''}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.setInputFiles('#key-file', file);
  await page.click('#file-login-submit');
  await page.waitForSelector('#view-inbox:not([hidden])');
  await page.waitForFunction(() => /Alle|All/.test(document.getElementById('index-status').textContent), null, { timeout: 60000 });
  return page;
}

async function openOnlyCase(page) {
  await page.click('#inbox-rows button[data-case]');
  await page.waitForSelector('#case-body:not([hidden])');
}

test('a new officer: not readable yet and nothing offered; a colleague unlocks once; then it reads', { skip, timeout: 300000 }, async () => {
  const text = `Bericht vor dem neuen Zugang ${randomBytes(4).toString('hex')}`;
  await report(`${text}\nMehr dazu.`);
  // Nora joins: a new key set; the report was encrypted for the one before.
  const dir = mkdtempSync(path.join(tmpdir(), 'newofficer-'));
  const noraFile = path.join(dir, 'nora.key');
  const k = spawnSync(serverBinary(), ['keygen', '-o', noraFile], { cwd: REPO, encoding: 'utf8' });
  assert.equal(k.status, 0, k.stderr);
  const recipient = /age1[0-9a-z]+/.exec(readFileSync(noraFile, 'utf8'))[0];
  cli(['office', 'add-officer', '--office', 'demo', '--name', 'Nora Neu', '--recipient', recipient]);
  const nora = query('SELECT id FROM officers WHERE recipient = ?', recipient)[0].id;

  let page = await unlock(noraFile);
  // The rows are drawn as the inbox's answers arrive: wait for them rather than read at once.
  await page.waitForFunction(() => document.querySelector('#inbox-rows button[data-case]'), null, { timeout: 60000 });
  assert.match(await page.textContent('#inbox-rows'), /Für Ihren Zugang noch nicht lesbar/);
  await openOnlyCase(page);
  assert.equal(await page.isVisible('#case-unreadable'), true);
  assert.match(await page.textContent('#case-unreadable'), /noch nicht lesbar/);
  for (const heading of ['#status-heading', '#reply-heading', '#note-heading', '#casework-heading', '#classify-heading', '#forward-heading', '#print-heading']) {
    assert.equal(await page.isVisible(heading), false, `${heading} is offered on a case Nora cannot read`);
  }
  assert.equal(await page.isVisible('#reply-text'), false, 'no reply form');
  assert.equal(await page.isVisible('#report-seen'), false);
  assert.equal(query('SELECT * FROM case_reads WHERE officer_id = ?', nora).length, 0, 'no "seen by" for a case she could not read');
  await screenshot(page, 'newofficer-01-not-readable-de');
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of ['de', 'en']) {
      if (lang === 'en') await switchLanguage(page);
      const v = await axeViolations(page);
      assert.deepEqual(v, [], `${width} ${lang}: ${JSON.stringify(v, null, 1)}`);
      if (lang === 'en') {
        assert.match(await page.textContent('#case-unreadable'), /not readable with your new access yet/);
        await switchLanguage(page);
      }
    }
  }
  await page.context().close();

  // The demo officer unlocks once: their browser shares the case with the team by itself.
  // Just before the batch is sent, a colleague adds a note to the case: the server leaves the
  // case as it was and names it, and the desk reads it again and shares it with the note.
  const caseId = query('SELECT id FROM reports')[0].id;
  const note = `Notiz während des Freigebens ${randomBytes(4).toString('hex')}`;
  let interfered = false;
  const demo = await unlock(DEMO_IDENTITY_FILE, {
    prepare: (p) => p.route('**/v1/desk/rewrap', async (route) => {
      if (route.request().method() === 'POST' && !interfered) {
        interfered = true;
        const r = spawnSync(serverBinary(), ['desk', '--server', server.url, '--office', 'demo', '--identity', DEMO_IDENTITY_FILE, 'note', caseId],
          { cwd: REPO, encoding: 'utf8', input: note });
        assert.equal(r.status, 0, r.stderr);
      }
      await route.continue();
    }),
  });
  await demo.waitForFunction(() => /Für das ganze Team freigegeben: 1 /.test(document.getElementById('rewrap-background').textContent), null, { timeout: 60000 });
  assert.ok(interfered, 'the batch was sent');
  const version = query("SELECT keyset_version AS v FROM offices WHERE slug = 'demo'")[0].v;
  assert.deepEqual(query('SELECT keyset_version AS v FROM reports').map((r) => r.v), [version]);
  assert.deepEqual(query('SELECT keyset_version AS v FROM messages').map((r) => r.v), [version]);
  await screenshot(demo, 'newofficer-02-shared-de');
  await demo.context().close();

  // Nora's next unlock: the case reads in full, and she is now among those who have seen it.
  page = await unlock(noraFile);
  assert.match(await page.textContent('#inbox-rows'), new RegExp(text));
  await openOnlyCase(page);
  assert.equal(await page.isVisible('#case-unreadable'), false);
  assert.match(await page.textContent('#report-doc'), new RegExp(text));
  assert.match(await page.textContent('#case-body'), new RegExp(note));
  assert.equal(await page.isVisible('#reply-text'), true);
  assert.match(await page.textContent('#report-seen'), /Nora Neu \(Sie\)/);
  assert.equal(query('SELECT * FROM case_reads WHERE officer_id = ?', nora).length, 1);
  await page.context().close();

});

test('no Content-Security-Policy violations or script errors', { skip }, () => {
  assert.deepEqual(problems.flat(), []);
});
