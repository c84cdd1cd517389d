// The follow-up page (follow-up.html): the receipt is typed in, never put in a URL, and never
// sent; the lookup id and the reply identity are derived here. Office replies are decrypted with
// the reply identity; new messages are encrypted to the office recipients only.

import { t, formatDate } from './i18n.js';
import {
  $, params, setupLanguage, revealApp, showNotice, api, ApiError, errorText, loadOffice, powProgress,
  sealToBase64, openText, setFieldError, clearErrors, clearErrorOnInput,
} from './common.js';
import { parseReceipt, deriveAll, ReceiptError } from './receipt.js';
import { padDocument } from './padding.js';

const state = {
  office: null,
  keys: null,      // { lookupId, replyIdentity, replyRecipient } while a case is open
  view: null,      // the last answer of /v1/followup/read, with decrypted texts
};

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A document the receipt's reply identity opens: its text, or null when it cannot. */
async function openDocument(b64) {
  if (!b64) return null;
  try {
    const raw = await openText(b64, state.keys.replyIdentity);
    try {
      const doc = JSON.parse(raw);
      if (doc && typeof doc === 'object') return doc;
    } catch { /* a plain-text document is shown as it is */ }
    return { text: raw };
  } catch {
    return null;
  }
}

/**
 * The office's replies and the reporter's own messages, decrypted here with the reply identity.
 * Own messages sent before the receipt was a recipient stay closed, and say so.
 */
async function decryptMessages(messages) {
  const out = [];
  for (const m of messages ?? []) {
    const doc = await openDocument(m.ciphertext);
    out.push({ ...m, text: typeof doc?.text === 'string' ? doc.text : null, failed: !doc });
  }
  return out;
}

function render() {
  const v = state.view;
  if (!v) return;
  const known = t(`status.${v.status}`) !== `status.${v.status}`;
  $('case-status').textContent = known ? t(`status.${v.status}`) : v.status;
  $('case-reference').textContent = v.reference ?? '';
  $('case-reference').closest('div').hidden = !v.reference;
  $('case-status-note').textContent = known ? t(`statusNote.${v.status}`) : '';
  for (const [id, value] of [['case-received', v.received_on], ['case-ack', v.ack_due], ['case-feedback', v.feedback_due]]) {
    $(id).textContent = formatDate(value);
    $(id).parentElement.hidden = !value;
  }
  // The reporter's own report, as they sent it.
  const r = v.report;
  $('own-report').hidden = !r;
  $('own-report-closed').hidden = Boolean(r);
  if (r) {
    $('own-report-text').textContent = r.text ?? '';
    for (const [id, value] of [['own-report-when', r.when], ['own-report-where', r.where]]) {
      $(id).textContent = value ?? '';
      $(id).parentElement.hidden = !value;
    }
  }
  const list = $('messages');
  list.replaceChildren();
  for (const m of v.messages) {
    const office = m.direction === 'office';
    const li = el('li', { class: office ? 'office' : 'reporter' });
    li.append(el('p', { class: 'meta' }, t(office ? 'fu.fromOffice' : 'fu.fromYou', { date: formatDate(m.created_on) })));
    if (!m.failed) li.append(el('p', { class: 'body' }, m.text));
    else li.append(el('p', { class: 'own' }, t(office ? 'fu.undecryptable' : 'fu.ownMessage')));
    list.append(li);
  }
  $('no-messages').hidden = v.messages.length > 0;
  // A closed case takes no new messages (the server would refuse them).
  $('message-form').hidden = v.status === 'closed';
  $('case-closed-note').hidden = v.status !== 'closed';
}

async function refresh() {
  const answer = await api.readCase(state.keys.lookupId);
  state.view = { ...answer, report: await openDocument(answer.report), messages: await decryptMessages(answer.messages) };
  render();
}

async function onOpen(event) {
  event.preventDefault();
  const input = $('receipt-input');
  clearErrors($('open-form'));
  let r;
  try {
    if (!input.value.trim()) {
      setFieldError(input, $('receipt-error'), { key: 'fu.empty' });
      input.focus();
      return;
    }
    r = parseReceipt(input.value);
  } catch (e) {
    if (!(e instanceof ReceiptError)) throw e;
    setFieldError(input, $('receipt-error'), { key: 'fu.invalid' });
    input.focus();
    return;
  }
  $('open').disabled = true;
  $('open-status').textContent = t('fu.opening');
  try {
    state.keys = await deriveAll(r);
    r.fill(0);
    await refresh();
    input.value = '';
    $('open-status').textContent = '';
    $('open-form').hidden = true;
    $('case').hidden = false;
    $('message-status').textContent = t('fu.loaded');
    $('case-heading').focus();
  } catch (e) {
    state.keys = null;
    $('open-status').textContent = '';
    const notFound = e instanceof ApiError && e.status === 404;
    setFieldError(input, $('receipt-error'), { key: notFound ? 'fu.notFound' : 'fu.failed' });
    input.focus();
  } finally {
    $('open').disabled = false;
  }
}

async function onSend(event) {
  event.preventDefault();
  const box = $('message');
  clearErrors($('message-form'));
  $('message-status').textContent = '';
  if (!box.value.trim()) {
    setFieldError(box, $('message-error'), { key: 'fu.messageRequired' });
    box.focus();
    return;
  }
  $('send').disabled = true;
  $('message-status').textContent = t('fu.sending');
  let padded = null;
  try {
    // To the case's office, as its key set is now: the office in the page's address only
    // names the page, and a message encrypted to another office would be lost.
    const office = await loadOffice(state.view.office);
    if (!office.recipients.length) {
      $('message-status').textContent = '';
      setFieldError(box, $('message-error'), { key: 'fu.sendFailed', vars: { detail: { key: 'problem.office-not-ready' } } });
      box.focus();
      return;
    }
    padded = padDocument({ v: 1, kind: 'message', text: box.value }, office.maxPlaintext);
    if (!padded) {
      $('message-status').textContent = '';
      setFieldError(box, $('message-error'), { key: 'error.textTooLong' });
      box.focus();
      return;
    }
    // To the office and to the receipt: the reporter can re-read their own messages.
    const ciphertext = await sealToBase64(padded, [...office.recipients, state.keys.replyRecipient]);
    padded.fill(0);
    const estimate = powProgress(performance.now());
    // The key set it was encrypted for: the server refuses a message for an outdated one.
    await api.sendMessage({ lookup_id: state.keys.lookupId, ciphertext, keyset_version: office.keysetVersion }, {
      onProgress: (tried, expected) => {
        const p = estimate(tried, expected);
        $('message-status').textContent = t(p.key, p);
      },
      onRetry: () => { $('message-status').textContent = t('pow.retry'); },
    });
    box.value = '';
    await refresh();
    $('message-status').textContent = t('fu.sent');
    // Back where the reader was, not on the page's start.
    box.focus();
  } catch (e) {
    $('message-status').textContent = '';
    setFieldError(box, $('message-error'), { key: 'fu.sendFailed', vars: { detail: errorText(e) } });
    box.focus();
  } finally {
    $('send').disabled = false;
  }
}

function onClose() {
  state.keys = null;
  state.view = null;
  $('messages').replaceChildren();
  $('message').value = '';
  $('case').hidden = true;
  $('open-form').hidden = false;
  $('open-status').textContent = t('fu.closed');
  $('receipt-input').focus();
}

async function main() {
  setupLanguage(render);
  $('lang-switch').hidden = false;
  if (!revealApp()) return;
  $('open-form').addEventListener('submit', onOpen);
  $('message-form').addEventListener('submit', onSend);
  $('close-case').addEventListener('click', onClose);
  clearErrorOnInput($('receipt-input'), $('receipt-error'));
  clearErrorOnInput($('message'), $('message-error'));
  // The page needs no office: the code finds the case, and the case its office. An office in
  // the address only names the page.
  if (params().office) {
    try {
      state.office = await loadOffice(params().office);
      $('office-name').textContent = state.office.name;
      $('office-line').hidden = false;
    } catch (e) {
      const notFound = e instanceof ApiError && e.status === 404;
      $('app').hidden = true;
      showNotice(t(notFound ? 'office.notFound' : 'office.failed'), notFound ? 'office.notFound' : 'office.failed');
      return;
    }
  }
  document.body.dataset.ready = 'true';
}

main();
