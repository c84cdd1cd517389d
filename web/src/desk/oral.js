// Oral and in-person reports (HinSchG §16(3), §11): recorded by an officer, with a receipt for
// the person that lives only as long as the view.

import { lang } from '../i18n.js';
import { $, sealToBase64, setText } from '../common.js';
import { padDocument } from '../padding.js';
import { formatReceipt, generateReceiptBytes, deriveAll } from '../receipt.js';
import { apiBase } from './api.js';
import { S } from './state.js';
import { showError, fieldError, clearMessages } from './dom.js';
import { show } from './views.js';
import { authed, sealAndSend } from './session.js';
import { showInbox } from './inbox.js';
import { collectAnswers, buildAnswerFields } from './classification.js';
import { MAX_CONSEQUENCES } from './statistics.js';

const CHANNELS = ['phone', 'in_person', 'letter'];

export function showOral() {
  wipeOral();
  show('oral');
  renderOral();
}

export function renderOral() {
  const root = $('oral-fields');
  // A language switch keeps what was chosen; a fresh form starts with "no answer" everywhere.
  const chosen = root.childElementCount ? collectAnswers('oral') : {};
  buildAnswerFields(root, 'oral', chosen);
  const done = S.oral;
  if (done) {
    const a = done.answer ?? {};
    setText($('oral-done-dates'), 'd.oral.doneDates', {
      received: { date: a.received_on ?? '' }, ack: { date: a.ack_due ?? '' }, feedback: { date: a.feedback_due ?? '' },
    });
    setText($('oral-handover'), 'd.oral.handover');
    setText($('oral-where-text'), 'd.oral.where', { url: followUpAddress() });
  }
}

/** The follow-up page, on the server that holds the case (also when this desk runs locally). */
function followUpAddress() {
  return new URL('/follow-up', apiBase() || location.origin).href;
}

/** Forgets the receipt and everything typed for the oral report. */
export function wipeOral() {
  S.oral = null;
  const form = $('oral-form');
  form.reset();
  $('oral-fields').replaceChildren();
  clearMessages($('view-oral'));
  setText($('oral-error'), '');
  for (const id of ['oral-receipt', 'oral-done-dates', 'oral-handover', 'oral-where-text']) setText($(id), '');
  $('oral-done').hidden = true;
  form.hidden = false;
}

export async function onOralSubmit(event) {
  event.preventDefault();
  const form = $('oral-form');
  clearMessages(form);
  setText($('oral-error'), '');
  const text = $('oral-text');
  const channel = form.querySelector('input[name="oral-channel"]:checked')?.value;
  let bad = null;
  if (!CHANNELS.includes(channel)) {
    setText($('oral-channel-error'), 'd.oral.channelRequired');
    $('oral-channel-phone').setAttribute('aria-invalid', 'true');
    bad = $('oral-channel-phone');
  }
  if (!text.value.trim()) {
    fieldError(text, $('oral-text-error'), 'd.oral.textRequired');
    bad ??= text;
  }
  const answers = collectAnswers('oral');
  if ((answers.consequences ?? []).length > MAX_CONSEQUENCES) {
    setText($('oral-fields-error'), 'd.classify.tooMany', { max: MAX_CONSEQUENCES });
    bad ??= document.querySelector('#oral-consequences input');
  }
  if (bad) {
    setText($('oral-error'), 'd.err.checkFields');
    bad.focus();
    return;
  }
  const doc = { v: 1, kind: 'report', lang: lang(), text: text.value };
  const when = $('oral-when').value.trim();
  const where = $('oral-where').value.trim();
  if (when) doc.when = when;
  if (where) doc.where = where;
  doc.channel = channel;
  doc.confirmed = $('oral-confirmed').checked;
  // The person's answers travel inside the ciphertext, exactly as from the report form.
  if (Object.keys(answers).length) doc.stats = { taxonomy_version: 1, ...answers };
  const gen = S.gen;
  const button = $('oral-submit');
  button.disabled = true;
  setText($('oral-status'), 'd.case.sending');
  const r = generateReceiptBytes();
  let padded = null;
  try {
    padded = padDocument(doc, S.office.maxPlaintext);
    if (!padded) {
      setText($('oral-status'), '');
      fieldError(text, $('oral-text-error'), 'error.textTooLong');
      text.focus();
      return;
    }
    const keys = await deriveAll(r);
    const sealed = padded;
    const answer = await sealAndSend(
      // To the office and to the receipt's reply key: the person re-reads the record with the code.
      (office) => sealToBase64(sealed, [...office.recipients, keys.replyRecipient]),
      (ciphertext, keysetVersion) => authed('POST', '/v1/desk/reports', {
        body: {
          keyset_version: keysetVersion,
          ciphertext,
          reply_recipient: keys.replyRecipient,
          lookup_id: keys.lookupId,
          attachments: [],
        },
      }),
    );
    if (gen !== S.gen || S.view !== 'oral') return;
    S.oral = { receipt: formatReceipt(r), answer };
    form.reset();
    $('oral-fields').replaceChildren();
    form.hidden = true;
    $('oral-receipt').textContent = S.oral.receipt;
    $('oral-done').hidden = false;
    setText($('oral-status'), '');
    renderOral();
    $('oral-done-heading').focus();
  } catch (e) {
    if (gen !== S.gen) return;
    setText($('oral-status'), '');
    showError($('oral-error'), e);
    button.focus();
  } finally {
    r.fill(0);
    padded?.fill(0);
    button.disabled = false;
  }
}

export function onOralFinish() {
  wipeOral();
  showInbox();
}
