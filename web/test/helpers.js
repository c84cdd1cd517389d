// Shared test helpers: paths, and starting the real server binary.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(WEB, '..');
export const DIST = path.join(WEB, 'dist');
export const ARTIFACTS = path.join(REPO, 'test-artifacts');

export function serverBinary() {
  if (process.env.MELDESTELLE_BIN) return path.resolve(WEB, process.env.MELDESTELLE_BIN);
  const target = process.env.CARGO_TARGET_DIR ?? path.join(REPO, 'target');
  return path.resolve(WEB, target, 'debug', 'meldestelle');
}

/**
 * Starts the real server on a free loopback port with a fresh SQLite database.
 * Everything it prints is kept (to check that no plaintext ever reaches a log).
 */
export async function startServer({ bin = serverBinary(), webDir = DIST, extraArgs = [], bind = '127.0.0.1:0', db } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'meldestelle-web-'));
  // `db`: another server's database, to go on with it on another day (`--today`).
  const dbPath = db ?? path.join(dir, 't.db');
  // Proof of work stays on, a little easier than the default 18 bits to keep the suite short,
  // unless a test sets it.
  const pow = extraArgs.includes('--pow-bits') ? [] : ['--pow-bits', '14'];
  const proc = spawn(bin, ['serve', '--bind', bind, '--database-url', `sqlite://${dbPath}`, '--web-dir', webDir, ...pow, ...extraArgs], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' },
  });
  const chunks = [];
  proc.stdout.on('data', (c) => chunks.push(c));
  proc.stderr.on('data', (c) => chunks.push(c));
  const output = () => Buffer.concat(chunks);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output()}`)), 30000);
    const look = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output().toString());
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stderr.on('data', look);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output()}`)); });
  });
  const stop = async () => {
    if (proc.exitCode !== null) return;
    const done = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  };
  return { url, dir, dbPath, proc, output, stop };
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Headless Debian Chromium (never a downloaded browser). playwright-core starts it with a fresh
 * temporary user-data-dir and removes it on close; every `browser.newPage()` is a fresh context.
 */
export async function launchBrowser({ args = [] } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
  });
}

/** Collects Content-Security-Policy violations and page errors; a test asserts there are none. */
export function watchPage(page) {
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}

let axeSource;
/** Runs axe-core in the page (via evaluate, so the page's CSP stays on) at WCAG 2.1 A/AA. */
export async function axeViolations(page) {
  if (!axeSource) {
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  }
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
}

/** Switches the page to its other language and waits until it has. */
export async function switchLanguage(page) {
  const before = await page.getAttribute('html', 'lang');
  await page.click('#lang-switch');
  await page.waitForFunction((l) => document.documentElement.lang !== l, before);
}

/**
 * axe-core (WCAG 2.1 A/AA) on the current view at phone and desktop size, in both languages,
 * with a screenshot each (`snap(page, step)`, the test file's own numbering); no horizontal
 * scrolling of the page on the phone.
 */
export async function checkView(page, step, snap) {
  const start = await page.getAttribute('html', 'lang');
  const original = page.viewportSize();
  for (const [w, h] of [[390, 844], [1280, 900]]) {
    await page.setViewportSize({ width: w, height: h });
    for (let i = 0; i < 2; i++) {
      const lang = await page.getAttribute('html', 'lang');
      const v = await axeViolations(page);
      assert.deepEqual(v, [], `axe violations on ${step} (${lang}, ${w}px):\n${v.join('\n')}`);
      if (w === 390) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${step} (${lang}) scrolls sideways on a phone by ${overflow}px`);
      }
      await snap(page, `${step}-${w}`);
      await switchLanguage(page);
    }
  }
  assert.equal(await page.getAttribute('html', 'lang'), start);
  await page.setViewportSize(original);
}

export async function screenshot(page, name) {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Why a browser test cannot run here (a missing server binary, build or Chromium), or false.
 * Tests pass it as `skip`, so a missing tool shows as a skipped test with its reason.
 */
export function missingTools(page = 'index.html') {
  const missing = [
    !existsSync(serverBinary()) && `server binary ${serverBinary()}`,
    !existsSync(path.join(DIST, page)) && `built ${page} (npm run build)`,
    !existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium') && '/usr/bin/chromium',
  ].filter(Boolean);
  return missing.length ? `missing: ${missing.join(', ')}` : false;
}

/** A real 8×8 PNG; with `text`, a tEXt chunk carrying it (metadata the form removes). */
export function pngWith(text) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0); ihdr.writeUInt32BE(8, 4); ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(24, 0x4f)])));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    ...(text ? [chunk('tEXt', Buffer.from(`Comment\0${text}`))] : []),
    chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** What the page said in its alert and status regions: for the message of a failed wait. */
export async function pageSaid(page) {
  return page.$$eval('[role="alert"], [role="status"]', (ns) => ns.map((n) => n.textContent.trim()).filter(Boolean)).catch(() => []);
}

/** Waits until `selector` is shown; says what the page said otherwise. */
export async function visible(page, selector, timeout = 30000) {
  try {
    await page.waitForSelector(`${selector}:not([hidden])`, { timeout });
  } catch (e) {
    e.message += `\npage messages: ${JSON.stringify(await pageSaid(page))}`;
    throw e;
  }
}

/** Waits until `selector`'s text matches; says what it and the page said otherwise. */
export async function textMatches(page, selector, re, timeout = 30000) {
  try {
    await page.waitForFunction(([sel, src, flags]) => new RegExp(src, flags).test(document.querySelector(sel)?.textContent ?? ''),
      [selector, re.source, re.flags], { timeout });
  } catch (e) {
    e.message += `\n${selector}: ${JSON.stringify(await page.textContent(selector).catch(() => null))}\npage messages: ${JSON.stringify(await pageSaid(page))}`;
    throw e;
  }
}

/** Waits until the desk's inbox has loaded (a caption, and no "loading" left). */
export async function inboxLoaded(page) {
  await page.waitForFunction(() => document.getElementById('inbox-caption').textContent.length > 0
    && !document.getElementById('inbox-status').textContent);
}

/** A fresh identity file from `meldestelle keygen`, added as an officer of demo to the
 * database at `dbPath`: a new key set. */
export function keyFileOfficer(dbPath, name) {
  const dir = mkdtempSync(path.join(tmpdir(), 'officer-key-'));
  const file = path.join(dir, 'officer.key');
  const k = spawnSync(serverBinary(), ['keygen', '-o', file], { cwd: REPO, encoding: 'utf8' });
  assert.equal(k.status, 0, k.stderr);
  const recipient = /age1[0-9a-z]+/.exec(readFileSync(file, 'utf8'))?.[0];
  assert.match(recipient ?? '', /^age1[0-9a-z]+$/);
  const a = spawnSync(serverBinary(), ['office', 'add-officer', '--office', 'demo', '--name', name, '--recipient', recipient, '--database-url', `sqlite://${dbPath}`], { cwd: REPO, encoding: 'utf8' });
  assert.equal(a.status, 0, `add-officer ${name}: ${a.stderr}`);
  return { file, recipient, name };
}
