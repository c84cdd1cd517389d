// Drafts across the lock: a reply, a note or an oral report half written when the desk locks is
// encrypted in memory to the office's keys (nothing is written anywhere), kept as ciphertext
// with its case and field, and offered back after the officer who wrote it unlocks this page.

import { Encrypter, Decrypter } from 'age-encryption';
import { t } from '../i18n.js';
import { $, setText } from '../common.js';
import { S, hooks } from './state.js';
import { el, short } from './dom.js';
import { show } from './views.js';

/** The fields whose text is kept when the desk locks; a reply or note belongs to the open case. */
const FIELDS = [
  { id: 'reply-text', kind: 'reply', inCase: true },
  { id: 'note-text', kind: 'note', inCase: true },
  { id: 'oral-text', kind: 'oral', inCase: false },
];
const KIND = Object.fromEntries(FIELDS.map((f) => [f.id, f.kind]));

/**
 * The kept drafts: `{ n, caseId, field, author, sealed }`, `sealed` a promise of the age file
 * (to the office's recipients at the lock), `author` the recipient of the officer who wrote it.
 * Never plaintext, but for `copy` ({ text, why }) while a draft that can no longer go back into
 * its field is shown for copying; the next lock drops that again.
 */
let kept = [];
let counter = 0;

/**
 * Called by lock() before it wipes anything: every non-empty draft field is encrypted to the
 * office's current recipients (the officer's own among them) and only the ciphertext is kept.
 * Returns how many drafts are kept now, with any still offered from an earlier lock.
 */
export function keepDrafts() {
  const sess = S.session;
  if (!sess) return 0;
  for (const d of kept) d.copy = null;
  const recipients = [...new Set([...(S.office?.recipients ?? []), sess.recipient])];
  for (const f of FIELDS) {
    const node = $(f.id);
    if (!node.value.trim()) continue;
    if (f.inCase ? !S.caseId : S.view !== 'oral') continue;
    const bytes = new TextEncoder().encode(node.value);
    const e = new Encrypter();
    for (const r of recipients) e.addRecipient(r);
    const sealed = e.encrypt(bytes).finally(() => bytes.fill(0));
    sealed.catch(() => {}); // a failure is reported when the draft is offered
    counter += 1;
    kept.push({ n: counter, caseId: f.inCase ? S.caseId : null, field: f.id, author: sess.recipient, sealed, copy: null });
  }
  return kept.length;
}

async function open(d, identity) {
  const dec = new Decrypter();
  dec.addIdentity(identity);
  return dec.decrypt(await d.sealed, 'uint8array');
}

/**
 * After an unlock: drafts of another officer are dropped (only the author gets a draft back);
 * the author's own are opened once to see that they still decrypt, and offered.
 */
export async function offerDrafts() {
  const sess = S.session;
  if (!sess || !kept.length) return;
  const gen = S.gen;
  const mine = [];
  let others = 0;
  let lost = 0;
  for (const d of kept) {
    if (d.author !== sess.recipient) {
      others += 1;
      continue;
    }
    try {
      (await open(d, sess.identity)).fill(0);
      mine.push(d);
    } catch {
      lost += 1;
    }
  }
  if (gen !== S.gen) return;
  kept = mine;
  renderDraftOffers();
  const said = [];
  if (mine.length) said.push({ key: mine.length === 1 ? 'd.drafts.waiting1' : 'd.drafts.waiting', vars: { n: mine.length } });
  if (lost) said.push({ key: lost === 1 ? 'd.drafts.lost1' : 'd.drafts.lost', vars: { n: lost } });
  if (others) said.push({ key: others === 1 ? 'd.drafts.others1' : 'd.drafts.others', vars: { n: others } });
  if (said.length === 1) setText($('global-status'), said[0].key, said[0].vars);
  else if (said.length) setText($('global-status'), `d.drafts.said${said.length}`, Object.fromEntries(said.map((s, i) => [`s${i}`, s])));
}

/** Drops every offer from the page (on lock; the kept ciphertexts stay). */
export function wipeDraftOffers() {
  for (const id of ['drafts-list', 'case-drafts-list']) $(id).replaceChildren();
  $('drafts').hidden = true;
  $('case-drafts').hidden = true;
}

function reference(caseId) {
  if (S.caseData?.summary?.id === caseId && S.caseData.summary.reference) return S.caseData.summary.reference;
  return S.allCases?.cases?.find((c) => c.id === caseId)?.reference ?? short(caseId);
}

/** What a draft is, in words: "Your draft reply to case 7QK2-M9XD". */
function what(d) {
  return { key: `d.drafts.what.${KIND[d.field]}`, vars: { ref: d.caseId ? reference(d.caseId) : '' } };
}

function item(d, prefix) {
  const id = `${prefix}-${d.n}`;
  const li = el('li', { class: 'draft' });
  const w = what(d);
  const text = el('p', { id: `${id}-text` });
  const button = (act, cls, key) => {
    const b = el('button', { type: 'button', class: cls, 'data-draft': d.n, 'data-act': act, 'aria-describedby': `${id}-text` });
    setText(b, key);
    return b;
  };
  const row = el('div', { class: 'actions' });
  if (!d.copy) {
    setText(text, 'd.drafts.offer', { what: w });
    row.append(button('restore', 'primary', 'd.drafts.restore'), button('discard', 'secondary', 'd.drafts.discard'));
    li.append(text, row);
    return li;
  }
  // It decrypts, but its field is gone: the text to copy, then it is dropped.
  setText(text, 'd.drafts.cannot', { what: w, why: { key: `d.drafts.why.${d.copy.why}` } });
  const label = el('label', { for: `${id}-copy` });
  setText(label, 'd.drafts.copyLabel');
  const area = el('textarea', { id: `${id}-copy`, class: 'draft-copy', rows: 6, readonly: true, 'aria-describedby': `${id}-text` });
  area.value = d.copy.text;
  row.append(button('copy', 'primary', 'd.drafts.copy'), button('discard', 'secondary', 'd.drafts.discard'));
  li.append(text, el('div', { class: 'field' }), row, el('p', { class: 'status', role: 'status', id: `${id}-status` }));
  li.querySelector('.field').append(label, area);
  return li;
}

/** The offers: all of them in the inbox, and those of the open case on its page. */
export function renderDraftOffers() {
  if (!S.session) return;
  $('drafts-list').replaceChildren(...kept.map((d) => item(d, 'inbox-draft')));
  $('drafts').hidden = kept.length === 0;
  const here = kept.filter((d) => d.caseId && d.caseId === S.caseId);
  $('case-drafts-list').replaceChildren(...here.map((d) => item(d, 'case-draft')));
  $('case-drafts').hidden = here.length === 0;
}

function drop(d) {
  kept = kept.filter((x) => x !== d);
}

/** Puts the text back where it was typed (after what is there now, if anything). */
function put(node, text) {
  node.value = node.value.trim() ? `${node.value.replace(/\s+$/, '')}\n\n${text}` : text;
  node.removeAttribute('aria-invalid');
}

/** Why a draft's field is not there for it now (the case is closed, gone, or not writable). */
function whyNot(d) {
  const node = $(d.field);
  if (S.caseId !== d.caseId || !S.caseData) return 'gone';
  if (!node.disabled && !node.readOnly && !node.closest('[hidden]')) return null;
  return d.field === 'reply-text' && S.caseData.summary?.status === 'closed' ? 'closed' : 'field';
}

async function restore(d) {
  const gen = S.gen;
  let text;
  try {
    const bytes = await open(d, S.session.identity);
    text = new TextDecoder().decode(bytes);
    bytes.fill(0);
  } catch {
    drop(d);
    renderDraftOffers();
    setText($('global-status'), 'd.drafts.lost1');
    return;
  }
  if (gen !== S.gen) return;
  if (d.field === 'oral-text') {
    if (S.view !== 'oral') hooks.showOral();
  } else if (S.caseId !== d.caseId || !S.caseData) {
    await hooks.openCase(d.caseId, { focus: false });
  } else {
    show('case', { focus: false });
  }
  if (gen !== S.gen || !kept.includes(d)) return;
  const why = d.field === 'oral-text' ? null : whyNot(d);
  if (why) {
    d.copy = { text, why };
    renderDraftOffers();
    // The offer of the text to copy, on the case's page (or the inbox's, if the case is gone).
    const on = S.view === 'case' && !$('case-drafts').hidden ? 'case-draft' : 'inbox-draft';
    if (on === 'inbox-draft' && S.view !== 'inbox') show('inbox', { focus: false });
    $(`${on}-${d.n}-copy`)?.focus();
    return;
  }
  const node = $(d.field);
  put(node, text);
  drop(d);
  renderDraftOffers();
  node.focus();
  setText($('global-status'), 'd.drafts.restored', { what: what(d) });
}

async function copy(d, button) {
  const status = button.closest('li').querySelector('.status');
  const area = button.closest('li').querySelector('textarea');
  try {
    await navigator.clipboard.writeText(d.copy.text);
    setText(status, 'd.drafts.copied');
  } catch {
    area.focus();
    area.select();
    setText(status, 'd.drafts.selected');
  }
}

function discard(d, button) {
  const onCase = button.closest('#case-drafts') !== null;
  drop(d);
  renderDraftOffers();
  setText($('global-status'), 'd.drafts.discarded', { what: what(d) });
  // The focus goes to what is left of the offers, or to the view's heading.
  const list = $(onCase ? 'case-drafts' : 'drafts');
  if (!list.hidden) list.querySelector('button').focus();
  else $(onCase ? 'case-heading' : 'inbox-heading').focus();
}

/** Clicks on an offer's buttons (both lists). */
export function onDraftAction(event) {
  const b = event.target.closest('button[data-draft]');
  if (!b || !S.session) return;
  const d = kept.find((x) => String(x.n) === b.dataset.draft);
  if (!d) return;
  if (b.dataset.act === 'restore') restore(d);
  else if (b.dataset.act === 'copy' && d.copy) copy(d, b);
  else if (b.dataset.act === 'discard') discard(d, b);
}
