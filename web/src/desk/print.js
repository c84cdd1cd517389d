// The case file for the paper record: "Print / save as PDF" and the browser's own print command
// print a document made for paper (the office, the case reference and the print date; status
// and deadlines; the report; the thread in order with who wrote each office message and when;
// internal notes only when asked for, marked as internal). It is built from the open case when
// printing starts and dropped when it ends: nothing is rendered on a server, nothing is kept,
// and no other case than the one on screen is ever in it. The print stylesheet (style.css)
// shows only this document on paper.

import { t, lang, formatDate, formatBytes } from '../i18n.js';
import { $ } from '../common.js';
import { S } from './state.js';
import { el, short, statusWord } from './dom.js';
import { safeName, safeType } from './blobs.js';
import { assigneeName, labelById, labelName } from './casework.js';
import { answersSummary } from './classification.js';
import { reportFacts, answerLines } from './case.js';

/** A moment (`written_at`, UTC) to the minute, in the reader's language and time zone. */
function formatMinute(value) {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(lang() === 'de' ? 'de-DE' : 'en-GB', {
    day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  }).format(d);
}

/** Whether the case on screen is loaded in full and is the one the desk has open. */
function openCase() {
  const d = S.caseData;
  if (S.view !== 'case' || !d || !S.session || $('view-case').hidden || $('case-body').hidden) return null;
  if (d.summary?.id !== S.caseId) return null;
  return d;
}

function facts(rows) {
  const dl = el('dl', { class: 'print-facts' });
  for (const [label, value] of rows) {
    if (!value) continue;
    const div = el('div');
    div.append(el('dt', {}, label), el('dd', {}, value));
    dl.append(div);
  }
  return dl;
}

function statusSection(d) {
  const c = d.summary;
  const over = (flag) => (flag ? ` (${t('d.print.overdue')})` : '');
  const labels = (c.labels ?? []).map(labelById).filter(Boolean).map(labelName);
  const section = el('section', { class: 'print-section' });
  section.append(el('h3', {}, t('d.print.statusHeading')));
  section.append(facts([
    [t('d.print.reference'), c.reference ?? short(c.id)],
    [t('d.case.status'), statusWord(c.status)],
    [t('d.case.received'), formatDate(c.received_on)],
    [t('d.case.ackDue'), c.acknowledged_on ? '' : formatDate(c.ack_due) + over(c.ack_overdue)],
    [t('d.case.acknowledged'), c.acknowledged_on ? formatDate(c.acknowledged_on) : ''],
    [t('d.case.feedbackDue'), c.closed_on ? '' : formatDate(c.feedback_due) + over(c.feedback_overdue)],
    [t('d.case.closedOn'), c.closed_on ? formatDate(c.closed_on) : ''],
    [t('d.case.deleteAfter'), c.delete_after ? formatDate(c.delete_after) : ''],
    [t('d.print.assignee'), c.assignee ? assigneeName(c.assignee) : t('d.casework.assigneeAll')],
    [t('d.print.labels'), labels.join(', ')],
  ]));
  return section;
}

function reportSection(d) {
  const section = el('section', { class: 'print-section' });
  section.append(el('h3', {}, t('d.case.reportHeading')));
  if (d.docFailed) {
    section.append(el('p', { class: 'print-unreadable' }, t('d.print.unreadable')));
  } else {
    const doc = d.doc ?? {};
    section.append(reportFacts(doc, 'print-doc', 'print-body'));
    const answers = answerLines(doc);
    if (answers.length) {
      section.append(el('h4', {}, t('d.case.report.stats')));
      const ul = el('ul', { class: 'print-answers' });
      for (const line of answers) ul.append(el('li', {}, line));
      section.append(ul);
    }
  }
  if (d.attachments.length) {
    section.append(el('h4', {}, t('d.print.attachments')));
    const ul = el('ul', { class: 'print-answers' });
    for (const a of d.attachments) {
      const name = safeName(a.meta?.name, t('d.case.attachmentUnnamed', { n: a.n }));
      ul.append(el('li', {}, a.failed
        ? `${name}: ${t('d.print.unreadable')}`
        : t('d.case.attachment', { name, type: safeType(a.meta?.type), size: formatBytes(a.bytes.length) })));
    }
    section.append(ul);
  }
  return section;
}

function threadSection(d, notes) {
  const section = el('section', { class: 'print-section' });
  section.append(el('h3', {}, t(notes ? 'd.print.threadWithNotes' : 'd.print.thread')));
  const items = d.thread.filter((m) => notes || m.direction !== 'note');
  if (!items.length) {
    section.append(el('p', {}, t('d.print.noMessages')));
    return section;
  }
  const ol = el('ol', { class: 'print-thread' });
  for (const m of items) {
    const dir = ['reporter', 'office', 'note'].includes(m.direction) ? m.direction : 'note';
    const li = el('li', { class: `print-msg ${dir}` });
    if (dir === 'reporter') {
      li.append(el('p', { class: 'print-meta' }, t('d.print.from.reporter', { date: formatDate(m.created_on) })));
    } else {
      const name = m.author ? assigneeName(m.author) : t('d.print.officeAuthor');
      const when = m.written_at ? formatMinute(m.written_at) : formatDate(m.created_on);
      if (dir === 'note') li.append(el('p', { class: 'print-internal' }, t('d.print.internal')));
      li.append(el('p', { class: 'print-meta' }, t(`d.print.from.${dir}`, { name, when })));
    }
    if (m.failed) li.append(el('p', { class: 'print-unreadable' }, t('d.print.unreadable')));
    else if (m.answers) li.append(el('p', { class: 'print-body' }, t('d.classify.note', { summary: answersSummary(m.answers) })));
    else li.append(el('p', { class: 'print-body' }, m.text));
    ol.append(li);
  }
  section.append(ol);
  return section;
}

/** Builds the case file of the open case; false (and nothing built) when no case is open. */
export function buildCaseFile({ notes = false } = {}) {
  dropCaseFile();
  const d = openCase();
  if (!d) return false;
  const root = $('print-file');
  const c = d.summary;
  const head = el('header', { class: 'print-head' });
  head.append(
    el('p', { class: 'print-office' }, t('d.print.office', { name: S.office?.name ?? S.session.office })),
    el('h2', { class: 'print-title' }, t('d.print.title', { reference: c.reference ?? short(c.id) })),
    el('p', { class: 'print-printed' }, t('d.print.printed', {
      when: formatMinute(new Date()), name: S.session.officer?.display_name ?? '',
    })),
    el('p', { class: notes ? 'print-scope internal' : 'print-scope' }, t(notes ? 'd.print.withNotes' : 'd.print.withoutNotes')),
  );
  root.append(head, statusSection(d), reportSection(d), threadSection(d, notes));
  root.dataset.case = c.id;
  document.body.classList.add('print-case');
  return true;
}

export function dropCaseFile() {
  const root = $('print-file');
  root.replaceChildren();
  delete root.dataset.case;
  document.body.classList.remove('print-case');
}

/** "Print / save as PDF": the browser's print dialog, which fires beforeprint below. */
export function onPrintCase() {
  if (!openCase()) return;
  window.print();
}

/**
 * Printing from the desk, by the button or the browser's menu: on the case view the case file
 * is built just before and dropped right after; anywhere else there is no case file, and the
 * print stylesheet leaves nothing of a case on paper. When the case leaves the screen (another
 * case, the inbox, lock), a case file still there goes with it, and "with internal notes" is
 * asked again for the next case.
 */
export function watchPrinting() {
  window.addEventListener('beforeprint', () => {
    if (!buildCaseFile({ notes: $('print-notes').checked })) dropCaseFile();
  });
  window.addEventListener('afterprint', dropCaseFile);
  const check = () => {
    if ($('view-case').hidden || $('case-body').hidden) {
      if ($('print-file').firstChild) dropCaseFile();
      $('print-notes').checked = false;
    } else if ($('print-file').dataset.case && $('print-file').dataset.case !== S.caseId) {
      dropCaseFile();
    }
  };
  const mo = new MutationObserver(check);
  for (const id of ['view-case', 'case-body']) mo.observe($(id), { attributes: true, attributeFilter: ['hidden'] });
}
