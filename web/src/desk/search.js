// What the desk knows of each case's content, for the inbox: titles, incident types and the
// words to search, decrypted by a worker (decrypt-worker.js) page by page, newest cases first.
// In memory only; dropIndex() on lock ends the worker and forgets it all.

import { S } from './state.js';
import { authed } from './session.js';

const FIRST_PAGE = 100;
const PAGE = 500;

/** Decrypts every case of the office; `onProgress()` is called as results come in. */
export function buildIndex(onProgress) {
  dropIndex();
  const worker = new Worker('/assets/desk-worker.js', { type: 'module' });
  let settle;
  const index = {
    worker, cases: new Map(), total: null, done: 0, finished: false, failed: false, gen: S.gen,
    // Resolves once every case was tried (or the index failed); never after a lock.
    settled: new Promise((resolve) => { settle = resolve; }),
  };
  S.index = index;
  worker.postMessage({ identity: S.session.identity });
  let pending = 0;
  let fetched = 0;
  let allFetched = false;
  worker.onmessage = ({ data }) => {
    if (S.index !== index) return;
    for (const c of data.cases) index.cases.set(c.id, c);
    index.done += data.cases.length;
    if (data.done) pending--;
    if (allFetched && pending === 0) index.finished = true;
    if (index.finished) settle();
    onProgress();
  };
  worker.onerror = () => {
    if (S.index !== index) return;
    index.failed = true;
    settle();
    onProgress();
  };
  (async () => {
    try {
      // A small first page, so that the newest cases have titles within moments.
      let limit = FIRST_PAGE;
      while (S.index === index) {
        const page = await authed('GET', `/v1/desk/contents?offset=${fetched}&limit=${limit}`);
        if (S.index !== index) return;
        index.total = page.total;
        pending++;
        worker.postMessage({ page: fetched, cases: page.cases });
        fetched += page.cases.length;
        limit = PAGE;
        if (!page.cases.length || fetched >= page.total) break;
      }
      allFetched = true;
      if (pending === 0) index.finished = true;
      if (index.finished) settle();
      onProgress();
    } catch {
      if (S.index !== index) return;
      index.failed = true;
      settle();
      onProgress();
    }
  })();
}

/** Ends the worker and forgets what it decrypted (lock.js does the same). */
export function dropIndex() {
  S.index?.worker.terminate();
  S.index = null;
}

/** What the index knows of a case, if it has been decrypted yet. */
export function indexed(id) {
  return S.index?.cases.get(id) ?? null;
}

/** The search's words: lower case, at least one character each. */
export function terms(query) {
  return String(query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * Whether a case has every word of the search in its report, messages or notes, its reference
 * (with or without the dash) or its labels' names.
 */
export function matches(c, words, labelNames) {
  if (!words.length) return true;
  const entry = indexed(c.id);
  const ref = String(c.reference ?? '').toLowerCase();
  const hay = `${entry?.text ?? ''}\n${ref}\n${ref.replace('-', '')}\n${labelNames.join('\n').toLowerCase()}`;
  return words.every((w) => hay.includes(w));
}
