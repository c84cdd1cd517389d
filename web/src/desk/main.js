// Start: the hooks filled in, every event wired, the invitation taken from the address, and the
// first view.

import { $, setupLanguage, revealApp, setText } from '../common.js';
import { loadConfig } from './api.js';
import { SLUG, S, hooks } from './state.js';
import { fieldError } from './dom.js';
import { show } from './views.js';
import { renderWho } from './session.js';
import { armIdle, lock } from './lock.js';
import {
  startEnroll, onEnroll, onDownloadBackup, onEnrollContinue, onEnrollLater, renderProtection,
} from './enrollment.js';
import {
  renderUnlockIntro, onPassToggle, renderAccounts, onPasskeyLogin, onKeyFileChange, onFileLogin,
  loadLoginOffices,
} from './unlock.js';
import { showInbox, loadInbox, renderInbox, ROWS } from './inbox.js';
import { prepareWorkers } from './search.js';
import {
  renderLabels, onLabelAdd, onLabelAction, onLabelRename, onAssigneeSave, onCaseLabelsSave,
} from './casework.js';
import { openCase, renderCase, onStatusClick, sendMessage, onRetention, onExport } from './case.js';
import { saveClassification } from './classification.js';
import { forwardCase, onForwardHow, onForwardPassphraseDone, watchForwarding } from './forwarding.js';
import { onPrintCase, watchPrinting } from './print.js';
import { showOral, renderOral, wipeOral, onOralSubmit, onOralFinish } from './oral.js';
import { showRewrap, renderRewrap, onRewrap, rewrapInBackground } from './rewrap.js';
import { showStats, renderStats, onContribute } from './statistics.js';
import { offerDrafts, renderDraftOffers, onDraftAction } from './drafts.js';

/** After unlocking: the inbox, then the drafts kept at the last lock, if any. */
async function afterUnlock() {
  await showInbox();
  await offerDrafts();
}

// The calls the core and some views make into views they do not import.
Object.assign(hooks, {
  showInbox: afterUnlock, renderInbox, openCase, wipeOral, showOral, renderAccounts, inboxLoaded: rewrapInBackground,
  prepareWorkers,
});

/** Re-renders what was built at run time after a language switch (typed text stays). */
function rerender() {
  renderUnlockIntro();
  if (S.session) renderWho();
  if (S.session) renderDraftOffers();
  if (S.inbox) renderInbox();
  if (S.labels) renderLabels();
  if (S.caseData) renderCase();
  if (S.view === 'oral') renderOral();
  if (S.view === 'rewrap') renderRewrap();
  if (S.view === 'stats') renderStats();
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
  for (const id of ['protect-passkey', 'protect-passphrase']) $(id).addEventListener('change', renderProtection);
  $('enroll-later').addEventListener('submit', onEnrollLater);
  for (const id of ['protect-passkey', 'protect-passphrase']) $(id).addEventListener('change', () => setText($('protect-error'), ''));
  for (const [i, e] of [['enroll-pass', 'enroll-pass-error'], ['enroll-pass2', 'enroll-pass2-error'], ['later-pass', 'later-pass-error'], ['later-pass2', 'later-pass2-error'], ['key-file-pass', 'key-file-pass-error'],
    ['login-office', 'login-office-error'], ['reply-text', 'reply-error'], ['note-text', 'note-error'],
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
  $('inbox-refresh').addEventListener('click', () => loadInbox({ reindex: true }));
  $('inbox-more').addEventListener('click', () => {
    S.inboxRows = (S.inboxRows ?? ROWS) + ROWS;
    if (S.inbox) renderInbox();
  });
  $('case-search').addEventListener('input', (e) => {
    S.search = e.target.value;
    S.inboxRows = ROWS;
    if (S.inbox) renderInbox();
  });
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
    if (!b) return;
    openCase(b.dataset.case);
    // A draft of this case kept at the lock is offered on its page too.
    renderDraftOffers();
  });
  for (const id of ['drafts-list', 'case-drafts-list']) $(id).addEventListener('click', onDraftAction);
  $('case-back').addEventListener('click', () => showInbox());
  $('status-actions').addEventListener('click', onStatusClick);
  $('reply-form').addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage('reply'); });
  $('note-form').addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage('note'); });
  $('classify-form').addEventListener('submit', (ev) => { ev.preventDefault(); saveClassification(); });
  $('forward-form').addEventListener('submit', (ev) => { ev.preventDefault(); forwardCase(); });
  for (const id of ['forward-how-key', 'forward-how-passphrase']) $(id).addEventListener('change', onForwardHow);
  $('forward-passphrase-done').addEventListener('click', onForwardPassphraseDone);
  watchForwarding();
  $('print-case').addEventListener('click', onPrintCase);
  watchPrinting();
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
  // Likewise the inbox's polling: a link may make it more frequent, down to every 2 s.
  const poll = Number(q.get('poll'));
  if (poll > 0) S.pollSecs = Math.min(Math.max(poll, 2), S.pollSecs);
  const office = (q.get('office') ?? '').toLowerCase();
  if (SLUG.test(office)) S.wantedOffice = office;
  wire();
  renderAccounts();
  prepareWorkers();
  await loadLoginOffices();
  renderUnlockIntro();
  if (token) await startEnroll(token);
  else show('unlock', { focus: false });
  document.body.dataset.ready = 'true';
}

main();
