// The inbox: the office's cases with their deadlines and marks, filtered and sorted.

import { t, formatDate, valueLabel } from '../i18n.js';
import { $, setText } from '../common.js';
import { S, hooks } from './state.js';
import { el, showError, short, daysBetween, daysText, statusWord } from './dom.js';
import { show } from './views.js';
import { authed, refreshOffice } from './session.js';
import { buildIndex, refreshIndex, indexed, terms, matches } from './search.js';
import {
  loadCasework, labelById, labelName, assigneeName, labelChips, renderLabelFilter,
} from './casework.js';

export async function showInbox({ focus = true } = {}) {
  show('inbox', { focus });
  await loadInbox();
}

function staleCount() {
  const v = S.office?.keysetVersion;
  return (S.allCases?.cases ?? []).filter((c) => c.keyset_version < v).length;
}

export function staleLabels() {
  const v = S.office?.keysetVersion;
  return (S.labels ?? []).filter((l) => l.keyset_version < v);
}

export function renderRewrapCount() {
  const n = staleCount() + staleLabels().length;
  if (n) setText($('nav-rewrap'), 'd.nav.rewrapCount', { n });
  else setText($('nav-rewrap'), 'd.nav.rewrap');
}

/** Loads the inbox; the cases' contents are decrypted once per unlock, and again on `reindex`. */
export async function loadInbox({ reindex = false } = {}) {
  const gen = S.gen;
  setText($('inbox-error'), '');
  setText($('inbox-status'), 'd.inbox.loading');
  // The cases' contents are fetched and decrypted beside the inbox's own requests.
  if (reindex || !S.index) buildIndex(scheduleRender);
  try {
    const filter = S.filter === 'closed' ? 'all' : S.filter;
    // Side by side: the office's keys, officers and labels, and the cases.
    const [, , tagged, filtered] = await Promise.all([
      refreshOffice(),
      loadCasework(),
      authed('GET', '/v1/desk/cases?filter=all', { etag: '' }),
      filter === 'all' && !S.mine ? null
        : authed('GET', `/v1/desk/cases?filter=${filter}${S.mine ? '&mine=true' : ''}`),
    ]);
    const all = tagged.data;
    if (gen !== S.gen) return;
    S.allCases = all;
    S.inboxTag = tagged.etag;
    S.inbox = filtered ?? all;
    renderInbox();
    setText($('inbox-status'), '');
    watchInbox();
    hooks.inboxLoaded?.();
  } catch (e) {
    if (gen !== S.gen) return;
    setText($('inbox-status'), '');
    showError($('inbox-error'), e);
  }
}

/** Asks every S.pollSecs while unlocked whether anything changed (an unchanged answer is a
 * bodiless 304); locking (a new generation) ends it. */
function watchInbox() {
  if (S.pollGen === S.gen) return;
  S.pollGen = S.gen;
  const gen = S.gen;
  const tick = async () => {
    if (gen !== S.gen) return;
    try {
      await pollInbox();
    } catch { /* the next tick tries again; "Neu laden" says what is wrong */ }
    if (gen === S.gen) setTimeout(tick, S.pollSecs * 1000);
  };
  setTimeout(tick, S.pollSecs * 1000);
}

/** The message counts that, when they change, mean a case's contents changed. */
const countsOf = (c) => `${c.messages?.from_reporter}/${c.messages?.from_office}/${c.messages?.notes}`;

/**
 * Takes in what changed since the last answer: new cases and new messages are decrypted for
 * the titles and the search (just those), the inbox is drawn again with focus where it was,
 * and new cases are announced.
 */
export async function pollInbox() {
  const gen = S.gen;
  if (!S.session || !S.allCases) return;
  const got = await authed('GET', '/v1/desk/cases?filter=all', { etag: S.inboxTag ?? '' });
  if (gen !== S.gen || got.notModified) return;
  const before = new Map(S.allCases.cases.map((c) => [c.id, c]));
  const all = got.data;
  const arrived = all.cases.filter((c) => !before.has(c.id));
  const changed = all.cases.filter((c) => !before.has(c.id) || countsOf(before.get(c.id)) !== countsOf(c));
  const filter = S.filter === 'closed' ? 'all' : S.filter;
  const inbox = filter === 'all' && !S.mine ? all
    : await authed('GET', `/v1/desk/cases?filter=${filter}${S.mine ? '&mine=true' : ''}`);
  if (gen !== S.gen) return;
  S.allCases = all;
  S.inboxTag = got.etag;
  S.inbox = inbox;
  if (changed.length) {
    // Not awaited: the inbox is drawn meanwhile. A failure (a lock, the network) leaves those
    // cases' titles as they were until they change again or the officer reloads.
    refreshIndex(changed.map((c) => c.id), scheduleRender).catch(() => {});
  }
  if (S.view !== 'inbox') return;
  const focused = document.activeElement?.closest?.('#inbox-rows [data-case]')?.dataset.case;
  renderInbox();
  if (focused) document.querySelector(`#inbox-rows [data-case="${CSS.escape(focused)}"]`)?.focus();
  if (arrived.length) setText($('inbox-status'), arrived.length === 1 ? 'd.inbox.arrived1' : 'd.inbox.arrived', { n: arrived.length });
}

function nextDeadline(c) {
  switch (c.status) {
    case 'received': return { kind: 'ack', date: c.ack_due };
    case 'acknowledged':
    case 'in_progress': return { kind: 'feedback', date: c.feedback_due };
    case 'closed': return c.delete_after ? { kind: 'delete', date: c.delete_after } : null;
    default: return null;
  }
}

function deadlineCell(c, td) {
  const d = nextDeadline(c);
  if (!d) {
    td.append(el('span', {}, t('d.deadline.none')));
    return;
  }
  td.append(el('span', { class: 'deadline' }, t(`d.deadline.${d.kind}`, { date: formatDate(d.date) })));
  if (d.kind !== 'delete') {
    const n = daysBetween(S.inbox.today, d.date);
    td.append(el('br'), el('span', { class: n < 0 ? 'days over' : 'days' }, daysText(n)));
  }
}

function marksFor(c) {
  const marks = [];
  if (c.ack_overdue || c.feedback_overdue) marks.push(['overdue', 'd.mark.overdue']);
  else if (c.due_soon) marks.push(['soon', 'd.mark.dueSoon']);
  if (c.opened === false) marks.push(['newcase', 'd.mark.newCase']);
  if (c.messages?.unread_from_reporter > 0) marks.push(['new', 'd.mark.new']);
  if (S.office && c.keyset_version < S.office.keysetVersion) marks.push(['keys', 'd.mark.keys']);
  return marks;
}

let renderTimer = null;
let lastRender = 0;

/** Re-renders the inbox at most every quarter second while the worker answers. */
/**
 * Draws what the index learnt: at once the first time and when it is done, in between at most
 * every 250 ms, and every second once many cases are in (drawing the inbox sorts them all, and
 * takes the cores the decryption needs).
 */
function scheduleRender() {
  const finished = Boolean(S.index?.finished);
  if (renderTimer !== null && !finished) return;
  clearTimeout(renderTimer);
  const gap = (S.index?.done ?? 0) > 1000 ? 1000 : 250;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    lastRender = performance.now();
    if (S.inbox && S.view === 'inbox') renderInbox();
    else renderIndexStatus();
  }, finished ? 0 : Math.max(0, lastRender + gap - performance.now()));
}

function renderIndexStatus() {
  const ix = S.index;
  if (!ix || ix.total === null) setText($('index-status'), ix ? 'd.inbox.indexStart' : null);
  else if (ix.failed) setText($('index-status'), 'd.inbox.indexFailed');
  else if (!ix.finished) setText($('index-status'), 'd.inbox.indexProgress', { done: ix.done, total: ix.total });
  else setText($('index-status'), 'd.inbox.indexDone', { n: ix.total });
}

/** The case's first cell: its title (or what stands in for one), its reference and labels. */
function caseCell(c) {
  const th = el('th', { scope: 'row' });
  const entry = indexed(c.id);
  let title;
  if (!entry) title = t('d.inbox.titlePending');
  else if (!entry.readable) title = t('d.inbox.titleUnreadable');
  else title = entry.title || t('d.inbox.titleEmpty');
  const open = el('button', { type: 'button', class: 'link open-case', 'data-case': c.id }, title);
  if (!entry || !entry.readable) open.classList.add('muted-title');
  th.append(open);
  th.append(el('span', { class: 'reference', dir: 'ltr' }, c.reference ?? short(c.id)));
  const chips = labelChips(c.labels);
  if (chips) th.append(chips);
  return th;
}

/** A cell named by its column, for the phone's cards, where the table's head is not shown. */
const cell = (col, attrs = {}, ...children) => el('td', { ...attrs, 'data-label': t(`d.inbox.col.${col}`) }, ...children);

function typeCell(c) {
  const type = indexed(c.id)?.type;
  return cell('type', { class: 'type' }, type ? valueLabel('incident_type', type) : t('d.inbox.typeNone'));
}

/** How many rows the inbox draws at first, and adds with each "more": a table of ten thousand
 * rows costs seconds to draw, and is drawn again on every keystroke of a search. */
export const ROWS = 200;

// Per inbox answer (gone with it), the direction and the cases in that order.
const sortedOf = new WeakMap();

/**
 * The inbox's cases by next deadline, then by day received: sorted once per answer and
 * direction, so that a keystroke of the search only filters. ISO dates sort as plain strings.
 */
function sorted(inbox) {
  const hit = sortedOf.get(inbox);
  if (hit?.dir === S.sortDir) return hit.cases;
  const dir = S.sortDir === 'asc' ? 1 : -1;
  const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
  const cases = (inbox.cases ?? []).map((c) => [nextDeadline(c)?.date ?? '9999-12-31', c])
    .sort((a, b) => dir * cmp(a[0], b[0]) || cmp(a[1].received_on, b[1].received_on))
    .map(([, c]) => c);
  sortedOf.set(inbox, { dir: S.sortDir, cases });
  return cases;
}

export function renderInbox() {
  const inbox = S.inbox;
  setText($('inbox-office'), 'd.inbox.office', { name: S.office?.name ?? inbox.office, date: { date: inbox.today } });
  let cases = sorted(inbox);
  if (S.filter === 'closed') cases = cases.filter((c) => c.status === 'closed');
  renderLabelFilter();
  if (S.labelFilter) cases = cases.filter((c) => (c.labels ?? []).includes(S.labelFilter));
  const words = terms(S.search);
  if (words.length) {
    cases = cases.filter((c) => matches(c, words, (c.labels ?? []).map((id) => labelName(labelById(id) ?? {}))));
  }
  let filterLabel = t(`d.inbox.filter.${S.filter}`);
  if (S.mine) filterLabel = t('d.inbox.captionMine', { filter: filterLabel });
  const chosenLabel = S.labelFilter && labelById(S.labelFilter);
  if (chosenLabel) filterLabel = t('d.inbox.captionLabel', { filter: filterLabel, label: labelName(chosenLabel) });
  $('inbox-caption').textContent = cases.length === 1 ? t('d.inbox.caption1', { filter: filterLabel }) : t('d.inbox.caption', { filter: filterLabel, n: cases.length });
  $('th-deadline').setAttribute('aria-sort', S.sortDir === 'asc' ? 'ascending' : 'descending');
  $('th-deadline').querySelector('.sort-arrow').textContent = S.sortDir === 'asc' ? '▲' : '▼';
  const rows = $('inbox-rows');
  rows.replaceChildren();
  const shown = Math.min(cases.length, S.inboxRows ?? ROWS);
  for (const c of cases.slice(0, shown)) {
    const marks = marksFor(c);
    const tr = el('tr', { class: marks.some((m) => m[0] === 'overdue') ? 'overdue' : undefined });
    if (c.opened === false) tr.classList.add('unopened');
    const th = caseCell(c);
    const deadline = cell('deadline');
    deadlineCell(c, deadline);
    const markCell = cell('marks', { class: marks.length ? undefined : 'no-marks' });
    if (marks.length) {
      const ul = el('ul', { class: 'marks' });
      for (const [cls, k] of marks) ul.append(el('li', { class: `mark ${cls}` }, t(k)));
      markCell.append(ul);
    } else {
      markCell.append(el('span', { class: 'muted' }, t('d.mark.none')));
    }
    tr.append(
      th,
      typeCell(c),
      deadline,
      markCell,
      cell('assignee', { class: 'assignee' }, assigneeName(c.assignee)),
      cell('status', {}, statusWord(c.status)),
      cell('received', {}, formatDate(c.received_on)),
      cell('messages', {}, c.messages?.unread_from_reporter > 0
        ? t('d.inbox.unread', { n: c.messages.from_reporter, u: c.messages.unread_from_reporter })
        : String(c.messages?.from_reporter ?? 0)),
    );
    rows.append(tr);
  }
  $('inbox-more').hidden = shown >= cases.length;
  setText($('inbox-more'), 'd.inbox.more', { n: Math.min(ROWS, cases.length - shown), shown, total: cases.length });
  $('inbox-empty').hidden = cases.length > 0;
  if (words.length) setText($('inbox-empty'), 'd.inbox.noHits', { q: S.search.trim() });
  else setText($('inbox-empty'), 'd.inbox.none');
  renderIndexStatus();
  const n = staleCount();
  const nl = staleLabels().length;
  $('keys-notice').hidden = n + nl === 0;
  if (n === 1) setText($('keys-notice-text'), 'd.inbox.keysNotice1');
  else if (n) setText($('keys-notice-text'), 'd.inbox.keysNotice', { n });
  else if (nl) setText($('keys-notice-text'), 'd.inbox.keysNoticeLabels', { n: nl });
  if (n && nl) $('keys-notice-text').textContent += ` ${t('d.inbox.keysNoticeLabelsToo', { n: nl })}`;
  renderRewrapCount();
}
