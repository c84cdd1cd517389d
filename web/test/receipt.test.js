// Receipt formatting, parsing and the derivation test vector (docs/PROTOCOL.md §1–2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bech32, hex } from '@scure/base';
import {
  formatReceipt, parseReceipt, generateReceiptBytes, deriveAll, lookupIdHex, replyIdentity, ReceiptError,
} from '../src/receipt.js';
import { serverBinary, REPO } from './helpers.js';

// R = 00 01 02 … 0f. Computed independently (Python hmac/hashlib HKDF, age-keygen -y for the
// recipient); the Rust implementation must give the same.
const VECTOR = {
  bytes: Uint8Array.from({ length: 16 }, (_, i) => i),
  receipt: '000G-40R4-0M30-E209-185G-R38E-1W05',
  lookupId: '6001e073bdcb7d1e7bb0b2c4d8db1bf2e4400fb8984817f2cb46361cfc95ab85',
  replySecretHex: '315645cd9e43691664f211690bcae25f81b600047684c989b36ff88d6f927ebf',
  replyIdentity: 'AGE-SECRET-KEY-1X9TYTNV7GD53VE8JZ95SHJHZT7QMVQQYW6ZVNZDNDLUG6MUJ06LSMYRSLR',
  replyRecipient: 'age18zjrffdkj6wa2rrumg68q0ajapfx6xsxcs6castpg9026qs6fevqxu3w6p',
};

test('the test vector formats, parses and derives as documented', async () => {
  assert.equal(formatReceipt(VECTOR.bytes), VECTOR.receipt);
  assert.deepEqual(parseReceipt(VECTOR.receipt), VECTOR.bytes);
  const d = await deriveAll(VECTOR.bytes);
  assert.equal(d.lookupId, VECTOR.lookupId);
  assert.equal(d.replyIdentity, VECTOR.replyIdentity);
  assert.equal(d.replyRecipient, VECTOR.replyRecipient);
  const { prefix, words } = bech32.decode(VECTOR.replyIdentity.toLowerCase(), false);
  assert.equal(prefix, 'age-secret-key-');
  assert.equal(hex.encode(bech32.fromWords(words)), VECTOR.replySecretHex);
});

test('the Rust side\'s vector (tests/vectors/receipt.txt) derives the same in JS', async (t) => {
  const file = path.join(REPO, 'tests/vectors/receipt.txt');
  if (!existsSync(file)) return t.skip('no tests/vectors/receipt.txt');
  const [receipt, lookupId, recipient] = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const d = await deriveAll(parseReceipt(receipt));
  assert.equal(d.lookupId, lookupId);
  assert.equal(d.replyRecipient, recipient);
});

test('a receipt has 7 groups of 4 and round-trips', () => {
  for (let i = 0; i < 200; i++) {
    const r = generateReceiptBytes();
    const shown = formatReceipt(r);
    assert.match(shown, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/);
    assert.deepEqual(parseReceipt(shown), r);
  }
});

test('parsing tolerates case, spaces, missing dashes and O/I/L', () => {
  const shown = VECTOR.receipt;
  const sloppy = ` ${shown.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l')} \n`;
  assert.deepEqual(parseReceipt(sloppy), VECTOR.bytes);
  assert.deepEqual(parseReceipt(shown.replace(/-/g, '')), VECTOR.bytes);
  assert.deepEqual(parseReceipt(shown.replace(/1/g, 'I')), VECTOR.bytes);
});

test('wrong receipts are refused with a reason, before any network use', () => {
  const bad = (s, reason) => assert.throws(() => parseReceipt(s), (e) => e instanceof ReceiptError && e.reason === reason, s);
  bad('', 'length');
  bad(VECTOR.receipt.slice(0, -1), 'length');
  bad(VECTOR.receipt + 'A', 'length');
  bad(VECTOR.receipt.replace('G', 'U'), 'characters'); // U is not in the alphabet
  bad(VECTOR.receipt.replace(/^000G/, '000!'), 'characters');
  // The 26th character carries 2 spare bits that must be zero: 5 → 0b00101 has them set.
  const spare = VECTOR.receipt.replace(/-/g, '');
  bad(spare.slice(0, 25) + '5' + spare.slice(26), 'characters');
  // Every single-character typo in the code is caught by the code or the check.
  const plain = VECTOR.receipt.replace(/-/g, '');
  let caught = 0;
  let total = 0;
  for (let i = 0; i < 28; i++) {
    const c = plain[i] === 'A' ? 'B' : 'A';
    total++;
    try { parseReceipt(plain.slice(0, i) + c + plain.slice(i + 1)); } catch (e) { if (e instanceof ReceiptError) caught++; }
  }
  assert.ok(caught >= total - 1, `caught ${caught} of ${total} typos`); // 10 check bits: rare misses are possible
});

test('lookup id and reply identity differ and are well-formed', () => {
  const r = generateReceiptBytes();
  assert.match(lookupIdHex(r), /^[0-9a-f]{64}$/);
  assert.match(replyIdentity(r), /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
});

test('the JS derivation agrees with `meldestelle report derive`', async (t) => {
  const bin = serverBinary();
  if (!existsSync(bin)) return t.skip(`no server binary at ${bin}`);
  const receipts = [VECTOR.receipt, formatReceipt(generateReceiptBytes()), formatReceipt(generateReceiptBytes())];
  for (const receipt of receipts) {
    const out = spawnSync(bin, ['report', 'derive'], { input: receipt + '\n', encoding: 'utf8' });
    if (out.status !== 0 && /unrecognized subcommand|unexpected argument|invalid value|Usage:/.test(out.stderr)) {
      return t.skip('this server binary has no `report derive` yet');
    }
    assert.equal(out.status, 0, out.stderr);
    const rust = JSON.parse(out.stdout);
    const js = await deriveAll(parseReceipt(receipt));
    assert.equal(rust.lookup_id, js.lookupId);
    assert.equal(rust.reply_recipient, js.replyRecipient);
  }
});
