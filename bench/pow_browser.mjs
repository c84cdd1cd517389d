// How long the report form's proof of work takes in a browser: 50 solves at the server's
// default difficulty in Debian's Chromium (the page's own Web Worker, web/src/pow-worker.js),
// at full speed and with the CPU throttled 4× (DevTools' Emulation.setCPUThrottlingRate, as
// for a mid-range phone). Prints median and 95th percentile.
//
//   (cd web && npm ci && npm run build) && cargo build --release
//   node bench/pow_browser.mjs [SOLVES] [BITS]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repo, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const { startServer, CHROMIUM_ARGS } = await import(path.join(repo, 'web/test/helpers.js'));

const solves = Number(process.argv[2] ?? 50);
const bits = process.argv[3] ?? '18';
const bin = process.env.MELDESTELLE_BIN ?? path.join(repo, 'target/release/meldestelle');
const server = await startServer({ bin, extraArgs: ['--pow-bits', bits, '--pow-load-step', '1000000'] });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
try {
  for (const rate of [1, 4]) {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?office=demo`);
    await page.waitForSelector('body[data-ready="true"]');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    const times = [];
    for (let i = 0; i < solves; i++) {
      // The page's own solver module, loaded as the form loads it.
      const ms = await page.evaluate(async () => {
        const { challenge, difficulty, puzzles } = await (await fetch('/v1/pow')).json();
        const t0 = performance.now();
        await new Promise((resolve, reject) => {
          const w = new Worker('/assets/pow-worker.js', { type: 'module' });
          w.onmessage = ({ data }) => { if (data.nonces !== undefined) { w.terminate(); resolve(); } };
          w.onerror = reject;
          w.postMessage({ challenge, difficulty, puzzles });
        });
        return performance.now() - t0;
      });
      times.push(ms / 1000);
    }
    const f = (s) => s.toFixed(2);
    console.log(`Chromium, CPU ${rate}x, ${bits} bits, ${solves} solves: median ${f(pct(times, 50))} s, p95 ${f(pct(times, 95))} s, max ${f(Math.max(...times))} s`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
