// The browser desk with many cases, in one headless Chromium page against the release server,
// next to the raw `age-encryption` loop over the same ciphertexts in the same browser:
//   - unlock → first rows with titles, and → every title (1,000 and 10,000 cases);
//   - search over 10,000 decrypted cases: the time of one keystroke (input event → inbox drawn);
//   - re-encryption ("Fälle freigeben", in the background) of 1,000 cases.
// Results go to BENCHMARKS.md by hand, with the machine they ran on.
//
//   cargo build --release && (cd web && npm run build)
//   node bench/desk.mjs [1000 10000]
//
// Needs what the Chromium tests need (scripts/setup test). Not a test: it asserts nothing.

import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.join(here, '../web');
const { REPO, DIST, startServer, launchBrowser } = await import(path.join(web, 'test/helpers.js'));
const { Encrypter } = await import(path.join(web, 'node_modules/age-encryption/dist/index.js'));
const { padDocument } = await import(path.join(web, 'src/padding.js'));
const { generateReceiptBytes, deriveAll } = await import(path.join(web, 'src/receipt.js'));
const { build } = await import(path.join(web, 'node_modules/esbuild/lib/main.js'));

const BIN = path.join(REPO, 'target/release/meldestelle');
const DEMO_IDENTITY_FILE = path.join(REPO, 'keys/demo-office.identity.DEMO-ONLY.txt');
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [1000, 10000];

// The raw loop, built into the served assets for the run only (the page's CSP allows 'self').
const RAW = path.join(DIST, 'assets/bench-raw.js');
writeFileSync(path.join(here, '.bench-raw-entry.js'), `
import { Decrypter, Encrypter } from 'age-encryption';
import { base64 } from '@scure/base';
export async function decryptAll(identity, b64s) {
  const d = new Decrypter();
  d.addIdentity(identity);
  const t0 = performance.now();
  for (const b of b64s) (await d.decrypt(base64.decode(b), 'uint8array')).fill(0);
  return performance.now() - t0;
}
export async function rewrapAll(identity, recipients, b64s) {
  const d = new Decrypter();
  d.addIdentity(identity);
  const t0 = performance.now();
  for (const b of b64s) {
    const plain = await d.decrypt(base64.decode(b), 'uint8array');
    const e = new Encrypter();
    for (const r of recipients) e.addRecipient(r);
    await e.encrypt(plain);
  }
  return performance.now() - t0;
}
`);
await build({
  entryPoints: [path.join(here, '.bench-raw-entry.js')],
  outfile: RAW, bundle: true, format: 'esm', platform: 'browser', minify: true, logLevel: 'error',
  nodePaths: [path.join(web, 'node_modules')],
});
rmSync(path.join(here, '.bench-raw-entry.js'));

const identity = (await import('node:fs')).readFileSync(DEMO_IDENTITY_FILE, 'utf8')
  .split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));

async function seed(server, n) {
  const office = await (await fetch(`${server.url}/v1/offices/demo`)).json();
  const words = ['Bürgeramt', 'Ausländerbehörde', 'Jobcenter', 'Standesamt', 'Ordnungsamt', 'Kita', 'Bauamt'];
  const one = async (i) => {
    const keys = await deriveAll(generateReceiptBytes());
    const e = new Encrypter();
    for (const r of [...office.recipients, keys.replyRecipient]) e.addRecipient(r);
    const text = `Vorfall ${i} im ${words[i % words.length]}\nEine Kollegin wurde am Schalter wegen ihres Namens herabgesetzt; Einzelheiten ${i * 7919}.`;
    const ct = await e.encrypt(padDocument({ v: 1, kind: 'report', text, stats: { taxonomy_version: 1, incident_type: 'verbal_degradation' } }, 65536));
    const r = await fetch(`${server.url}/v1/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ office: 'demo', keyset_version: office.keyset_version, ciphertext: Buffer.from(ct).toString('base64'), reply_recipient: keys.replyRecipient, lookup_id: keys.lookupId }),
    });
    if (r.status !== 201) throw new Error(`${r.status} ${await r.text()}`);
  };
  for (let i = 0; i < n; i += 32) await Promise.all(Array.from({ length: Math.min(32, n - i) }, (_, j) => one(i + j)));
  return office;
}

async function unlocked(browser, server) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
  const page = await context.newPage();
  await page.goto(`${server.url}/desk?office=demo`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.setInputFiles('#key-file', DEMO_IDENTITY_FILE);
  const t0 = Date.now();
  await page.click('#file-login-submit');
  await page.waitForFunction(() => [...document.querySelectorAll('#inbox-rows button[data-case]')].some((b) => !b.classList.contains('muted-title')), null, { timeout: 600000, polling: 20 });
  const first = Date.now() - t0;
  await page.waitForFunction(() => /Alle \d+ Fälle/.test(document.getElementById('index-status').textContent), null, { timeout: 600000, polling: 20 });
  const all = Date.now() - t0;
  return { page, first, all };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
const browser = await launchBrowser();
for (const n of SIZES) {
  const server = await startServer({ bin: BIN, extraArgs: ['--pow-bits', '0', '--submissions-per-sec', '100000', '--office-submissions-per-sec', '100000', '--lookups-per-sec', '100000'] });
  try {
    process.stderr.write(`seeding ${n} reports …\n`);
    const office = await seed(server, n);
    const { page, first, all } = await unlocked(browser, server);
    // The raw loop over the same report ciphertexts, in the same page, after the desk is done.
    // The ciphertexts, fetched with the desk's own session (its token is in no storage: ask
    // the server for a session of our own).
    const ciphertexts = await (async () => {
      const { execFileSync } = await import('node:child_process');
      const out = execFileSync(BIN, ['desk', '--server', server.url, '--office', 'demo', '--identity', DEMO_IDENTITY_FILE, 'login'], { encoding: 'utf8' });
      const token = /MELDESTELLE_TOKEN=(\S+)/.exec(out)?.[1] ?? out.trim().split(/\s+/).pop();
      const list = [];
      for (let offset = 0; ; offset += 500) {
        const r = await (await fetch(`${server.url}/v1/desk/contents?offset=${offset}&limit=500`, { headers: { Authorization: `Bearer ${token}` } })).json();
        list.push(...r.cases.map((c) => c.report));
        if (!r.cases.length || list.length >= r.total) break;
      }
      return list;
    })();
    const rawMs = await page.evaluate(async ({ id, b64s }) => (await import('/assets/bench-raw.js')).decryptAll(id, b64s), { id: identity, b64s: ciphertexts });
    const row = { cases: n, firstRowsMs: first, allTitlesMs: all, rawDecryptMs: Math.round(rawMs) };
    // One keystroke of a search: the input event, through filtering, to the inbox drawn.
    if (n >= 10000) {
      const times = await page.evaluate(async () => {
        const input = document.getElementById('case-search');
        const out = [];
        for (const q of ['A', 'Au', 'Aus', 'Ausl', 'Ausländer', 'Ausländerbehörde 7', 'Vorfall 9', 'Vorfall 99', 'Vorfall 999', 'Vorfall 9999']) {
          const t0 = performance.now();
          input.value = q;
          input.dispatchEvent(new Event('input'));
          out.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 50));
        }
        return out;
      });
      row.searchKeystrokeMedianMs = Math.round(median(times));
      row.searchKeystrokeMaxMs = Math.round(Math.max(...times));
    }
    await page.context().close();
    // Re-encryption of 1,000 cases: a new officer joins, the demo officer unlocks, and the
    // desk shares every case in the background; beside it the raw decrypt-and-encrypt loop.
    if (n === 1000) {
      const r = spawnSync(BIN, ['keygen'], { encoding: 'utf8' });
      const recipient = /age1[0-9a-z]+/.exec(r.stdout)[0];
      spawnSync(BIN, ['office', 'add-officer', '--office', 'demo', '--name', 'Neu', '--recipient', recipient, '--database-url', `sqlite://${server.dbPath}`]);
      const recipients = [...office.recipients, recipient];
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
      const p = await context.newPage();
      await p.goto(`${server.url}/desk?office=demo`);
      await p.waitForSelector('body[data-ready="true"]');
      await p.setInputFiles('#key-file', DEMO_IDENTITY_FILE);
      await p.click('#file-login-submit');
      await p.waitForFunction(() => /Alle \d+ Fälle/.test(document.getElementById('index-status').textContent), null, { timeout: 600000, polling: 20 });
      const t0 = Date.now();
      await p.waitForFunction(() => /Für das ganze Team freigegeben: \d+ \(/.test(document.getElementById('rewrap-background').textContent), null, { timeout: 1800000, polling: 50 });
      row.rewrapMs = Date.now() - t0;
      row.rawRewrapMs = Math.round(await p.evaluate(async ({ id, rs, b64s }) => (await import('/assets/bench-raw.js')).rewrapAll(id, rs, b64s), { id: identity, rs: recipients, b64s: ciphertexts }));
      await context.close();
    }
    results.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  } finally {
    await server.stop();
  }
}
await browser.close();
rmSync(RAW, { force: true });
console.log(JSON.stringify(results, null, 2));
