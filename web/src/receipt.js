// The reporter's receipt and the keys derived from it (docs/PROTOCOL.md §1–2).
// An ES module that runs unchanged in the browser (bundled) and in Node (tests).

import { base32crockford, bech32, hex } from '@scure/base';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { identityToRecipient } from 'age-encryption';

const SALT = 'meldestelle-receipt-v1';
const CHECK_CONTEXT = 'meldestelle-receipt-check-v1';
const CODE_CHARS = 26;
const CHECK_CHARS = 2;

const utf8 = (s) => new TextEncoder().encode(s);

export class ReceiptError extends Error {
  /** @param {'length'|'characters'|'check'} reason */
  constructor(reason) {
    super(`not a valid receipt (${reason})`);
    this.name = 'ReceiptError';
    this.reason = reason;
  }
}

/** 16 fresh random bytes from the platform CSPRNG. */
export function generateReceiptBytes() {
  const r = new Uint8Array(16);
  globalThis.crypto.getRandomValues(r);
  return r;
}

function checkChars(r) {
  const msg = new Uint8Array(CHECK_CONTEXT.length + r.length);
  msg.set(utf8(CHECK_CONTEXT), 0);
  msg.set(r, CHECK_CONTEXT.length);
  return base32crockford.encode(sha256(msg).subarray(0, 2)).slice(0, CHECK_CHARS);
}

/** The receipt as shown: 28 characters in 7 groups of 4 joined by '-'. */
export function formatReceipt(r) {
  if (!(r instanceof Uint8Array) || r.length !== 16) throw new TypeError('a receipt is 16 bytes');
  const all = base32crockford.encode(r) + checkChars(r);
  return all.match(/.{4}/g).join('-');
}

/**
 * Parses what a person typed: ignores '-' and white space, any case, reads O as 0 and I/L as 1.
 * Throws ReceiptError before anything touches the network.
 */
export function parseReceipt(text) {
  const clean = String(text)
    .replace(/[\s-]/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (clean.length !== CODE_CHARS + CHECK_CHARS) throw new ReceiptError('length');
  if (!/^[0-9A-HJKMNP-TV-Z]+$/.test(clean)) throw new ReceiptError('characters');
  let r;
  try {
    r = base32crockford.decode(clean.slice(0, CODE_CHARS));
  } catch {
    // Non-zero spare bits: no receipt ever looks like this.
    throw new ReceiptError('characters');
  }
  if (r.length !== 16) throw new ReceiptError('characters');
  if (checkChars(r) !== clean.slice(CODE_CHARS)) throw new ReceiptError('check');
  return r;
}

function derive(r, info) {
  return hkdf(sha256, r, utf8(SALT), utf8(info), 32);
}

/** The 32-byte lookup id as 64 lower-case hex digits (the server stores only its hash). */
export function lookupIdHex(r) {
  return hex.encode(derive(r, 'lookup-id'));
}

/** The reply identity, in the format of age-keygen: AGE-SECRET-KEY-1… (upper case). */
export function replyIdentity(r) {
  const secret = derive(r, 'reply-identity');
  const s = bech32.encode('age-secret-key-', bech32.toWords(secret), false).toUpperCase();
  secret.fill(0);
  return s;
}

/** Everything the client needs from a receipt. */
export async function deriveAll(r) {
  const identity = replyIdentity(r);
  return {
    lookupId: lookupIdHex(r),
    replyIdentity: identity,
    replyRecipient: await identityToRecipient(identity),
  };
}
