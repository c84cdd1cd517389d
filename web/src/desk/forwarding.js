// Forwarding a case to a competent authority (HinSchG §18 no. 4): recorded, then encrypted and
// downloaded — to the authority's age recipient, or, for an authority without one (the police,
// most offices), with a passphrase made here that the officer passes on by another channel.

import { Encrypter } from 'age-encryption';
import { base64 } from '@scure/base';
import { $, setText } from '../common.js';
import { problemName } from './api.js';
import { S } from './state.js';
import { showError, fieldError, clearMessages, short } from './dom.js';
import { download, safeName, safeType } from './blobs.js';
import { authed } from './session.js';


/** Readable on paper and over the telephone: digits and capitals without 0/O, 1/I/L and U/V. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTWXYZ';
const GROUPS = 6;
const GROUP_LEN = 4;

/**
 * A passphrase of 24 characters from 29 symbols (about 117 bits), in groups of four joined by
 * hyphens, from crypto.getRandomValues; bytes above the largest multiple of the alphabet's size
 * are drawn again, so every symbol is equally likely.
 */
export function makePassphrase() {
  const n = ALPHABET.length;
  const limit = 256 - (256 % n);
  const out = [];
  const buf = new Uint8Array(64);
  while (out.length < GROUPS * GROUP_LEN) {
    crypto.getRandomValues(buf);
    for (const b of buf) {
      if (b < limit && out.length < GROUPS * GROUP_LEN) out.push(ALPHABET[b % n]);
    }
  }
  buf.fill(0);
  const groups = [];
  for (let i = 0; i < GROUPS; i++) groups.push(out.slice(i * GROUP_LEN, (i + 1) * GROUP_LEN).join(''));
  return groups.join('-');
}

/** The case as the authority gets it: never internal notes; the same shape as the CLI's. */
function forwardBundle(d, { messages, attachments }) {
  const doc = d.doc ?? {};
  return {
    v: 1,
    kind: 'forwarded-case',
    received_on: d.summary.received_on,
    report: { text: doc.text ?? null, when: doc.when ?? null, where: doc.where ?? null },
    messages: messages
      ? d.thread.filter((m) => m.direction !== 'note')
        .map((m) => ({ from: m.direction, date: m.created_on, text: m.text }))
      : [],
    attachments: attachments
      ? d.attachments.map((a) => ({
        name: safeName(a.meta?.name, `attachment-${a.n}`),
        type: typeof a.meta?.type === 'string' ? safeType(a.meta.type) : null,
        base64: base64.encode(a.bytes),
      }))
      : [],
  };
}

const how = () => ($('forward-how-passphrase').checked ? 'passphrase' : 'key');

/** The choice between the authority's key and a passphrase shows the fields it needs. */
export function onForwardHow() {
  const passphrase = how() === 'passphrase';
  $('forward-recipient-field').hidden = passphrase;
  clearMessages($('forward-form'));
}

/** The passphrase leaves the screen (and the page): handed over, or the case is gone. */
export function wipeForwardPassphrase() {
  const box = $('forward-passphrase-box');
  if (box.hidden && !$('forward-passphrase').textContent) return;
  $('forward-passphrase').replaceChildren();
  for (const id of ['forward-pass-step1', 'forward-pass-command', 'forward-pass-log']) setText($(id), '');
  $('forward-pass-details').open = false;
  box.hidden = true;
  delete box.dataset.case;
}

/** "Noted": the passphrase goes, and the focus back to the form. */
export function onForwardPassphraseDone() {
  wipeForwardPassphrase();
  setText($('forward-status'), 'd.forward.pass.removed');
  $('forward-send').focus();
}

/**
 * The passphrase lives only in the box on screen, for the case it was made for: when that case
 * leaves the screen (another case, the inbox, lock — each hides the case body or the view), it
 * goes too, and the form starts again from the authority's key, without the core having to
 * know about any of it.
 */
export function watchForwarding() {
  const check = () => {
    const gone = $('view-case').hidden || $('case-body').hidden;
    const box = $('forward-passphrase-box');
    if (gone || (!box.hidden && box.dataset.case !== S.caseId)) wipeForwardPassphrase();
    if (gone && !$('forward-how-key').checked) {
      $('forward-how-key').checked = true;
      $('forward-recipient-field').hidden = false;
    }
  };
  const mo = new MutationObserver(check);
  for (const id of ['view-case', 'case-body']) mo.observe($(id), { attributes: true, attributeFilter: ['hidden'] });
}

export async function forwardCase() {
  const withPassphrase = how() === 'passphrase';
  const input = $('forward-recipient');
  const err = $('forward-recipient-error');
  const status = $('forward-status');
  const button = $('forward-send');
  clearMessages($('forward-form'));
  // A passphrase made before is never shown again once another forwarding starts.
  wipeForwardPassphrase();
  // The server records the authority's recipient, or that a passphrase was used (never which).
  let recipient = null;
  const e = new Encrypter();
  if (!withPassphrase) {
    recipient = input.value.trim();
    if (!recipient) {
      fieldError(input, err, 'd.forward.required');
      input.focus();
      return;
    }
    try {
      e.addRecipient(recipient);
    } catch {
      fieldError(input, err, 'd.forward.bad');
      input.focus();
      return;
    }
  }
  const id = S.caseId;
  const gen = S.gen;
  const parts = { messages: $('forward-messages').checked, attachments: $('forward-attachments').checked };
  // Only a case read in full is forwarded, as the CLI does: nothing silently missing.
  const d0 = S.caseData;
  if (!d0) return;
  const failed = d0.docFailed
    || (parts.messages && d0.thread.some((m) => m.direction !== 'note' && m.failed))
    || (parts.attachments && d0.attachments.some((a) => a.failed));
  if (failed) {
    setText($('forward-error'), 'd.forward.incomplete');
    return;
  }
  button.disabled = true;
  let plain = null;
  let passphrase = null;
  try {
    // Recorded before the file exists: a forwarding is never unaudited.
    const r = await authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/forwards`, { body: withPassphrase ? { passphrase: true } : { recipient } });
    // The case as it is now: a reload meanwhile has wiped the copy read before.
    const d = S.caseData;
    if (gen !== S.gen || S.caseId !== id || !d) return;
    if (withPassphrase) {
      passphrase = makePassphrase();
      // age's scrypt recipient at the library's work factor (2^18): a second or two here.
      e.setPassphrase(passphrase);
      setText(status, 'd.forward.working');
    }
    plain = new TextEncoder().encode(JSON.stringify(forwardBundle(d, parts), null, 2));
    const sealed = await e.encrypt(plain);
    if (gen !== S.gen || S.caseId !== id) return;
    const name = `case-${short(id)}-forwarded.age`;
    download(new Blob([sealed], { type: 'application/octet-stream' }), name);
    if (!withPassphrase) {
      setText(status, 'd.forward.done', { name, fingerprint: r.fingerprint });
      return;
    }
    setText(status, 'd.forward.passDone', { name });
    showPassphrase(id, passphrase, name, r.fingerprint);
  } catch (x) {
    if (gen !== S.gen) return;
    setText(status, '');
    if (!withPassphrase && problemName(x) === 'bad-recipient') {
      fieldError(input, err, 'd.forward.bad');
      input.focus();
    } else {
      showError($('forward-error'), x);
    }
  } finally {
    plain?.fill(0);
    passphrase = null;
    button.disabled = false;
  }
}

/** Shown once: the passphrase, how to pass it on, and (folded away) how age opens the file. */
function showPassphrase(id, passphrase, name, fingerprint) {
  const box = $('forward-passphrase-box');
  // A line may break after a hyphen on a narrow screen; the text (and a copy of it) stays exact.
  const p = $('forward-passphrase');
  p.replaceChildren();
  passphrase.split('-').forEach((g, i, all) => {
    p.append(i < all.length - 1 ? `${g}-` : g);
    if (i < all.length - 1) p.append(document.createElement('wbr'));
  });
  setText($('forward-pass-step1'), 'd.forward.pass.step1', { name });
  setText($('forward-pass-command'), 'd.forward.pass.command', { name });
  setText($('forward-pass-log'), 'd.forward.pass.log', { fingerprint });
  box.dataset.case = id;
  box.hidden = false;
  $('forward-passphrase-heading').focus();
}
