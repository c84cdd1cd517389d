// The officer's age identity in the browser: made at enrollment, wrapped to a passkey (WebAuthn
// PRF, the age-plugin-fido2prf format) and/or a passphrase (age scrypt), unwrapped at unlock.
// All cryptography is age-encryption's; this module only chooses and explains. What may be
// stored on this device is listed in `saveAccount`: never an identity in clear.

import { Encrypter, Decrypter, generateIdentity, identityToRecipient, armor, webauthn } from 'age-encryption';
import { base64 } from '@scure/base';
import { DeskError } from './api.js';

const IDENTITY = /^AGE-SECRET-KEY-(PQ-)?1[02-9AC-HJ-NP-Z]+$/;
const AGE_MAGIC = 'age-encryption.org/v1\n';
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

/** A fresh X25519 identity and its recipient. */
export async function newIdentity() {
  const identity = await generateIdentity();
  return { identity, recipient: await identityToRecipient(identity) };
}

export function recipientOf(identity) {
  return identityToRecipient(identity);
}

/** WebAuthn failures in words: cancelled, no PRF, or no passkeys here at all. */
function passkeyError(e) {
  if (e instanceof DeskError) return e;
  const name = e?.name ?? '';
  if (name === 'NotAllowedError' || name === 'AbortError') return new DeskError('d.err.passkeyCancelled');
  if (/PRF/i.test(String(e?.message ?? ''))) return new DeskError('d.err.prf');
  if (['SecurityError', 'NotSupportedError', 'InvalidStateError', 'TypeError'].includes(name)) {
    return new DeskError('d.err.passkeyUnavailable');
  }
  return new DeskError('d.err.passkeyCancelled');
}

export function passkeysAvailable() {
  return Boolean(globalThis.PublicKeyCredential && navigator.credentials?.create);
}

/**
 * Creates a passkey and encrypts the identity to it. Returns the credential string
 * (AGE-PLUGIN-FIDO2PRF-1…) and the wrapped identity as base64 binary age.
 */
export async function wrapWithPasskey(identity, keyName) {
  if (!passkeysAvailable()) throw new DeskError('d.err.passkeyUnavailable');
  try {
    const credential = await webauthn.createCredential({ keyName });
    const e = new Encrypter();
    e.addRecipient(new webauthn.WebAuthnRecipient({ identity: credential }));
    const wrapped = base64.encode(await e.encrypt(identity));
    return { credential, wrapped };
  } catch (e) {
    throw passkeyError(e);
  }
}

/** The identity wrapped with a passphrase (age scrypt), as an armored age file. */
export async function wrapWithPassphrase(identity, passphrase) {
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  return armor.encode(await e.encrypt(identity));
}

function checkIdentity(text) {
  const id = String(text).trim();
  if (!IDENTITY.test(id)) throw new DeskError('d.err.keyFileInvalid');
  return id;
}

/** Opens a passkey-wrapped identity (base64 binary age) with the credential it names. */
export async function unwrapPasskey(credential, wrappedB64) {
  try {
    const d = new Decrypter();
    d.addIdentity(new webauthn.WebAuthnIdentity({ identity: credential }));
    return checkIdentity(await d.decrypt(base64.decode(wrappedB64), 'text'));
  } catch (e) {
    if (e instanceof DeskError) throw e;
    if (e instanceof DOMException || /PRF/i.test(String(e?.message ?? ''))) throw passkeyError(e);
    throw new DeskError('d.err.passkeyNotFound', {});
  }
}

/**
 * Asks the authenticator which of the office's passkeys it holds (one prompt, no PRF), and
 * returns that entry. The credential ids come out of the credential strings through
 * age-encryption's own decoding.
 */
export async function choosePasskey(passkeys) {
  if (!passkeysAvailable()) throw new DeskError('d.err.passkeyUnavailable');
  const known = [];
  for (const p of passkeys) {
    try {
      const w = new webauthn.WebAuthnIdentity({ identity: p.credential });
      known.push({ entry: p, id: new Uint8Array(w.credId), transports: w.transports, rpId: w.rpId });
    } catch { /* not a credential string this library reads */ }
  }
  if (!known.length) return null;
  let assertion;
  try {
    assertion = await navigator.credentials.get({
      publicKey: {
        challenge: crypto.getRandomValues(new Uint8Array(32)),
        allowCredentials: known.map((k) => ({ type: 'public-key', id: k.id, transports: k.transports })),
        userVerification: 'preferred',
        rpId: known[0].rpId,
      },
    });
  } catch (e) {
    throw passkeyError(e);
  }
  const raw = new Uint8Array(assertion.rawId);
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  return known.find((k) => same(k.id, raw))?.entry ?? null;
}

/** Opens a passphrase-wrapped identity (armored or binary age). Wrong passphrase: DeskError. */
export async function unwrapPassphrase(file, passphrase) {
  const bytes = typeof file === 'string' ? armor.decode(file) : file;
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  let text;
  try {
    text = await d.decrypt(bytes, 'text');
  } catch {
    throw new DeskError('d.err.wrongPassphrase');
  }
  return checkIdentity(text);
}

/**
 * What a chosen key file is: an identity file (`AGE-SECRET-KEY-1…` lines, `#` comments), a
 * passphrase-protected age file (armored or binary), or something this page cannot use.
 */
export async function readKeyFile(file) {
  const buf = new Uint8Array(await file.arrayBuffer());
  if (buf.length > 64 * 1024) throw new DeskError('d.err.keyFileInvalid');
  const head = new TextDecoder().decode(buf.subarray(0, AGE_MAGIC.length));
  let ageBytes = null;
  if (head === AGE_MAGIC) ageBytes = buf;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (!ageBytes && text.trimStart().startsWith(ARMOR_BEGIN)) {
    try { ageBytes = armor.decode(text); } catch { throw new DeskError('d.err.keyFileInvalid'); }
  }
  if (ageBytes) {
    const header = new TextDecoder().decode(ageBytes.subarray(0, Math.min(ageBytes.length, 2048)));
    if (!/\n-> scrypt /.test(header)) throw new DeskError('d.err.keyFileEncrypted');
    return { kind: 'passphrase', bytes: ageBytes, armored: armor.encode(ageBytes) };
  }
  for (const line of text.split(/\r?\n/)) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    if (IDENTITY.test(l.toUpperCase())) return { kind: 'identity', identity: l.toUpperCase() };
  }
  throw new DeskError('d.err.keyFileInvalid');
}

// ---- accounts remembered on this device (nothing secret, nothing decrypted) -----------------

const STORE = 'meldestelle.desk.accounts';

export function loadAccounts() {
  try {
    const list = JSON.parse(localStorage.getItem(STORE) ?? '[]');
    return Array.isArray(list) ? list.filter((a) => a && a.office && a.recipient && a.kind) : [];
  } catch {
    return [];
  }
}

const sameAccount = (a, b) => a.office === b.office && a.recipient === b.recipient && a.kind === b.kind;

/**
 * Remembers an account: office, officer id and name, recipient, kind, and either the passkey's
 * credential string or the passphrase-wrapped identity (an armored age file).
 */
export function saveAccount(a) {
  const entry = {
    office: a.office,
    officer_id: a.officer_id ?? null,
    display_name: a.display_name ?? '',
    recipient: a.recipient,
    kind: a.kind,
  };
  if (a.kind === 'passkey') entry.credential = a.credential;
  if (a.kind === 'passphrase') entry.wrapped = a.wrapped;
  try {
    const list = loadAccounts().filter((b) => !sameAccount(b, entry));
    list.push(entry);
    localStorage.setItem(STORE, JSON.stringify(list));
  } catch { /* storage off: the officer logs in each time */ }
}

export function forgetAccount(a) {
  try {
    localStorage.setItem(STORE, JSON.stringify(loadAccounts().filter((b) => !sameAccount(b, a))));
  } catch { /* nothing stored */ }
}
