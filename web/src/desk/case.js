// One case: decrypted report, attachments and thread, its status steps, replies and notes,
// keeping a closed case longer, and the export of the raw file.

import { t, formatDate, formatDateTime, formatBytes, fieldTitle, valueLabel } from '../i18n.js';
import { $, sealToBase64, setText } from '../common.js';
import { padDocument } from '../padding.js';
import { ApiError, problemName, explain } from './api.js';
import { S } from './state.js';
import {
  el, showError, fieldError, clearMessages, short, daysBetween, today, daysText, statusWord,
} from './dom.js';
import { show } from './views.js';
import { blobUrl, revokeAll, download, safeName, safeType } from './blobs.js';
import { openBytes, openDoc } from './age.js';
import { authed, refreshOffice, sealAndSend } from './session.js';
import { wipeCase } from './lock.js';
import { loadCasework, seenText, renderCasework, keysetMarker, officerName } from './casework.js';
import { answersSummary, renderClassification } from './classification.js';
import { answersOf } from './statistics.js';

const PREVIEW_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const NEXT = {
  received: ['acknowledged'],
  acknowledged: ['in_progress', 'feedback_given'],
  in_progress: ['feedback_given'],
  feedback_given: ['in_progress', 'closed'],
  closed: [],
};

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

/** Whether this officer has seen the report and every message of the reporter already. */
function seenByMe(detail) {
  const me = S.session?.officer?.id;
  const has = (list) => Array.isArray(list) && list.includes(me);
  return has(detail.report_seen_by)
    && (detail.messages ?? []).filter((m) => m.direction === 'reporter').every((m) => has(m.seen_by));
}

export async function openCase(id, { focus = true, reload = false } = {}) {
  const gen = S.gen;
  if (!reload || S.caseId !== id) {
    wipeCase();
    revokeAll();
    for (const n of ['reply-text', 'note-text', 'retention-reason', 'retention-date', 'forward-recipient']) $(n).value = '';
    S.caseId = id;
  }
  // The reference the reporter was given, which a caller reads out.
  const listed = S.allCases?.cases?.find((c) => c.id === id);
  setText($('case-heading'), 'd.case.heading', { id: listed?.reference ?? short(id) });
  show('case', { focus });
  setText($('case-error'), '');
  setText($('case-status-line'), 'd.case.loading');
  try {
    if (!S.office) await refreshOffice();
    if (!S.officers || !S.labels) await loadCasework();
    // Opened without marking it as seen: only a case this officer can read counts as seen.
    const path = `/v1/desk/cases/${encodeURIComponent(id)}`;
    const detail = await authed('GET', `${path}?read=false`);
    const data = await decryptCase(detail, S.session.identity);
    if (!data.docFailed && !seenByMe(detail)) {
      const seen = await authed('GET', path);
      data.reportSeenBy = Array.isArray(seen.report_seen_by) ? seen.report_seen_by : data.reportSeenBy;
      const byId = new Map((seen.messages ?? []).map((m) => [m.id, m.seen_by]));
      for (const m of data.thread) m.seen_by = byId.get(m.id) ?? m.seen_by;
    }
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

export function renderCase() {
  const d = S.caseData;
  const c = d.summary;
  const now = today();
  setText($('case-heading'), 'd.case.heading', { id: c.reference ?? short(c.id) });

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

  // A case this officer's access cannot open yet: nothing that needs its content is offered
  // (no step, no reply, no note, no labels, no classification, no print, no forwarding).
  const unreadable = d.docFailed;
  $('case-unreadable').hidden = !unreadable;
  for (const h of ['status-heading', 'casework-heading', 'reply-heading', 'note-heading', 'classify-heading', 'print-heading', 'forward-heading']) {
    $(h).closest('section').hidden = unreadable;
  }
  $('report-seen').hidden = unreadable;

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

/** What the report says, as a list of terms: its text, when, where, language, and for a report
 * an officer recorded how it came and whether the person confirmed it (also the print's). */
export function reportFacts(doc, listClass, bodyClass) {
  const dl = el('dl', { class: listClass });
  const row = (key, value, cls) => {
    const div = el('div');
    div.append(el('dt', {}, t(key)), el('dd', { class: cls }, value));
    dl.append(div);
  };
  row('d.case.report.text', typeof doc.text === 'string' ? doc.text : '', bodyClass);
  if (doc.when) row('d.case.report.when', String(doc.when));
  if (doc.where) row('d.case.report.where', String(doc.where));
  if (doc.lang) row('d.case.report.lang', ['de', 'en'].includes(doc.lang) ? t(`d.lang.${doc.lang}`) : String(doc.lang));
  if (doc.channel) row('d.case.report.channel', ['phone', 'in_person', 'letter'].includes(doc.channel) ? t(`d.channel.${doc.channel}`) : String(doc.channel));
  if (typeof doc.confirmed === 'boolean') row('d.case.report.confirmed', t(doc.confirmed ? 'd.case.report.confirmedYes' : 'd.case.report.confirmedNo'));
  return dl;
}

/** The reporter's optional answers in the report, one line each ("Field: value, value"). */
export function answerLines(doc) {
  const stats = doc.stats && typeof doc.stats === 'object' ? doc.stats : null;
  const entries = stats ? Object.entries(stats).filter(([k]) => k !== 'taxonomy_version') : [];
  return entries.map(([k, v]) => {
    const label = k === 'quarter' ? t('stats.quarter') : fieldTitle(k);
    const values = v === null || v === undefined || (Array.isArray(v) && !v.length)
      ? t('d.case.report.none')
      : (Array.isArray(v) ? v : [v]).map((x) => valueLabel(k, String(x))).join(', ');
    return `${label}: ${values}`;
  });
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
  root.append(reportFacts(doc, 'doc', 'body'));
  const answers = answerLines(doc);
  if (answers.length) {
    root.append(el('h4', { id: 'report-stats-heading' }, t('d.case.report.stats')));
    const ul = el('ul', { class: 'stats-answers', 'aria-labelledby': 'report-stats-heading' });
    for (const line of answers) ul.append(el('li', {}, line));
    root.append(ul);
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
    // An office's reply or note names who wrote it and when, to the minute; a reporter's
    // message has its day only (and older replies and notes too).
    const meta = m.author && m.written_at && dir !== 'reporter'
      ? t(`d.case.by.${dir}`, { name: officerName(m.author), when: formatDateTime(m.written_at) })
      : t(`d.case.from.${dir}`, { date: formatDate(m.created_on) });
    li.append(el('p', { class: 'meta' }, meta));
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

export async function onStatusClick(event) {
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

export async function sendMessage(kind) {
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

export async function onRetention(event) {
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

export async function onExport() {
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
