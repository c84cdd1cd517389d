// Forwarding a case to a competent authority (HinSchG §18 no. 4): recorded, then encrypted to
// the authority's age recipient and downloaded.

import { Encrypter } from 'age-encryption';
import { base64 } from '@scure/base';
import { $, setText } from '../common.js';
import { problemName } from './api.js';
import { S } from './state.js';
import { showError, fieldError, clearMessages, short } from './dom.js';
import { download, safeName, safeType } from './blobs.js';
import { authed } from './session.js';

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

export async function forwardCase() {
  const input = $('forward-recipient');
  const err = $('forward-recipient-error');
  const status = $('forward-status');
  const button = $('forward-send');
  clearMessages($('forward-form'));
  const recipient = input.value.trim();
  if (!recipient) {
    fieldError(input, err, 'd.forward.required');
    input.focus();
    return;
  }
  const e = new Encrypter();
  try {
    e.addRecipient(recipient);
  } catch {
    fieldError(input, err, 'd.forward.bad');
    input.focus();
    return;
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
  try {
    // Recorded before the file exists: a forwarding is never unaudited.
    const r = await authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/forwards`, { body: { recipient } });
    // The case as it is now: a reload meanwhile has wiped the copy read before.
    const d = S.caseData;
    if (gen !== S.gen || S.caseId !== id || !d) return;
    plain = new TextEncoder().encode(JSON.stringify(forwardBundle(d, parts), null, 2));
    const sealed = await e.encrypt(plain);
    if (gen !== S.gen || S.caseId !== id) return;
    const name = `case-${short(id)}-forwarded.age`;
    download(new Blob([sealed], { type: 'application/octet-stream' }), name);
    setText(status, 'd.forward.done', { name, fingerprint: r.fingerprint });
  } catch (x) {
    if (gen !== S.gen) return;
    if (problemName(x) === 'bad-recipient') {
      fieldError(input, err, 'd.forward.bad');
      input.focus();
    } else {
      showError($('forward-error'), x);
    }
  } finally {
    plain?.fill(0);
    button.disabled = false;
  }
}
