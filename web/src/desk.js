// The complaint officers' desk (desk.html): enrollment from an invitation, unlock, inbox, one
// case, re-encryption to a new key set. Keys, the bearer token and every decrypted byte live in
// this module's memory only; "Lock" and the idle timer drop them and clear the page. The only
// thing written to the device is the list of accounts (desk/keys.js), none of it secret.

import { Encrypter } from 'age-encryption';
import { base64 } from '@scure/base';
import {
  t, lang, formatDate, formatBytes, fieldTitle, valueLabel, resolveVars, TAXONOMY,
} from './i18n.js';
import { $, setupLanguage, revealApp, sealToBase64, setText } from './common.js';
import { padDocument } from './padding.js';
import { ApiError, DeskError, loadConfig, problemName, explain, apiBase } from './desk/api.js';
import { formatReceipt, generateReceiptBytes, deriveAll } from './receipt.js';
import { SLUG, S, hooks } from './desk/state.js';
import {
  el, showError, fieldError, clearMessages, short, daysBetween, today, daysText, statusWord,
} from './desk/dom.js';
import { show } from './desk/views.js';
import { blobUrl, revokeAll, download, safeName, safeType } from './desk/blobs.js';
import { openBytes, openDoc } from './desk/age.js';
import { authed, refreshOffice, sealAndSend, renderWho } from './desk/session.js';
import { armIdle, wipeCase, lock } from './desk/lock.js';
import { startEnroll, onEnroll, onDownloadBackup, onEnrollContinue } from './desk/enrollment.js';
import {
  renderUnlockIntro, onPassToggle, renderAccounts, onPasskeyLogin, onKeyFileChange, onFileLogin,
} from './desk/unlock.js';
import { showInbox, staleLabels, renderRewrapCount, loadInbox, renderInbox } from './desk/inbox.js';
import {
  loadCasework, labelName, seenText, renderLabels, putLabel, onLabelAdd, onLabelAction,
  onLabelRename, renderCasework, onAssigneeSave, onCaseLabelsSave, keysetMarker,
} from './desk/casework.js';

// The calls the core and some views make into views they do not import.
Object.assign(hooks, { showInbox, renderInbox, openCase, wipeOral, renderAccounts });

const PREVIEW_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const NEXT = {
  received: ['acknowledged'],
  acknowledged: ['in_progress', 'feedback_given'],
  in_progress: ['feedback_given'],
  feedback_given: ['in_progress', 'closed'],
  closed: [],
};

/** Re-renders what was built at run time after a language switch (typed text stays). */
function rerender() {
  renderUnlockIntro();
  if (S.session) renderWho();
  if (S.inbox) renderInbox();
  if (S.labels) renderLabels();
  if (S.caseData) renderCase();
  if (S.view === 'oral') renderOral();
  if (S.view === 'rewrap') renderRewrap();
  if (S.view === 'stats') renderStats();
}

async function decryptCase(detail, identity) {
  const out = {
    summary: detail.case,
    replyRecipient: detail.reply_recipient,
    reportSeenBy: Array.isArray(detail.report_seen_by) ? detail.report_seen_by : [],
    doc: null,
    docFailed: false,
    attachments: [],
    thread: [],
  };
  try {
    out.doc = await openDoc(detail.ciphertext, identity);
  } catch {
    out.docFailed = true;
  }
  const metas = Array.isArray(out.doc?.attachments)
    ? [...out.doc.attachments].sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0))
    : [];
  for (const [i, a] of (detail.attachments ?? []).entries()) {
    const meta = metas[i] ?? null;
    try {
      const plain = await openBytes(a.ciphertext, identity);
      const size = Number.isInteger(meta?.size) && meta.size >= 0 && meta.size <= plain.length ? meta.size : plain.length;
      const bytes = plain.slice(0, size);
      plain.fill(0);
      out.attachments.push({ id: a.id, n: i + 1, meta, bytes, url: null, keyset_version: a.keyset_version });
    } catch {
      out.attachments.push({ id: a.id, n: i + 1, meta, failed: true, keyset_version: a.keyset_version });
    }
  }
  for (const m of detail.messages ?? []) {
    try {
      const doc = await openDoc(m.ciphertext, identity);
      const answers = m.direction === 'note' && doc.kind === 'classification' ? answersOf(doc) : null;
      out.thread.push({ ...m, ciphertext: undefined, text: typeof doc.text === 'string' ? doc.text : '', answers });
    } catch {
      out.thread.push({ ...m, ciphertext: undefined, failed: true });
    }
  }
  return out;
}

async function openCase(id, { focus = true, reload = false } = {}) {
  const gen = S.gen;
  if (!reload || S.caseId !== id) {
    wipeCase();
    revokeAll();
    for (const n of ['reply-text', 'note-text', 'retention-reason', 'retention-date', 'forward-recipient']) $(n).value = '';
    S.caseId = id;
  }
  setText($('case-heading'), 'd.case.heading', { id: short(id) });
  show('case', { focus });
  setText($('case-error'), '');
  setText($('case-status-line'), 'd.case.loading');
  try {
    if (!S.office) await refreshOffice();
    if (!S.officers || !S.labels) await loadCasework();
    const detail = await authed('GET', `/v1/desk/cases/${encodeURIComponent(id)}`);
    const data = await decryptCase(detail, S.session.identity);
    if (gen !== S.gen || S.caseId !== id) {
      for (const a of data.attachments) a.bytes?.fill(0);
      return;
    }
    if (S.caseData) {
      for (const a of S.caseData.attachments) a.bytes?.fill(0);
      revokeAll();
    }
    S.caseData = data;
    renderCase();
    $('case-body').hidden = false;
    setText($('case-status-line'), '');
  } catch (e) {
    if (gen !== S.gen) return;
    setText($('case-status-line'), '');
    showError($('case-error'), e);
  }
}

function fact(dl, labelKey, value, extra) {
  if (!value) return;
  const div = el('div');
  div.append(el('dt', {}, t(labelKey)));
  const dd = el('dd', {}, value);
  if (extra) dd.append(' ', el('span', { class: extra.cls }, `(${extra.text})`));
  div.append(dd);
  dl.append(div);
}

function renderCase() {
  const d = S.caseData;
  const c = d.summary;
  const now = today();
  setText($('case-heading'), 'd.case.heading', { id: short(c.id) });

  const dl = $('case-facts');
  dl.replaceChildren();
  fact(dl, 'd.case.status', statusWord(c.status));
  fact(dl, 'd.case.received', formatDate(c.received_on));
  const days = (date) => {
    const n = daysBetween(now, date);
    return { text: daysText(n), cls: n < 0 ? 'days over' : 'days' };
  };
  fact(dl, 'd.case.ackDue', formatDate(c.ack_due), c.status === 'received' ? days(c.ack_due) : null);
  fact(dl, 'd.case.acknowledged', c.acknowledged_on ? formatDate(c.acknowledged_on) : '');
  fact(dl, 'd.case.feedbackDue', formatDate(c.feedback_due), ['received', 'acknowledged', 'in_progress'].includes(c.status) ? days(c.feedback_due) : null);
  fact(dl, 'd.case.closedOn', c.closed_on ? formatDate(c.closed_on) : '');
  fact(dl, 'd.case.deleteAfter', c.delete_after ? formatDate(c.delete_after) : '');
  const current = S.office?.keysetVersion;
  fact(dl, 'd.case.keyset', c.keyset_version < current
    ? t('d.case.keysetOld', { v: c.keyset_version, current })
    : t('d.case.keysetCurrent', { v: c.keyset_version }));

  const actions = $('status-actions');
  actions.replaceChildren();
  const next = NEXT[c.status] ?? [];
  for (const to of next) {
    const b = el('button', { type: 'button', class: to === 'closed' ? 'secondary' : 'primary', 'data-to': to }, t(`d.case.next.${to}`));
    const hint = t(`d.case.nextHint.${to}`);
    if (hint !== `d.case.nextHint.${to}`) {
      const hid = `next-hint-${to}`;
      b.setAttribute('aria-describedby', hid);
      actions.append(el('div', { class: 'next-step' }));
      actions.lastChild.append(b, el('p', { class: 'hint', id: hid }, hint));
    } else {
      actions.append(el('div', { class: 'next-step' }));
      actions.lastChild.append(b);
    }
  }
  if (!next.length) actions.append(el('p', {}, t('d.case.noNext')));

  renderCasework(d);
  renderReport(d);
  renderAttachments(d);
  renderThread(d);
  renderClassification(d);

  const closed = c.status === 'closed';
  $('reply-form').hidden = closed;
  $('reply-closed').hidden = !closed;
  $('retention').hidden = !(closed && c.delete_after);
  if (closed && c.delete_after) {
    setText($('retention-intro'), 'd.case.retentionIntro', { date: { date: c.delete_after } });
    setText($('retention-date-hint'), 'd.case.retentionDateHint', { date: { date: c.delete_after } });
    const min = new Date(`${c.delete_after}T00:00:00Z`);
    min.setUTCDate(min.getUTCDate() + 1);
    $('retention-date').min = min.toISOString().slice(0, 10);
  }
}

function renderReport(d) {
  const root = $('report-doc');
  root.replaceChildren();
  const old = keysetMarker(d.summary.keyset_version);
  $('report-keyset').hidden = !old;
  $('report-keyset').textContent = old ? old.textContent : '';
  $('report-seen').textContent = seenText(d.reportSeenBy);
  if (d.docFailed) {
    root.append(el('p', { class: 'undecryptable' }, t('d.case.undecryptable')));
    return;
  }
  const doc = d.doc ?? {};
  const dl = el('dl', { class: 'doc' });
  const row = (key, value, cls) => {
    const div = el('div');
    div.append(el('dt', {}, t(key)), el('dd', { class: cls }, value));
    dl.append(div);
  };
  row('d.case.report.text', typeof doc.text === 'string' ? doc.text : '', 'body');
  if (doc.when) row('d.case.report.when', String(doc.when));
  if (doc.where) row('d.case.report.where', String(doc.where));
  if (doc.lang) row('d.case.report.lang', ['de', 'en'].includes(doc.lang) ? t(`d.lang.${doc.lang}`) : String(doc.lang));
  // An oral or in-person report, recorded by an officer: how it came, and whether the person
  // confirmed the record.
  if (doc.channel) row('d.case.report.channel', ['phone', 'in_person', 'letter'].includes(doc.channel) ? t(`d.channel.${doc.channel}`) : String(doc.channel));
  if (typeof doc.confirmed === 'boolean') row('d.case.report.confirmed', t(doc.confirmed ? 'd.case.report.confirmedYes' : 'd.case.report.confirmedNo'));
  root.append(dl);
  const stats = doc.stats && typeof doc.stats === 'object' ? doc.stats : null;
  if (stats) {
    const entries = Object.entries(stats).filter(([k]) => k !== 'taxonomy_version');
    if (entries.length) {
      root.append(el('h4', { id: 'report-stats-heading' }, t('d.case.report.stats')));
      const ul = el('ul', { class: 'stats-answers', 'aria-labelledby': 'report-stats-heading' });
      for (const [k, v] of entries) {
        const label = k === 'quarter' ? t('stats.quarter') : fieldTitle(k);
        const values = v === null || v === undefined || (Array.isArray(v) && !v.length)
          ? t('d.case.report.none')
          : (Array.isArray(v) ? v : [v]).map((x) => valueLabel(k, String(x))).join(', ');
        ul.append(el('li', {}, `${label}: ${values}`));
      }
      root.append(ul);
    }
  }
}

function renderAttachments(d) {
  const ul = $('attachments');
  ul.replaceChildren();
  $('no-attachments').hidden = d.attachments.length > 0;
  for (const a of d.attachments) {
    const li = el('li', { class: 'attachment' });
    const name = safeName(a.meta?.name, t('d.case.attachmentUnnamed', { n: a.n }));
    const old = keysetMarker(a.keyset_version);
    if (a.failed) {
      li.append(el('p', { class: 'name' }, name), el('p', { class: 'undecryptable' }, t('d.case.undecryptable')));
      if (old) li.append(old);
      ul.append(li);
      continue;
    }
    if (old) li.append(old);
    const type = safeType(a.meta?.type);
    li.append(el('p', { class: 'name' }, t('d.case.attachment', { name, type, size: formatBytes(a.bytes.length) })));
    const save = el('button', { type: 'button', class: 'secondary small save-attachment', 'aria-label': t('d.case.saveLabel', { name }) }, t('d.case.save'));
    save.addEventListener('click', () => {
      download(new Blob([a.bytes], { type }), name);
      setText($('attachment-status'), 'd.case.saved', { name });
    });
    li.append(save);
    if (PREVIEW_TYPES.has(type)) {
      a.url ??= blobUrl(new Blob([a.bytes], { type }));
      li.append(el('img', { src: a.url, alt: t('d.case.preview', { name }), class: 'preview' }));
    } else {
      li.append(el('p', { class: 'hint' }, t('d.case.noPreview')));
    }
    ul.append(li);
  }
}

function renderThread(d) {
  const ol = $('thread');
  ol.replaceChildren();
  $('no-thread').hidden = d.thread.length > 0;
  for (const m of d.thread) {
    const dir = ['reporter', 'office', 'note'].includes(m.direction) ? m.direction : 'note';
    const li = el('li', { class: dir === 'office' ? 'office' : dir === 'note' ? 'note' : 'reporter' });
    li.append(el('p', { class: 'meta' }, t(`d.case.from.${dir}`, { date: formatDate(m.created_on) })));
    if (m.failed) li.append(el('p', { class: 'undecryptable' }, t('d.case.undecryptable')));
    else if (m.answers) li.append(el('p', { class: 'body' }, t('d.classify.note', { summary: answersSummary(m.answers) })));
    else li.append(el('p', { class: 'body' }, m.text));
    const old = keysetMarker(m.keyset_version);
    if (old) li.append(old);
    if (dir === 'reporter') li.append(el('p', { class: 'seen-by' }, seenText(m.seen_by)));
    ol.append(li);
  }
}

async function afterConflict(e, errNode) {
  const name = problemName(e);
  if (name === 'case-changed' || name === 'illegal-transition' || (e instanceof ApiError && e.status === 409 && name !== 'case-not-closed')) {
    await openCase(S.caseId, { focus: false, reload: true });
  }
  showError(errNode, e);
}

async function onStatusClick(event) {
  const b = event.target.closest('button[data-to]');
  if (!b || !S.caseData) return;
  const id = S.caseId;
  const to = b.dataset.to;
  clearMessages($('status-heading').parentElement);
  for (const x of $('status-actions').querySelectorAll('button')) x.disabled = true;
  try {
    await authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/status`, { body: { status: to } });
    await openCase(id, { focus: false, reload: true });
    setText($('status-status'), 'd.case.statusChanged', { status: { key: `status.${to}` } });
    $('status-heading').focus();
  } catch (e) {
    await afterConflict(e, $('status-error'));
    $('status-heading').focus();
  } finally {
    for (const x of $('status-actions').querySelectorAll('button')) x.disabled = false;
  }
}

/** The taxonomy's fields, in the form's order; location comes from the office, not from here. */
const CLASSIFY_FIELDS = () => ANSWER_FIELDS.filter((f) => TAXONOMY[f]);

function answersSummary(a) {
  return CLASSIFY_FIELDS()
    .filter((f) => a[f] !== undefined)
    .map((f) => `${fieldTitle(f)}: ${(Array.isArray(a[f]) ? a[f] : [a[f]]).map((v) => valueLabel(f, v)).join(', ')}`)
    .join('; ');
}

/** The classification the form shows: the newest saved one, else the reporter's answers. */
function classificationOf(d) {
  const saved = d.thread.filter((m) => m.answers).at(-1);
  if (saved) return { answers: saved.answers, on: saved.created_on };
  return { answers: answersOf(d.doc) ?? {}, on: null };
}

/**
 * The taxonomy form's current choices, as an answers object. `prefix` names the form: the
 * case view's classification (`classify`) or the answers of an oral report (`oral`).
 */
function collectAnswers(prefix) {
  const out = {};
  for (const f of CLASSIFY_FIELDS()) {
    if (f === 'consequences') {
      const chosen = [...document.querySelectorAll(`#${prefix}-consequences input:checked`)].map((c) => c.value);
      if (chosen.length) out[f] = chosen;
    } else {
      const v = $(`${prefix}-${f}`)?.value;
      if (v) out[f] = v;
    }
  }
  return out;
}

function collectClassification() {
  return collectAnswers('classify');
}

function renderClassification(d) {
  const root = $('classify-fields');
  const current = classificationOf(d);
  // A language switch re-renders the case: keep what the officer has chosen but not saved.
  const key = `${d.summary.id}:${d.thread.length}`;
  const chosen = root.dataset.key === key ? collectClassification() : current.answers;
  root.dataset.key = key;
  buildAnswerFields(root, 'classify', chosen);
  const source = $('classify-source');
  if (current.on) setText(source, 'd.classify.current', { date: { date: current.on } });
  else setText(source, Object.keys(current.answers).length ? 'd.classify.fromReporter' : 'd.classify.fromNothing');
}

/** The taxonomy's questions as selects (and checkboxes for consequences), with `chosen` set. */
function buildAnswerFields(root, prefix, chosen) {
  root.replaceChildren();
  for (const f of CLASSIFY_FIELDS()) {
    const id = `${prefix}-${f}`;
    const values = Object.keys(TAXONOMY[f].values);
    if (f === 'consequences') {
      const fs = el('fieldset', { class: 'field', id, 'aria-describedby': `${id}-hint` });
      fs.append(el('legend', {}, fieldTitle(f)), el('p', { class: 'hint', id: `${id}-hint` }, t('stats.multiHint')));
      const checks = el('div', { class: 'checks' });
      for (const v of values) {
        const row = el('div', { class: 'check' });
        const box = el('input', { type: 'checkbox', id: `${id}-${v}`, value: v });
        box.checked = (chosen[f] ?? []).includes(v);
        row.append(box, el('label', { for: `${id}-${v}` }, valueLabel(f, v)));
        checks.append(row);
      }
      fs.append(checks);
      root.append(fs);
      continue;
    }
    const wrap = el('div', { class: 'field' });
    const select = el('select', { id });
    select.append(el('option', { value: '' }, t('stats.noAnswer')));
    for (const v of values) select.append(el('option', { value: v }, valueLabel(f, v)));
    select.value = chosen[f] ?? '';
    wrap.append(el('label', { for: id }, fieldTitle(f)), select);
    root.append(wrap);
  }
}

async function saveClassification() {
  const err = $('classify-error');
  const status = $('classify-status');
  const button = $('classify-send');
  setText(err, '');
  setText(status, '');
  const answers = collectClassification();
  if (!Object.keys(answers).length) {
    setText(err, 'd.classify.empty');
    $('classify-heading').focus();
    return;
  }
  if ((answers.consequences ?? []).length > MAX_CONSEQUENCES) {
    setText(err, 'd.classify.tooMany', { max: MAX_CONSEQUENCES });
    document.querySelector('#classify-consequences input')?.focus();
    return;
  }
  const id = S.caseId;
  const gen = S.gen;
  // The same document the CLI writes (`desk status --classification`); the text is for readers
  // of the thread that do not know the kind.
  const doc = {
    v: 1,
    kind: 'classification',
    text: `Einordnung / classification: ${JSON.stringify(answers)}`,
    stats: { taxonomy_version: 1, ...answers },
  };
  const padded = padDocument(doc, S.office.maxPlaintext);
  button.disabled = true;
  setText(status, 'd.case.sending');
  try {
    await sealAndSend(
      (office) => sealToBase64(padded, office.recipients),
      (ciphertext, keysetVersion) => authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/notes`, {
        body: { ciphertext, keyset_version: keysetVersion },
      }),
    );
    if (gen !== S.gen) return;
    await hooks.openCase(id, { focus: false, reload: true });
    setText(status, 'd.classify.saved');
  } catch (e) {
    if (gen !== S.gen) return;
    setText(status, '');
    showError(err, e);
  } finally {
    padded.fill(0);
    button.disabled = false;
  }
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

async function forwardCase() {
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

async function sendMessage(kind) {
  const reply = kind === 'reply';
  const box = $(reply ? 'reply-text' : 'note-text');
  const err = $(reply ? 'reply-error' : 'note-error');
  const status = $(reply ? 'reply-status' : 'note-status');
  const button = $(reply ? 'reply-send' : 'note-send');
  fieldError(box, err, '');
  setText(status, '');
  if (!box.value.trim()) {
    fieldError(box, err, reply ? 'd.case.replyRequired' : 'd.case.noteRequired');
    box.focus();
    return;
  }
  const id = S.caseId;
  const gen = S.gen;
  const padded = padDocument({ v: 1, kind, text: box.value }, S.office.maxPlaintext);
  if (!padded) {
    fieldError(box, err, 'error.textTooLong');
    box.focus();
    return;
  }
  button.disabled = true;
  setText(status, 'd.case.sending');
  const replyRecipient = S.caseData.replyRecipient;
  try {
    await sealAndSend(
      (office) => sealToBase64(padded, reply ? [...office.recipients, replyRecipient] : office.recipients),
      (ciphertext, keysetVersion) => authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/${reply ? 'replies' : 'notes'}`, {
        body: { ciphertext, keyset_version: keysetVersion },
      }),
    );
    if (gen !== S.gen) return;
    box.value = '';
    await openCase(id, { focus: false, reload: true });
    setText(status, reply ? 'd.case.replySent' : 'd.case.noteSent');
  } catch (e) {
    if (gen !== S.gen) return;
    setText(status, '');
    const { key, vars } = explain(e);
    fieldError(box, err, key, vars);
    box.focus();
  } finally {
    padded.fill(0);
    button.disabled = false;
  }
}

async function onRetention(event) {
  event.preventDefault();
  const c = S.caseData?.summary;
  if (!c) return;
  const form = $('retention-form');
  clearMessages(form);
  const date = $('retention-date');
  const reason = $('retention-reason');
  const floor = [c.delete_after, today()].sort().pop();
  let bad = null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date.value) || date.value <= floor) {
    fieldError(date, $('retention-date-error'), 'd.case.retentionDateInvalid', { date: { date: floor } });
    bad = date;
  }
  if (!reason.value.trim()) {
    fieldError(reason, $('retention-reason-error'), 'd.case.retentionReasonRequired');
    bad ??= reason;
  }
  if (bad) {
    bad.focus();
    return;
  }
  const id = S.caseId;
  $('retention-send').disabled = true;
  try {
    const updated = await authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/retention`, {
      body: { delete_after: date.value, reason: reason.value.trim() },
    });
    reason.value = '';
    date.value = '';
    await openCase(id, { focus: false, reload: true });
    setText($('retention-status'), 'd.case.retentionDone', { date: { date: updated?.delete_after ?? '' } });
  } catch (e) {
    await afterConflict(e, $('retention-error'));
  } finally {
    $('retention-send').disabled = false;
  }
}

async function onExport() {
  const id = S.caseId;
  setText($('export-error'), '');
  setText($('export-status'), '');
  $('export').disabled = true;
  try {
    const blob = await authed('GET', `/v1/desk/cases/${encodeURIComponent(id)}/export`, { blob: true });
    download(new Blob([blob], { type: 'application/octet-stream' }), `case-${safeName(id)}.age`);
    setText($('export-status'), 'd.case.exported');
  } catch (e) {
    showError($('export-error'), e);
  } finally {
    $('export').disabled = false;
  }
}

const CHANNELS = ['phone', 'in_person', 'letter'];

function showOral() {
  wipeOral();
  show('oral');
  renderOral();
}

function renderOral() {
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
function wipeOral() {
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

async function onOralSubmit(event) {
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

function onOralFinish() {
  wipeOral();
  showInbox();
}

async function showRewrap() {
  const gen = S.gen;
  show('rewrap');
  S.rewrapErrors = [];
  $('rewrap-progress-box').hidden = true;
  setText($('rewrap-progress-text'), '');
  try {
    await refreshOffice();
    await loadCasework();
    const all = await authed('GET', '/v1/desk/cases?filter=all');
    if (gen !== S.gen) return;
    S.allCases = all;
    S.rewrapList = all.cases.filter((c) => c.keyset_version < S.office.keysetVersion);
    S.rewrapLabels = staleLabels();
    renderRewrap();
  } catch (e) {
    if (gen !== S.gen) return;
    S.rewrapErrors = [{ id: '', ...explain(e) }];
    renderRewrap();
  }
}

function renderRewrap() {
  setText($('rewrap-intro'), 'd.rewrap.intro', { v: S.office?.keysetVersion ?? '' });
  const ul = $('rewrap-list');
  ul.replaceChildren();
  for (const c of S.rewrapList) ul.append(el('li', {}, t('d.rewrap.item', { id: short(c.id), v: c.keyset_version })));
  for (const l of S.rewrapLabels) ul.append(el('li', {}, t('d.rewrap.labelItem', { name: labelName(l), v: l.keyset_version })));
  const total = S.rewrapList.length + S.rewrapLabels.length;
  $('rewrap-none').hidden = total > 0;
  ul.hidden = total === 0;
  $('rewrap-start').hidden = total === 0;
  const errs = $('rewrap-errors');
  errs.replaceChildren();
  for (const e of S.rewrapErrors) {
    const reason = t(e.key, resolveVars(e.vars));
    let line = reason;
    if (e.label) line = t('d.rewrap.labelFailed', { name: e.label, reason });
    else if (e.id) line = t('d.rewrap.failed', { id: short(e.id), reason });
    errs.append(el('li', {}, line));
  }
  renderRewrapCount();
}

async function rewrapCase(id, retried = false) {
  // Opened to re-encrypt, not to read: the reporter's messages stay marked as new.
  const detail = await authed('GET', `/v1/desk/cases/${encodeURIComponent(id)}?read=false`);
  const identity = S.session.identity;
  const office = S.office;
  const reseal = async (b64, extra) => {
    let plain;
    try {
      plain = await openBytes(b64, identity);
    } catch {
      throw new DeskError('d.rewrap.undecryptable');
    }
    try {
      // The same plaintext, padding included, so the same bucket.
      return await sealToBase64(plain, extra ? [...office.recipients, extra] : office.recipients);
    } finally {
      plain.fill(0);
    }
  };
  const body = {
    keyset_version: office.keysetVersion,
    // The report and the reporter's own messages stay readable with the receipt; notes do not.
    ciphertext: await reseal(detail.ciphertext, detail.reply_recipient),
    attachments: [],
    messages: [],
  };
  for (const a of detail.attachments ?? []) body.attachments.push({ id: a.id, ciphertext: await reseal(a.ciphertext) });
  for (const m of detail.messages ?? []) {
    body.messages.push({ id: m.id, ciphertext: await reseal(m.ciphertext, m.direction === 'note' ? null : detail.reply_recipient) });
  }
  try {
    await authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/rewrap`, { body });
  } catch (e) {
    if (retried || !['stale-keyset', 'wrong-stanza-count', 'case-changed'].includes(problemName(e))) throw e;
    await refreshOffice();
    await rewrapCase(id, true);
  }
}

/** A label again for the current key set: the same name, encrypted anew (PUT keeps its id). */
async function rewrapLabel(l) {
  if (l.failed) throw new DeskError('d.rewrap.labelUndecryptable');
  await putLabel(l.id, l.name);
}

async function onRewrap() {
  const gen = S.gen;
  const list = [...S.rewrapList];
  const labels = [...S.rewrapLabels];
  if (!list.length && !labels.length) return;
  const total = list.length + labels.length;
  S.rewrapErrors = [];
  renderRewrap();
  const button = $('rewrap-start');
  button.disabled = true;
  const bar = $('rewrap-progress');
  $('rewrap-progress-box').hidden = false;
  bar.max = total;
  bar.value = 0;
  setText($('rewrap-progress-text'), 'd.rewrap.progress', { done: 0, total });
  let ok = 0;
  let okLabels = 0;
  let done = 0;
  const step = () => {
    done++;
    bar.value = done;
    setText($('rewrap-progress-text'), 'd.rewrap.progress', { done, total });
  };
  for (const c of list) {
    try {
      await rewrapCase(c.id);
      ok++;
    } catch (e) {
      if (gen !== S.gen) return;
      S.rewrapErrors.push({ id: c.id, ...explain(e) });
    }
    if (gen !== S.gen) return;
    step();
  }
  for (const l of labels) {
    try {
      await rewrapLabel(l);
      okLabels++;
    } catch (e) {
      if (gen !== S.gen) return;
      S.rewrapErrors.push({ label: labelName(l), ...explain(e) });
    }
    if (gen !== S.gen) return;
    step();
  }
  try {
    await loadCasework();
    const all = await authed('GET', '/v1/desk/cases?filter=all');
    if (gen !== S.gen) return;
    S.allCases = all;
    S.rewrapList = all.cases.filter((c) => c.keyset_version < S.office.keysetVersion);
    S.rewrapLabels = staleLabels();
  } catch { /* the list stays as it was */ }
  button.disabled = false;
  renderRewrap();
  if (labels.length) {
    setText($('rewrap-progress-text'), 'd.rewrap.doneLabels', { ok, total: list.length, okLabels, labels: labels.length });
  } else {
    setText($('rewrap-progress-text'), 'd.rewrap.done', { ok, total: list.length });
  }
}

const MAX_CONSEQUENCES = 4;
const ANSWER_FIELDS = ['incident_type', 'racism_form', 'reporter_role', 'perpetrator_role', 'setting', 'admin_area', 'consequences', 'reported_further'];

/**
 * The statistics fields of a decrypted document, if it has any. Only values of the taxonomy
 * are kept: one report with an unknown value would otherwise make the server refuse the whole
 * quarter, and the shuffled batch could not tell which case it was (the CLI drops them too).
 */
function answersOf(doc) {
  const a = doc?.stats;
  if (!a || typeof a !== 'object' || Array.isArray(a)) return null;
  const known = (field, v) => typeof v === 'string' && Object.hasOwn(TAXONOMY[field]?.values ?? {}, v);
  const out = {};
  for (const k of ANSWER_FIELDS.filter((f) => f !== 'consequences')) {
    if (known(k, a[k])) out[k] = a[k];
  }
  if (Array.isArray(a.consequences)) {
    const list = [...new Set(a.consequences.filter((c) => known('consequences', c)))];
    if (list.length && list.length <= MAX_CONSEQUENCES) out.consequences = list;
  }
  return out;
}

/** The office's classification wins field by field over the reporter's answers. */
function merge(reporter, officer) {
  const out = { ...(reporter ?? {}) };
  for (const [k, v] of Object.entries(officer ?? {})) {
    if (v !== null && v !== undefined && !(Array.isArray(v) && !v.length)) out[k] = v;
  }
  return out;
}

/** Fisher–Yates with the browser's CSPRNG: the order says nothing about the cases. */
function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const r = new Uint32Array(1);
    crypto.getRandomValues(r);
    const j = r[0] % (i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

function quarterDays(q) {
  const [y, n] = q.split('-Q').map(Number);
  const first = `${y}-${String(n * 3 - 2).padStart(2, '0')}-01`;
  const lastMonth = n * 3;
  const last = new Date(Date.UTC(y, lastMonth, 0)).toISOString().slice(0, 10);
  return [first, last];
}

async function showStats() {
  const gen = S.gen;
  show('stats');
  S.statsError = null;
  $('stats-progress-box').hidden = true;
  setText($('stats-status'), '');
  try {
    const answer = await authed('GET', '/v1/desk/stats/contributions');
    if (gen !== S.gen) return;
    S.quarters = answer.quarters;
  } catch (e) {
    if (gen !== S.gen) return;
    S.quarters = [];
    S.statsError = explain(e);
  }
  renderStats();
}

function renderStats() {
  const body = $('stats-rows');
  body.replaceChildren();
  for (const q of S.quarters ?? []) {
    const tr = el('tr');
    tr.append(el('th', { scope: 'row' }, q.quarter));
    tr.append(el('td', {}, String(q.cases)));
    let key = 'd.stats.state.due';
    if (q.frozen) key = 'd.stats.state.frozen';
    else if (q.cases === 0) key = 'd.stats.state.none';
    else if (q.contributed === q.cases) key = 'd.stats.state.done';
    tr.append(el('td', {}, t(key, { n: q.contributed })));
    const td = el('td');
    if (!q.frozen && q.cases > 0) {
      const again = q.contributed === q.cases;
      td.append(el('button', { type: 'button', class: again ? 'secondary small' : 'primary small', 'data-quarter': q.quarter },
        t(again ? 'd.stats.again' : 'd.stats.send', { q: q.quarter })));
    }
    tr.append(td);
    body.append(tr);
  }
  setText($('stats-error'), S.statsError ? t(S.statsError.key, resolveVars(S.statsError.vars)) : '');
}

async function onContribute(quarter, button) {
  const gen = S.gen;
  S.statsError = null;
  setText($('stats-error'), '');
  for (const b of document.querySelectorAll('#stats-rows button')) b.disabled = true;
  const [first, last] = quarterDays(quarter);
  try {
    const all = await authed('GET', '/v1/desk/cases?filter=all');
    if (gen !== S.gen) return;
    const cases = all.cases.filter((c) => c.received_on >= first && c.received_on <= last);
    const bar = $('stats-progress');
    $('stats-progress-box').hidden = false;
    bar.max = Math.max(cases.length, 1);
    bar.value = 0;
    const identity = S.session.identity;
    const records = [];
    let unreadable = 0;
    for (const [i, c] of cases.entries()) {
      // Read for the statistics, not as a reading of the case: no "seen" mark.
      const detail = await authed('GET', `/v1/desk/cases/${encodeURIComponent(c.id)}?read=false`);
      if (gen !== S.gen) return;
      let reporter = null;
      try {
        reporter = answersOf(await openDoc(detail.ciphertext, identity));
      } catch {
        unreadable++;
      }
      let officer = null;
      for (const m of (detail.messages ?? []).filter((x) => x.direction === 'note')) {
        try {
          const doc = await openDoc(m.ciphertext, identity);
          if (doc.kind === 'classification') officer = answersOf(doc) ?? officer;
        } catch { /* a note for an older key: counts without it */ }
      }
      records.push(merge(reporter, officer));
      bar.value = i + 1;
      setText($('stats-status'), 'd.stats.progress', { done: i + 1, total: cases.length });
    }
    const answer = await authed('POST', '/v1/desk/stats/contributions', { body: { quarter, records: shuffle(records) } });
    if (gen !== S.gen) return;
    const done = t('d.stats.sent', { n: answer.records, q: quarter });
    await showStats();
    setText($('stats-status'), unreadable ? `${done} ${t('d.stats.unreadable', { n: unreadable })}` : done);
  } catch (e) {
    if (gen !== S.gen) return;
    S.statsError = explain(e);
    $('stats-progress-box').hidden = true;
    setText($('stats-status'), '');
    renderStats();
  } finally {
    for (const b of document.querySelectorAll('#stats-rows button')) b.disabled = false;
    button?.focus?.();
  }
}

function inviteToken() {
  const m = /(?:^#|&)invite=([^&]*)/.exec(location.hash);
  if (!m) return null;
  // A mangled link is an invalid invitation, said as such, not a page that never starts.
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return 'invalid';
  }
}

function takeInvite() {
  const token = inviteToken();
  // The token leaves the address bar (and the history entry) right away.
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  return token;
}

function wire() {
  document.addEventListener('click', onPassToggle);
  $('protect-passphrase').addEventListener('change', () => {
    $('passphrase-fields').hidden = !$('protect-passphrase').checked;
  });
  for (const id of ['protect-passkey', 'protect-passphrase']) $(id).addEventListener('change', () => setText($('protect-error'), ''));
  for (const [i, e] of [['enroll-pass', 'enroll-pass-error'], ['enroll-pass2', 'enroll-pass2-error'], ['key-file-pass', 'key-file-pass-error'],
    ['passkey-office', 'passkey-office-error'], ['file-office', 'file-office-error'], ['reply-text', 'reply-error'], ['note-text', 'note-error'],
    ['retention-date', 'retention-date-error'], ['retention-reason', 'retention-reason-error'], ['forward-recipient', 'forward-recipient-error']]) {
    $(i).addEventListener('input', () => fieldError($(i), $(e), ''));
  }
  $('enroll-form').addEventListener('submit', onEnroll);
  $('enroll-download').addEventListener('click', onDownloadBackup);
  $('enroll-continue').addEventListener('click', onEnrollContinue);
  $('passkey-login').addEventListener('submit', onPasskeyLogin);
  $('file-login').addEventListener('submit', onFileLogin);
  $('key-file').addEventListener('change', onKeyFileChange);
  $('lock').addEventListener('click', () => lock('manual'));
  $('nav-inbox').addEventListener('click', () => { if (S.session) showInbox(); });
  $('nav-rewrap').addEventListener('click', () => { if (S.session) showRewrap(); });
  $('nav-oral').addEventListener('click', () => { if (S.session) showOral(); });
  $('oral-start').addEventListener('click', () => { if (S.session) showOral(); });
  $('oral-form').addEventListener('submit', onOralSubmit);
  $('oral-print').addEventListener('click', () => print());
  $('oral-finish').addEventListener('click', onOralFinish);
  $('oral-text').addEventListener('input', () => fieldError($('oral-text'), $('oral-text-error'), ''));
  for (const r of document.querySelectorAll('input[name="oral-channel"]')) {
    r.addEventListener('change', () => { setText($('oral-channel-error'), ''); $('oral-channel-phone').removeAttribute('aria-invalid'); });
  }
  $('mine').addEventListener('change', () => {
    S.mine = $('mine').checked;
    loadInbox();
  });
  $('label-filter').addEventListener('change', () => {
    S.labelFilter = $('label-filter').value;
    if (S.inbox) renderInbox();
  });
  $('label-add-form').addEventListener('submit', onLabelAdd);
  $('label-new').addEventListener('input', () => fieldError($('label-new'), $('label-new-error'), ''));
  $('labels-list').addEventListener('click', onLabelAction);
  $('labels-list').addEventListener('submit', onLabelRename);
  $('assignee-form').addEventListener('submit', onAssigneeSave);
  $('case-labels-form').addEventListener('submit', onCaseLabelsSave);
  $('nav-stats').addEventListener('click', () => { if (S.session) showStats(); });
  $('stats-rows').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-quarter]');
    if (b) onContribute(b.dataset.quarter, b);
  });
  $('keys-notice-go').addEventListener('click', () => showRewrap());
  $('inbox-refresh').addEventListener('click', () => loadInbox());
  for (const r of document.querySelectorAll('input[name="filter"]')) {
    r.addEventListener('change', () => {
      if (!r.checked) return;
      S.filter = r.value;
      loadInbox();
    });
  }
  $('sort-deadline').addEventListener('click', () => {
    S.sortDir = S.sortDir === 'asc' ? 'desc' : 'asc';
    if (S.inbox) renderInbox();
  });
  $('inbox-rows').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-case]');
    if (b) openCase(b.dataset.case);
  });
  $('case-back').addEventListener('click', () => showInbox());
  $('status-actions').addEventListener('click', onStatusClick);
  $('reply-form').addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage('reply'); });
  $('note-form').addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage('note'); });
  $('classify-form').addEventListener('submit', (ev) => { ev.preventDefault(); saveClassification(); });
  $('forward-form').addEventListener('submit', (ev) => { ev.preventDefault(); forwardCase(); });
  $('retention-form').addEventListener('submit', onRetention);
  $('export').addEventListener('click', onExport);
  $('rewrap-start').addEventListener('click', onRewrap);
  for (const ev of ['keydown', 'pointerdown', 'input', 'wheel', 'touchstart']) {
    document.addEventListener(ev, () => { if (S.session) armIdle(); }, { capture: true, passive: true });
  }
  window.addEventListener('hashchange', () => {
    const token = takeInvite();
    if (token && !S.session) startEnroll(token);
  });
  // Leaving the page drops everything too (nothing is kept for a back/forward restore).
  window.addEventListener('pagehide', () => { if (S.session) lock('manual'); });
}

async function main() {
  setupLanguage(rerender);
  $('lang-switch').hidden = false;
  if (!revealApp()) return;
  const token = takeInvite();
  const config = await loadConfig();
  const q = new URLSearchParams(location.search);
  const idle = Number(q.get('idle'));
  const fromServer = Number(config.idle_secs);
  // A link may shorten the idle lock, never lengthen it beyond what the server configured.
  const configured = fromServer > 0 ? fromServer : 900;
  S.idleSecs = idle > 0 ? Math.min(idle, configured) : configured;
  const office = (q.get('office') ?? '').toLowerCase();
  if (SLUG.test(office)) {
    $('passkey-office').value = office;
    $('file-office').value = office;
  }
  wire();
  renderAccounts();
  renderUnlockIntro();
  if (token) await startEnroll(token);
  else show('unlock', { focus: false });
  document.body.dataset.ready = 'true';
}

main();
