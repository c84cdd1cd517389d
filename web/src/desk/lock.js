// Lock and idle: "Lock", the idle timer and leaving the page drop identity, token and every
// decrypted byte and clear the page; drafts are kept encrypted (drafts.js). Before the idle
// lock a countdown says when, and any key or click (armIdle) puts it off.

import { $, setText } from '../common.js';
import { S, hooks } from './state.js';
import { clearMessages } from './dom.js';
import { show } from './views.js';
import { revokeAll } from './blobs.js';
import { keepDrafts, wipeDraftOffers } from './drafts.js';

/**
 * How long before the idle lock the countdown shows: a minute, or the last third of an idle
 * time shorter than three minutes (a test's `?idle=6` warns for 2 seconds).
 */
export const warnSecs = (idleSecs) => Math.min(60, idleSecs / 3);

let warnTimer = null;
let tickTimer = null;

/** Starts the idle time again: on unlock and on every key, click, input, wheel or touch. */
export function armIdle() {
  clearTimeout(S.idleTimer);
  clearTimeout(warnTimer);
  stopCountdown();
  if (!S.session) return;
  const ms = S.idleSecs * 1000;
  const at = Date.now() + ms;
  S.idleTimer = setTimeout(() => lock('idle'), ms);
  warnTimer = setTimeout(() => startCountdown(at), ms - warnSecs(S.idleSecs) * 1000);
}

/**
 * The countdown ticks on screen every second; a screen reader is told politely (never moving
 * the focus) when it appears and at 30 and 10 seconds, not every second.
 */
function startCountdown(at) {
  let shown = null;
  const tick = () => {
    const left = Math.max(0, Math.ceil((at - Date.now()) / 1000));
    if (left === shown) return;
    const first = shown === null;
    shown = left;
    const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    setText($('idle-warning-text'), 'd.idle.warning', { time });
    if (first || left === 30 || left === 10) setText($('idle-live'), 'd.idle.warning', { time });
  };
  $('idle-warning').hidden = false;
  tick();
  tickTimer = setInterval(tick, 250);
}

function stopCountdown() {
  if (tickTimer === null) return;
  clearInterval(tickTimer);
  tickTimer = null;
  $('idle-warning').hidden = true;
  setText($('idle-warning-text'), '');
  setText($('idle-live'), '');
}

export function wipeCase() {
  if (S.caseData) {
    for (const a of S.caseData.attachments) a.bytes?.fill(0);
  }
  S.caseData = null;
  for (const id of ['case-facts', 'status-actions', 'report-doc', 'attachments', 'thread', 'classify-fields', 'assignee-select', 'case-labels']) $(id).replaceChildren();
  setText($('report-seen'), '');
  setText($('report-keyset'), '');
  $('report-keyset').hidden = true;
  // Decrypted answers and where a case went leave with the case.
  delete $('classify-fields').dataset.key;
  delete $('assignee-select').dataset.key;
  for (const id of ['assignee-error', 'assignee-status', 'case-labels-error', 'case-labels-status']) setText($(id), '');
  setText($('classify-source'), '');
  $('forward-recipient').value = '';
  for (const id of ['forward-messages', 'forward-attachments']) $(id).checked = true;
  setText($('case-heading'), '');
  $('case-body').hidden = true;
  clearMessages($('view-case'));
}

/** Drops identity, token and every decrypted byte, clears the page, and shows the unlock view. */
export function lock(reason = 'manual') {
  // First the drafts, encrypted, while the fields and the office's keys are still there.
  const drafts = keepDrafts();
  S.gen++;
  clearTimeout(S.idleTimer);
  clearTimeout(warnTimer);
  stopCountdown();
  S.session = null;
  S.relogin = null;
  S.office = null;
  S.inbox = null;
  S.allCases = null;
  S.caseId = null;
  S.backup = null;
  S.pendingFile = null;
  S.rewrapList = [];
  S.rewrapLabels = [];
  S.rewrapErrors = [];
  S.officers = null;
  S.labels = null;
  S.labelEdit = null;
  S.labelFilter = '';
  S.search = '';
  S.inboxRows = null;
  S.inboxTag = null;
  // The decrypting workers end, and with them every title and word they held (search.js).
  for (const w of S.index?.workers ?? []) w.terminate();
  S.index = null;
  hooks.prepareWorkers();
  // Likewise the one re-encrypting cases (rewrap.js), which holds the identity too.
  S.rewrapWorker?.terminate();
  S.rewrapWorker = null;
  wipeCase();
  wipeDraftOffers();
  hooks.wipeOral();
  revokeAll();
  for (const id of ['inbox-rows', 'rewrap-list', 'rewrap-errors', 'labels-list', 'label-filter']) $(id).replaceChildren();
  for (const id of ['index-status', 'inbox-caption', 'inbox-office', 'keys-notice-text', 'who', 'audit-head', 'rewrap-intro', 'rewrap-progress-text']) setText($(id), '');
  $('tech-details').hidden = true;
  $('tech-details').open = false;
  $('keys-notice').hidden = true;
  $('rewrap-progress-box').hidden = true;
  for (const b of document.querySelectorAll('.pass-toggle')) {
    b.setAttribute('aria-pressed', 'false');
    for (const id of b.dataset.targets.split(' ')) $(id).type = 'password';
  }
  for (const n of document.querySelectorAll('textarea, input.pass, input[type="password"], input[type="date"], #key-file, #label-new, #case-search')) n.value = '';
  $('key-file-pass-field').hidden = true;
  $('enroll-done').hidden = true;
  clearMessages($('view-inbox'));
  clearMessages($('view-rewrap'));
  $('mine').checked = false;
  S.mine = false;
  clearMessages($('view-unlock'));
  hooks.renderAccounts();
  show('unlock');
  const said = reason === 'idle' ? 'd.idleLocked' : 'd.locked';
  if (drafts) setText($('global-status'), `${said}Kept`, { kept: { key: drafts === 1 ? 'd.drafts.kept1' : 'd.drafts.keptN', vars: { n: drafts } } });
  else setText($('global-status'), said);
}
