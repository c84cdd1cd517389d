// What both pages share: language switch, office lookup, age helpers, field errors, API calls.

import { Encrypter, Decrypter } from 'age-encryption';
import { base64 } from '@scure/base';
import { applyLanguage, lang, t, resolveVars } from './i18n.js';

export const $ = (id) => document.getElementById(id);

/** Query parameters the pages understand: ?office=SLUG (none: see `chooseOffice`) and ?lang=de|en. */
export function params() {
  const q = new URLSearchParams(location.search);
  const office = q.get('office');
  return { office: office && /^[a-z0-9-]{1,64}$/.test(office) ? office : null, lang: q.get('lang') === 'en' ? 'en' : 'de' };
}

/** A page-relative link that keeps the office (if any) and the language. */
export function pageUrl(pathname) {
  const q = new URLSearchParams();
  if (params().office) q.set('office', params().office);
  if (lang() === 'en') q.set('lang', 'en');
  return q.size ? `${pathname}?${q}` : pathname;
}

/**
 * The office for a page whose address names none: the server's default office, or the only
 * one; otherwise null and the list to choose from.
 */
export async function chooseOffice() {
  const { default: preset, offices } = await call('GET', '/v1/offices');
  if (preset) return { slug: preset, offices };
  if (offices?.length === 1) return { slug: offices[0].slug, offices };
  return { slug: null, offices: offices ?? [] };
}

/** A harmless page to leave to; it replaces this page in the history. */
export const QUICK_EXIT_URL = 'https://www.wikipedia.org/';

/** "Leave this page quickly": gone at once, without this page as the step back. */
export function setupQuickExit() {
  const b = $('quick-exit');
  if (!b) return;
  b.addEventListener('click', () => {
    document.body.replaceChildren();
    location.replace(QUICK_EXIT_URL);
  });
}

/** Wires the language button; `onChange` re-renders what the page built at run time. */
export function setupLanguage(onChange) {
  setupQuickExit();
  const button = $('lang-switch');
  const render = () => {
    const other = lang() === 'de' ? 'en' : 'de';
    button.lang = other;
    for (const a of document.querySelectorAll('a[data-page]')) a.href = pageUrl(a.dataset.page);
    onChange?.();
  };
  applyLanguage(params().lang);
  render();
  button.addEventListener('click', () => {
    applyLanguage(lang() === 'de' ? 'en' : 'de');
    const q = new URLSearchParams(location.search);
    if (lang() === 'en') q.set('lang', 'en');
    else q.delete('lang');
    history.replaceState(null, '', `${location.pathname}${q.size ? `?${q}` : ''}`);
    render();
  });
}

/** Removes `hidden` from what only works with JavaScript, unless the context cannot encrypt. */
export function revealApp() {
  if (!globalThis.isSecureContext || !globalThis.crypto?.subtle) {
    showNotice(t('insecure'), 'insecure');
    return false;
  }
  $('app').hidden = false;
  return true;
}

export function showNotice(text, key) {
  const n = $('page-notice');
  n.textContent = text;
  if (key) n.dataset.i18n = key;
  else delete n.dataset.i18n;
  n.hidden = false;
}

// ---- API -------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function call(method, path, body) {
  const init = { method, headers: { Accept: 'application/json, application/problem+json' }, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!resp.ok) throw new ApiError(resp.status, json);
  return json;
}

/** The reader stopped the proof of work. */
export class PowCancelled extends Error {}

/**
 * Solves the server's proof of work (PROTOCOL.md §6) in a Web Worker, so the page stays
 * responsive: `puzzles` distinct nonces, each such that SHA-256(challenge ‖ nonce) starts with
 * `difficulty` zero bits. Anti-spam without identity: the server keeps nothing about who asked.
 * `onProgress(tried, expected)` reports the work; aborting `signal` ends the worker.
 */
export async function solvePow({ onProgress, signal } = {}) {
  const { challenge, difficulty, puzzles } = await call('GET', '/v1/pow');
  if (!difficulty) return undefined;
  if (signal?.aborted) throw new PowCancelled();
  return new Promise((resolve, reject) => {
    const worker = new Worker('/assets/pow-worker.js', { type: 'module' });
    const finish = () => {
      worker.terminate();
      signal?.removeEventListener('abort', cancel);
    };
    const cancel = () => {
      finish();
      reject(new PowCancelled());
    };
    signal?.addEventListener('abort', cancel, { once: true });
    worker.onmessage = ({ data }) => {
      if (data.nonces !== undefined) {
        finish();
        resolve({ challenge, nonces: data.nonces });
      } else {
        onProgress?.(data.tried, puzzles * 2 ** difficulty);
      }
    };
    worker.onerror = (e) => {
      finish();
      reject(new Error(e.message || 'proof of work failed'));
    };
    worker.postMessage({ challenge, difficulty, puzzles });
  });
}

/**
 * Posts with a solved proof of work. A challenge that expired meanwhile (a phone in a pocket)
 * or was spent is replaced by a new one, twice at most, without bothering the reader.
 */
async function postWithPow(path, body, opts = {}) {
  for (let attempt = 0; ; attempt++) {
    const pow = await solvePow(opts);
    try {
      return await call('POST', path, pow ? { ...body, pow } : body);
    } catch (e) {
      const stale = e instanceof ApiError && ['pow-expired', 'pow-spent'].includes(problemName(e));
      if (!stale || attempt >= 2) throw e;
      opts.onRetry?.();
    }
  }
}

export const api = {
  office: (slug) => call('GET', `/v1/offices/${encodeURIComponent(slug)}`),
  taxonomy: () => call('GET', '/v1/taxonomy'),
  submitReport: (body, opts) => postWithPow('/v1/reports', body, opts),
  readCase: (lookupId) => call('POST', '/v1/followup/read', { lookup_id: lookupId }),
  sendMessage: (body, opts) => postWithPow('/v1/followup/messages', body, opts),
};

/** A progress text for the proof of work: how far, and an honest estimate of what is left. */
export function powProgress(started) {
  return (tried, expected) => {
    const secs = (performance.now() - started) / 1000;
    const rate = tried / Math.max(secs, 0.001);
    if (tried >= expected) return { key: 'pow.longer', percent: 99 };
    const left = Math.max(1, Math.ceil((expected - tried) / Math.max(rate, 1)));
    const percent = Math.min(99, Math.floor((tried / expected) * 100));
    return { key: 'pow.working', percent, secs: left };
  };
}

/** The i18n key for each problem type the reporter's pages can meet. */
const PROBLEM_TEXT = {
  'rate-limited': 'problem.rate-limited',
  'pow-required': 'problem.pow',
  'pow-invalid': 'problem.pow',
  'pow-expired': 'problem.pow',
  'pow-spent': 'problem.pow',
  'unknown-office': 'problem.unknown-office',
  'office-not-ready': 'problem.office-not-ready',
  'stale-keyset': 'submit.keyset',
  'body-too-large': 'submit.tooLarge',
  'invalid-field': 'problem.encryption',
  'not-age': 'problem.encryption',
  'passphrase-encrypted': 'problem.encryption',
  'wrong-stanza-count': 'problem.encryption',
  'malformed-stanza': 'problem.encryption',
  'too-many-stanzas': 'problem.encryption',
  'unsupported-stanza': 'problem.encryption',
  'unpadded-size': 'problem.encryption',
  'too-many-attachments': 'problem.too-many-attachments',
  'unknown-taxonomy-value': 'problem.taxonomy',
  'unknown-taxonomy-version': 'problem.taxonomy',
  'stats-in-plaintext': 'problem.outdated',
  'duplicate-lookup-id': 'problem.duplicate-lookup-id',
  'storage-unavailable': 'problem.storage-unavailable',
  'body-timeout': 'problem.body-timeout',
  'unknown-receipt': 'problem.unknown-receipt',
  'case-closed': 'problem.case-closed',
  'malformed-json': 'problem.request',
  'invalid-request': 'problem.request',
  'body-unreadable': 'problem.request',
};

/** The problem type's short name, e.g. `pow-expired`. */
export function problemName(e) {
  return String(e?.problem?.type ?? '').replace(/^urn:meldestelle:problem:/, '');
}

/**
 * A sentence for a failed call in the page's language (never the server's English, never what
 * the reader typed). Kept as a key and values, so a language switch can redo it.
 */
export function errorText(e) {
  if (!(e instanceof ApiError)) return { key: 'submit.network' };
  const key = PROBLEM_TEXT[problemName(e)]
    ?? (e.status === 413 ? 'submit.tooLarge' : e.status === 429 ? 'problem.rate-limited'
      : e.status === 415 ? 'problem.request' : 'problem.other');
  return { key, vars: { status: e.status } };
}


/**
 * The office as the pages need it. The server's answer lists `recipients`, `keyset_version`
 * and `padding` limits; missing limits fall back to the protocol's 64 KiB minimum.
 */
export function officeFromAnswer(slug, o) {
  const p = o.padding ?? {};
  return {
    slug,
    name: o.name ?? slug,
    recipients: o.recipients ?? [],
    keysetVersion: o.keyset_version,
    maxPlaintext: p.max_plaintext ?? 65536,
    maxAttachment: p.max_attachment ?? p.max_plaintext ?? 65536,
    maxAttachments: p.max_attachments ?? o.max_attachments ?? null,
    // The whole request (base64 of every age file) must fit the server's body limit, which the
    // office answer states (older servers did not: then the protocol's smallest, 8 MiB).
    maxBody: p.max_body ?? o.max_body ?? 8 * 1024 * 1024,
  };
}

export async function loadOffice(slug) {
  return officeFromAnswer(slug, await api.office(slug));
}

// ---- age -------------------------------------------------------------------------------------

/** Encrypts bytes to every recipient (binary age, not armored) and returns standard base64. */
export async function sealToBase64(bytes, recipients) {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return base64.encode(await e.encrypt(bytes));
}

/** An upper bound of the base64 length of an age file holding `padded` bytes. */
export function sealedBase64Length(padded, recipients) {
  const header = 64 + 160 * Math.max(1, recipients);
  const age = header + 16 + padded + 16 * Math.max(1, Math.ceil(padded / 65536));
  return 4 * Math.ceil(age / 3);
}

/** Decrypts standard-base64 age with one identity; returns the UTF-8 text, padding trimmed. */
export async function openText(b64, identity) {
  const d = new Decrypter();
  d.addIdentity(identity);
  const bytes = await d.decrypt(base64.decode(b64), 'uint8array');
  return new TextDecoder().decode(bytes).replace(/[ \0]+$/, '');
}

// ---- field errors (WCAG 3.3.1: identified in text, next to the field, announced) ---------------

/**
 * Sets a text by its i18n key, so that a language switch re-renders it (values may themselves
 * be `{key, vars}`); no key clears it.
 */
export function setText(node, key, vars = {}) {
  if (!key) {
    node.textContent = '';
    delete node.dataset.i18n;
    delete node.dataset.i18nVars;
    return;
  }
  node.dataset.i18n = key;
  if (Object.keys(vars).length) node.dataset.i18nVars = JSON.stringify(vars);
  else delete node.dataset.i18nVars;
  node.textContent = t(key, resolveVars(vars));
}

/** A field's error: a text, or `{key, vars}` that follows the language. */
export function setFieldError(input, errorEl, text) {
  if (text && typeof text === 'object') setText(errorEl, text.key, text.vars);
  else {
    setText(errorEl, null);
    errorEl.textContent = text;
  }
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** Once the reader changes a field, its old error goes away (the next check may bring it back). */
export function clearErrorOnInput(input, errorEl, summaryEl) {
  const clear = () => {
    if (!input.getAttribute('aria-invalid')) return;
    setFieldError(input, errorEl, '');
    if (summaryEl && !input.form?.querySelector('[aria-invalid="true"]')) setText(summaryEl, null);
  };
  input.addEventListener('input', clear);
}

export function clearErrors(root) {
  for (const el of root.querySelectorAll('.field-error')) setText(el, null);
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}
