// The session: login by age challenge, API calls with the bearer token (a new login on 401),
// the office's keys, and sending what was encrypted for a key set that changed meanwhile.

import { Decrypter } from 'age-encryption';
import { base64 } from '@scure/base';
import { $, setText } from '../common.js';
import { ApiError, DeskError, request, problemName, loadOffice } from './api.js';
import { recipientOf } from './keys.js';
import { S, hooks } from './state.js';
import { armIdle } from './lock.js';

/** Challenge, decrypt, session: the identity never leaves this page. */
export async function login(office, identity) {
  const recipient = await recipientOf(identity);
  const c = await request('POST', '/v1/desk/challenge', { body: { office, recipient } });
  let secret;
  try {
    const d = new Decrypter();
    d.addIdentity(identity);
    secret = await d.decrypt(base64.decode(c.challenge), 'text');
  } catch {
    // Someone who is not (or no longer) an officer gets a challenge nobody can open.
    throw new DeskError('d.err.notRegistered', { office });
  }
  const s = await request('POST', '/v1/desk/session', { body: { challenge_id: c.challenge_id, secret } });
  return {
    office: s.officer?.office ?? office, identity, recipient, token: s.token, officer: s.officer ?? {},
    // The audit log's head at this login, to compare with a checkpoint kept elsewhere.
    auditHead: typeof s.audit_head === 'string' ? s.audit_head : null,
  };
}

/** A new token for the identity in memory (the old one expired); one at a time. */
function relogin(sess) {
  if (!S.relogin) {
    S.relogin = (async () => {
      const fresh = await login(sess.office, sess.identity);
      if (S.session !== sess) throw new DeskError('d.err.missing-token');
      sess.token = fresh.token;
      sess.officer = fresh.officer;
      sess.auditHead = fresh.auditHead;
      setText($('global-status'), 'd.sessionRenewed');
    })().finally(() => { S.relogin = null; });
  }
  return S.relogin;
}

/** An API call with the bearer token; on 401 it logs in again silently and retries once. */
export async function authed(method, path, opts = {}) {
  const sess = S.session;
  if (!sess) throw new DeskError('d.err.missing-token');
  try {
    return await request(method, path, { ...opts, token: sess.token });
  } catch (e) {
    const expired = e instanceof ApiError && e.status === 401
      && ['token-expired', 'invalid-token', 'missing-token'].includes(problemName(e));
    if (!expired || S.session !== sess) throw e;
    await relogin(sess);
    return request(method, path, { ...opts, token: sess.token });
  }
}

export async function refreshOffice() {
  const office = await loadOffice(S.session.office);
  S.office = office;
  return office;
}

/** What the server says when a ciphertext was made for a key set that is no longer current. */
const STALE = ['stale-keyset', 'wrong-stanza-count'];

/**
 * Encrypts for the office's current key set and sends. `seal(office)` makes the ciphertext
 * (for `office.recipients`, plus whoever else may read it); `send(ciphertext, keysetVersion)`
 * makes the call. When the key set changed since the office was loaded (a colleague joined or
 * left), the office's keys are loaded again and the same plaintext is encrypted again, once.
 */
export async function sealAndSend(seal, send) {
  const attempt = async () => {
    const office = S.office;
    return send(await seal(office), office.keysetVersion);
  };
  try {
    return await attempt();
  } catch (e) {
    if (!STALE.includes(problemName(e))) throw e;
    await refreshOffice();
    return attempt();
  }
}

export function renderWho() {
  setText($('who'), 'd.who', { name: S.session.officer?.display_name ?? '', office: S.office?.name ?? S.session.office });
  const head = S.session.auditHead;
  $('tech-details').hidden = !head;
  if (head) setText($('audit-head'), 'd.auditHead', { head });
}

export async function startSession(sess) {
  S.session = sess;
  S.gen++;
  const gen = S.gen;
  await refreshOffice();
  if (gen !== S.gen) return;
  renderWho();
  armIdle();
  setText($('unlock-error'), '');
  for (const p of document.querySelectorAll('input[type="password"]')) p.value = '';
  await hooks.showInbox();
}
