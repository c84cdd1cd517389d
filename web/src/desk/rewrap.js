// Re-encryption to the current key set: the cases and labels encrypted to an older one.

import { t, resolveVars } from '../i18n.js';
import { $, setText } from '../common.js';
import { DeskError, explain } from './api.js';
import { S } from './state.js';
import { el, short } from './dom.js';
import { show } from './views.js';
import { authed, refreshOffice } from './session.js';
import { staleLabels, renderRewrapCount, loadInbox } from './inbox.js';
import { indexed } from './search.js';
import { loadCasework, labelName, putLabel } from './casework.js';

export async function showRewrap() {
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

export function renderRewrap() {
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

/** A label again for the current key set: the same name, encrypted anew (PUT keeps its id). */
async function rewrapLabel(l) {
  if (l.failed) throw new DeskError('d.rewrap.labelUndecryptable');
  await putLabel(l.id, l.name);
}

/**
 * Re-encrypts, in batches, the cases the office's current key set cannot read yet (only those
 * in `only`, when given): `GET /v1/desk/rewrap` a page, a worker re-encrypts it while the next
 * page arrives, one `POST /v1/desk/rewrap` swaps it in. A case that changed meanwhile is done
 * again on its own. `onStep(n)` after every n cases tried. How many were done, and what could
 * not be: { ok, failed: [{ id, key, vars }] }; null when the desk was locked meanwhile.
 */
async function rewrapPending(gen, { only = null, onStep = () => {} } = {}) {
  const worker = new Worker('/assets/desk-worker.js', { type: 'module' });
  S.rewrapWorker = worker;
  worker.postMessage({ identity: S.session.identity });
  const waiting = new Map();
  let seq = 0;
  worker.onmessage = ({ data }) => {
    waiting.get(data.resealed)?.(data);
    waiting.delete(data.resealed);
  };
  const reseal = (cases, recipients) => new Promise((resolve, reject) => {
    const n = ++seq;
    waiting.set(n, resolve);
    worker.onerror = () => reject(new DeskError('d.rewrap.undecryptable'));
    worker.postMessage({ reseal: n, recipients, cases });
  });
  const failed = [];
  let ok = 0;
  const page = (after) => authed('GET', `/v1/desk/rewrap?after=${encodeURIComponent(after)}`);
  const cannotOpen = (ids) => {
    for (const id of ids) failed.push({ id, ...explain(new DeskError('d.rewrap.undecryptable')) });
    if (ids.length) onStep(ids.length);
  };
  // Swaps in re-encrypted cases; those that changed since they were read go round again.
  const post = async (cases, keysetVersion, round = 0) => {
    let changed = [];
    try {
      const done = await authed('POST', '/v1/desk/rewrap', { body: { keyset_version: keysetVersion, cases } });
      ok += done.rewrapped.length;
      onStep(done.rewrapped.length);
      changed = done.changed;
    } catch (e) {
      for (const c of cases) failed.push({ id: c.id, ...explain(e) });
      onStep(cases.length);
    }
    if (changed.length) await again(changed, round + 1);
  };
  // A case that changed after its page was read (a message arrived) is read again on its own,
  // in the shape of a page's case, and re-encrypted by the worker like any other; tried twice
  // more at most.
  const again = async (ids, round) => {
    if (round > 2) {
      for (const id of ids) failed.push({ id, ...explain(new DeskError('d.err.case-changed')) });
      onStep(ids.length);
      return;
    }
    const pending = [];
    for (const id of ids) {
      try {
        // Opened to re-encrypt, not to read: the reporter's messages stay marked as new.
        const d = await authed('GET', `/v1/desk/cases/${encodeURIComponent(id)}?read=false`);
        pending.push({
          id, reply_recipient: d.reply_recipient, report: d.ciphertext, attachments: d.attachments ?? [], messages: d.messages ?? [],
        });
      } catch (e) {
        failed.push({ id, ...explain(e) });
        onStep(1);
      }
    }
    if (!pending.length || gen !== S.gen) return;
    await refreshOffice();
    const { cases, failed: unreadable } = await reseal(pending, S.office.recipients);
    cannotOpen(unreadable);
    if (cases.length && gen === S.gen) await post(cases, S.office.keysetVersion, round);
  };
  // With `only`, the pages end once every case asked for was seen.
  let unseen = only?.size ?? Infinity;
  try {
    let next = page('');
    let posting = Promise.resolve();
    while (unseen > 0) {
      const got = await next;
      if (gen !== S.gen) return null;
      if (!got.cases.length) break;
      next = page(got.cases.at(-1).id);
      next.catch(() => {});
      const wanted = only ? got.cases.filter((c) => only.has(c.id)) : got.cases;
      if (only) unseen -= wanted.length;
      if (!wanted.length) continue;
      if (got.keyset_version !== S.office.keysetVersion) await refreshOffice();
      const { cases, failed: unreadable } = await reseal(wanted, S.office.recipients);
      if (gen !== S.gen) return null;
      cannotOpen(unreadable);
      // One batch on its way while the next is re-encrypted.
      await posting;
      if (gen !== S.gen) return null;
      if (cases.length) posting = post(cases, got.keyset_version);
    }
    await posting;
  } catch (e) {
    if (gen !== S.gen) return null;
    failed.push({ id: '', ...explain(e) });
  } finally {
    worker.terminate();
    if (S.rewrapWorker === worker) S.rewrapWorker = null;
  }
  return gen === S.gen ? { ok, failed } : null;
}

export async function onRewrap() {
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
  const step = (n = 1) => {
    done += n;
    bar.value = done;
    setText($('rewrap-progress-text'), 'd.rewrap.progress', { done, total });
  };
  const outcome = await rewrapPending(gen, { onStep: step });
  if (!outcome) return;
  S.rewrapErrors.push(...outcome.failed);
  ok = outcome.ok;
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

/**
 * Shares with the whole team, without asking, what this officer can open of the cases and
 * labels the office's current key set cannot read yet (a colleague joined): once per unlock,
 * when the inbox has decrypted every case, so that only the cases this officer reads in full
 * are tried. A new colleague can read them at their next unlock.
 */
export async function rewrapInBackground() {
  const index = S.index;
  if (!index || index.rewrapping) return;
  index.rewrapping = true;
  await index.settled;
  if (S.index !== index || !S.office) return;
  const gen = S.gen;
  const current = S.office.keysetVersion;
  const cases = (S.allCases?.cases ?? []).filter((c) => c.keyset_version < current)
    .filter((c) => indexed(c.id)?.readable && indexed(c.id)?.unreadableItems === 0);
  const labels = staleLabels().filter((l) => !l.failed);
  const total = cases.length + labels.length;
  if (!total) return;
  let done = 0;
  const status = $('rewrap-background');
  setText(status, 'd.rewrap.background', { done, total });
  // What fails is left for "Fälle freigeben", which says why.
  const outcome = cases.length && await rewrapPending(gen, {
    only: new Set(cases.map((c) => c.id)),
    onStep: (n) => setText(status, 'd.rewrap.background', { done: (done += n), total }),
  });
  if (outcome === null || gen !== S.gen) return;
  for (const l of labels) {
    try {
      await rewrapLabel(l);
    } catch { /* likewise */ }
    if (gen !== S.gen) return;
    setText(status, 'd.rewrap.background', { done: ++done, total });
  }
  setText(status, 'd.rewrap.backgroundDone', { n: total });
  if (S.view === 'inbox') await loadInbox();
}
