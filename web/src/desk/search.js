// What the desk knows of each case's content, for the inbox: titles, incident types and the
// words to search, decrypted by workers (decrypt-worker.js) page by page, newest cases first.
// In memory only; dropIndex() on lock ends the workers and forgets it all.

import { S } from './state.js';
import { authed } from './session.js';

const FIRST_PAGE = 20;
const PAGE = 500;

/** Decrypts every case of the office; `onProgress()` is called as results come in. */
// Two workers where the machine has the cores: each parses and decrypts every other page.
const WORKERS = (navigator.hardwareConcurrency ?? 1) > 1 ? 2 : 1;

// Workers started ahead, holding nothing yet (no identity, no case): loading and compiling
// one takes longer than the first page of cases takes to arrive.
let spare = [];

const spawn = () => new Worker('/assets/desk-worker.js', { type: 'module' });

/** Starts the workers the next unlock will use, while the officer is still logging in. */
export function prepareWorkers() {
  while (spare.length < WORKERS) spare.push(spawn());
}

function takeWorkers() {
  const out = spare.splice(0, WORKERS);
  while (out.length < WORKERS) out.push(spawn());
  return out;
}

export function buildIndex(onProgress) {
  dropIndex();
  const workers = takeWorkers();
  let settle;
  const index = {
    workers, cases: new Map(), total: null, done: 0, finished: false, failed: false, gen: S.gen,
    // Resolves once every case was tried (or the index failed); never after a lock.
    settled: new Promise((resolve) => { settle = resolve; }),
  };
  S.index = index;
  for (const w of workers) w.postMessage({ identity: S.session.identity });
  let pending = 0;
  let allFetched = false;
  // A worker parses each page (off this thread) and says how many cases it holds: a page's
  // tag → what waits for that.
  const parsed = new Map();
  let n = 0;
  /** Hands a page's JSON to the next worker; what it holds, once parsed. */
  index.parse = (tag, json) => new Promise((resolve) => {
    parsed.set(tag, resolve);
    workers[n++ % workers.length].postMessage({ page: tag, json });
  });
  const fail = () => {
    if (S.index !== index) return;
    index.failed = true;
    settle();
    onProgress();
  };
  const onmessage = ({ data }) => {
    if (S.index !== index) return;
    if (data.parsed) {
      parsed.get(data.page)?.(data);
      parsed.delete(data.page);
      return;
    }
    for (const c of data.cases) index.cases.set(c.id, c);
    if (typeof data.page !== 'number') {
      // Cases that changed since (refreshIndex): counted as cases, not as pages.
      index.done = index.cases.size;
      onProgress();
      return;
    }
    index.done += data.cases.length;
    if (data.done) pending--;
    if (allFetched && pending === 0) index.finished = true;
    if (index.finished) settle();
    onProgress();
  };
  for (const w of workers) {
    w.onmessage = onmessage;
    w.onerror = fail;
  }
  (async () => {
    try {
      // A small first page, so that the newest cases have titles within moments.
      let limit = FIRST_PAGE;
      let fetched = 0;
      while (S.index === index) {
        const json = await authed('GET', `/v1/desk/contents?offset=${fetched}&limit=${limit}`, { raw: true });
        if (S.index !== index) return;
        pending++;
        const page = await index.parse(fetched, json);
        if (page.failed) throw new Error('contents');
        index.total = page.total;
        fetched += page.count;
        limit = PAGE;
        if (!page.count || fetched >= page.total) break;
      }
      allFetched = true;
      if (pending === 0) index.finished = true;
      if (index.finished) settle();
      onProgress();
    } catch {
      fail();
    }
  })();
}

/** How many cases one `contents?ids=` asks for. */
const CHANGED_AT_ONCE = 100;

/**
 * Decrypts again the cases `ids` (new ones, or with new messages) into the index, once the
 * index is built; `onProgress()` as they come in.
 */
export async function refreshIndex(ids, onProgress) {
  const index = S.index;
  if (!index || !ids.length) return;
  await index.settled;
  if (S.index !== index || index.failed) return;
  index.total = Math.max(index.total ?? 0, S.allCases?.cases.length ?? 0);
  for (let i = 0; i < ids.length; i += CHANGED_AT_ONCE) {
    const chunk = ids.slice(i, i + CHANGED_AT_ONCE);
    const json = await authed('GET', `/v1/desk/contents?ids=${chunk.map(encodeURIComponent).join(',')}&limit=${CHANGED_AT_ONCE}`, { raw: true });
    if (S.index !== index) return;
    await index.parse(`changed-${i}-${Date.now()}`, json);
  }
  onProgress();
}

/** Ends the workers and forgets what they decrypted (lock.js does the same). */
export function dropIndex() {
  for (const w of S.index?.workers ?? []) w.terminate();
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
  // The words and the reference, joined once per case rather than on every keystroke.
  let hay = entry?.hay;
  if (hay === undefined) {
    const ref = String(c.reference ?? '').toLowerCase();
    hay = `${entry?.text ?? ''}\n${ref}\n${ref.replace('-', '')}`;
    if (entry) entry.hay = hay;
  }
  const labels = labelNames.length ? labelNames.join('\n').toLowerCase() : '';
  return words.every((w) => hay.includes(w) || labels.includes(w));
}
