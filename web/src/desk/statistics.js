// Statistics: the quarterly contribution (the taxonomy's answers of each case, the office's
// classification first, shuffled), and the answer fields other views read.

import { t, resolveVars, TAXONOMY } from '../i18n.js';
import { $, setText } from '../common.js';
import { explain } from './api.js';
import { S } from './state.js';
import { el } from './dom.js';
import { show } from './views.js';
import { openDoc } from './age.js';
import { authed } from './session.js';

export const MAX_CONSEQUENCES = 4;
export const ANSWER_FIELDS = ['incident_type', 'racism_form', 'reporter_role', 'perpetrator_role', 'setting', 'admin_area', 'consequences', 'reported_further'];

/**
 * The statistics fields of a decrypted document, if it has any. Only values of the taxonomy
 * are kept: one report with an unknown value would otherwise make the server refuse the whole
 * quarter, and the shuffled batch could not tell which case it was (the CLI drops them too).
 */
export function answersOf(doc) {
  const a = doc?.stats;
  if (!a || typeof a !== 'object' || Array.isArray(a)) return null;
  const known = (field, v) => typeof v === 'string' && Object.hasOwn(TAXONOMY[field]?.values ?? {}, v);
  const out = {};
  for (const k of ANSWER_FIELDS.filter((f) => f !== 'consequences')) {
    if (known(k, a[k])) out[k] = a[k];
  }
  if (Array.isArray(a.consequences)) {
    const list = [...new Set(a.consequences.filter((c) => known('consequences', c)))];
    if (list.length && list.length <= MAX_CONSEQUENCES) out.consequences = list;
  }
  return out;
}

/** The office's classification wins field by field over the reporter's answers. */
function merge(reporter, officer) {
  const out = { ...(reporter ?? {}) };
  for (const [k, v] of Object.entries(officer ?? {})) {
    if (v !== null && v !== undefined && !(Array.isArray(v) && !v.length)) out[k] = v;
  }
  return out;
}

/** Fisher–Yates with the browser's CSPRNG: the order says nothing about the cases. */
function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const r = new Uint32Array(1);
    crypto.getRandomValues(r);
    const j = r[0] % (i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

function quarterDays(q) {
  const [y, n] = q.split('-Q').map(Number);
  const first = `${y}-${String(n * 3 - 2).padStart(2, '0')}-01`;
  const lastMonth = n * 3;
  const last = new Date(Date.UTC(y, lastMonth, 0)).toISOString().slice(0, 10);
  return [first, last];
}

export async function showStats() {
  const gen = S.gen;
  show('stats');
  S.statsError = null;
  $('stats-progress-box').hidden = true;
  setText($('stats-status'), '');
  try {
    const answer = await authed('GET', '/v1/desk/stats/contributions');
    if (gen !== S.gen) return;
    S.quarters = answer.quarters;
    S.currentQuarter = answer.current ?? null;
  } catch (e) {
    if (gen !== S.gen) return;
    S.quarters = [];
    S.currentQuarter = null;
    S.statsError = explain(e);
  }
  renderStats();
}

export function renderStats() {
  // The quarter running now, so that its cases do not seem missing from the table.
  const cur = S.currentQuarter;
  setText($('stats-current'), cur ? (cur.cases === 1 ? 'd.stats.current1' : 'd.stats.current') : null,
    cur ? { q: cur.quarter, n: cur.cases, date: { date: cur.contribute_from } } : {});
  const body = $('stats-rows');
  body.replaceChildren();
  for (const q of S.quarters ?? []) {
    const tr = el('tr');
    tr.append(el('th', { scope: 'row' }, q.quarter));
    tr.append(el('td', {}, String(q.cases)));
    // A quarter without cases is confirmed like any other: a missing office then says nothing
    // about whether it had cases.
    const sent = q.confirmed && q.contributed === q.cases;
    let key = 'd.stats.state.due';
    if (q.frozen) key = 'd.stats.state.frozen';
    else if (q.cases === 0) key = sent ? 'd.stats.state.confirmed' : 'd.stats.state.none';
    else if (sent) key = 'd.stats.state.done';
    tr.append(el('td', {}, t(key, { n: q.contributed })));
    const td = el('td');
    if (!q.frozen && !(q.cases === 0 && sent)) {
      const label = q.cases === 0 ? 'd.stats.confirm' : sent ? 'd.stats.again' : 'd.stats.send';
      td.append(el('button', { type: 'button', class: sent ? 'secondary small' : 'primary small', 'data-quarter': q.quarter },
        t(label, { q: q.quarter })));
    }
    tr.append(td);
    body.append(tr);
  }
  setText($('stats-error'), S.statsError ? t(S.statsError.key, resolveVars(S.statsError.vars)) : '');
}

export async function onContribute(quarter, button) {
  const gen = S.gen;
  S.statsError = null;
  setText($('stats-error'), '');
  for (const b of document.querySelectorAll('#stats-rows button')) b.disabled = true;
  const [first, last] = quarterDays(quarter);
  try {
    const all = await authed('GET', '/v1/desk/cases?filter=all');
    if (gen !== S.gen) return;
    const cases = all.cases.filter((c) => c.received_on >= first && c.received_on <= last);
    const bar = $('stats-progress');
    $('stats-progress-box').hidden = false;
    bar.max = Math.max(cases.length, 1);
    bar.value = 0;
    const identity = S.session.identity;
    const records = [];
    let unreadable = 0;
    for (const [i, c] of cases.entries()) {
      // Read for the statistics, not as a reading of the case: no "seen" mark.
      const detail = await authed('GET', `/v1/desk/cases/${encodeURIComponent(c.id)}?read=false`);
      if (gen !== S.gen) return;
      let reporter = null;
      try {
        reporter = answersOf(await openDoc(detail.ciphertext, identity));
      } catch {
        unreadable++;
      }
      let officer = null;
      for (const m of (detail.messages ?? []).filter((x) => x.direction === 'note')) {
        try {
          const doc = await openDoc(m.ciphertext, identity);
          if (doc.kind === 'classification') officer = answersOf(doc) ?? officer;
        } catch { /* a note for an older key: counts without it */ }
      }
      records.push(merge(reporter, officer));
      bar.value = i + 1;
      setText($('stats-status'), 'd.stats.progress', { done: i + 1, total: cases.length });
    }
    const answer = await authed('POST', '/v1/desk/stats/contributions', { body: { quarter, records: shuffle(records) } });
    if (gen !== S.gen) return;
    const done = answer.records === 0 ? t('d.stats.confirmedSent', { q: quarter }) : t('d.stats.sent', { n: answer.records, q: quarter });
    await showStats();
    setText($('stats-status'), unreadable ? `${done} ${t('d.stats.unreadable', { n: unreadable })}` : done);
  } catch (e) {
    if (gen !== S.gen) return;
    S.statsError = explain(e);
    $('stats-progress-box').hidden = true;
    setText($('stats-status'), '');
    renderStats();
  } finally {
    for (const b of document.querySelectorAll('#stats-rows button')) b.disabled = false;
    button?.focus?.();
  }
}
