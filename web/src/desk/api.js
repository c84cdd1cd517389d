// The desk's calls to the API: an optional base (from /desk/config.json, for `meldestelle desk
// ui` serving this page on the officer's own machine), a bearer token in memory only, and
// errors as plain sentences in the page's language. No cookies, no caching.

import { ApiError, officeFromAnswer } from '../common.js';

export { ApiError };

/** fetch() itself failed: the server cannot be reached. */
export class NetworkError extends Error {}

/** Something on this side went wrong, with the i18n key that says what (and its values). */
export class DeskError extends Error {
  constructor(key, vars = {}) {
    super(key);
    this.key = key;
    this.vars = vars;
  }
}

let base = '';

/** Reads /desk/config.json: `api` (an origin, or empty for this one) and `idle_secs`. */
export async function loadConfig() {
  try {
    const resp = await fetch('/desk/config.json', { cache: 'no-store', credentials: 'omit' });
    if (!resp.ok) return {};
    const c = await resp.json();
    if (typeof c?.api === 'string' && /^https?:\/\/[^/?#\s]+$/.test(c.api.replace(/\/+$/, ''))) {
      base = c.api.replace(/\/+$/, '');
    }
    return c ?? {};
  } catch {
    return {};
  }
}

export function apiBase() {
  return base;
}

/**
 * One call. `body` is sent as JSON; `token` as a bearer token; `blob: true` returns the body
 * as a Blob, `raw: true` as the JSON's text (for a worker to parse off the page's thread).
 * With `etag` (the tag of the last answer, or ''), the answer is { data, etag }, or
 * { notModified: true } when nothing changed since. Throws ApiError (with the problem+json) or
 * NetworkError.
 */
export async function request(method, path, { body, token, blob = false, raw = false, etag } = {}) {
  const init = {
    method,
    headers: { Accept: blob ? 'application/octet-stream, application/problem+json' : 'application/json, application/problem+json' },
    cache: 'no-store',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
  };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (etag) init.headers['If-None-Match'] = etag;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(base + path, init);
  } catch {
    throw new NetworkError('network');
  }
  if (resp.status === 304 && etag !== undefined) return { notModified: true };
  if (!resp.ok) {
    let problem = null;
    try { problem = JSON.parse(await resp.text()); } catch { /* not JSON */ }
    throw new ApiError(resp.status, problem);
  }
  if (blob) return resp.blob();
  const text = await resp.text();
  if (raw) return text;
  const data = text ? JSON.parse(text) : null;
  return etag === undefined ? data : { data, etag: resp.headers.get('ETag') ?? '' };
}

/** The problem's short name (`urn:meldestelle:problem:<name>`), or ''. */
export function problemName(e) {
  if (!(e instanceof ApiError)) return '';
  return String(e.problem?.type ?? '').replace(/^urn:meldestelle:problem:/, '');
}

const KNOWN = new Set([
  'invalid-invitation', 'invitation-used', 'invitation-expired', 'officer-exists', 'token-expired',
  'invalid-token', 'missing-token', 'invalid-challenge', 'challenge-expired', 'case-changed',
  'illegal-transition', 'unknown-case', 'unknown-office', 'stale-keyset', 'rate-limited',
  'storage-unavailable', 'body-too-large', 'case-not-closed', 'invalid-request',
  'contribution-count', 'period-frozen', 'period-not-ended', 'unknown-officer', 'unknown-label',
  'duplicate-lookup-id',
]);

/** The i18n key and values that explain an error to the officer. */
export function explain(e) {
  if (e instanceof DeskError) return { key: e.key, vars: e.vars };
  if (e instanceof NetworkError) return { key: 'd.err.network', vars: {} };
  if (e instanceof ApiError) {
    const name = problemName(e);
    if (name === 'wrong-stanza-count') return { key: 'd.err.stale-keyset', vars: {} };
    if (KNOWN.has(name)) return { key: `d.err.${name}`, vars: {} };
    if (e.status === 413) return { key: 'd.err.body-too-large', vars: {} };
    if (e.status === 429) return { key: 'd.err.rate-limited', vars: {} };
    return { key: 'd.err.generic', vars: { status: e.status } };
  }
  return { key: 'd.err.generic', vars: { status: '–' } };
}

/** The office as the desk needs it (public: no token; from the desk's API origin). */
export async function loadOffice(slug) {
  return officeFromAnswer(slug, await request('GET', `/v1/offices/${encodeURIComponent(slug)}`));
}
