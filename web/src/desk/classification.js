// The office's classification of a case (an encrypted note of kind "classification"), and the
// taxonomy form it shares with oral reports.

import { t, fieldTitle, valueLabel, TAXONOMY } from '../i18n.js';
import { $, sealToBase64, setText } from '../common.js';
import { padDocument } from '../padding.js';
import { S, hooks } from './state.js';
import { el, showError } from './dom.js';
import { authed, sealAndSend } from './session.js';
import { MAX_CONSEQUENCES, ANSWER_FIELDS, answersOf } from './statistics.js';

/** The taxonomy's fields, in the form's order; location comes from the office, not from here. */
const CLASSIFY_FIELDS = () => ANSWER_FIELDS.filter((f) => TAXONOMY[f]);

export function answersSummary(a) {
  return CLASSIFY_FIELDS()
    .filter((f) => a[f] !== undefined)
    .map((f) => `${fieldTitle(f)}: ${(Array.isArray(a[f]) ? a[f] : [a[f]]).map((v) => valueLabel(f, v)).join(', ')}`)
    .join('; ');
}

/** The classification the form shows: the newest saved one, else the reporter's answers. */
function classificationOf(d) {
  const saved = d.thread.filter((m) => m.answers).at(-1);
  if (saved) return { answers: saved.answers, on: saved.created_on };
  return { answers: answersOf(d.doc) ?? {}, on: null };
}

/**
 * The taxonomy form's current choices, as an answers object. `prefix` names the form: the
 * case view's classification (`classify`) or the answers of an oral report (`oral`).
 */
export function collectAnswers(prefix) {
  const out = {};
  for (const f of CLASSIFY_FIELDS()) {
    if (f === 'consequences') {
      const chosen = [...document.querySelectorAll(`#${prefix}-consequences input:checked`)].map((c) => c.value);
      if (chosen.length) out[f] = chosen;
    } else {
      const v = $(`${prefix}-${f}`)?.value;
      if (v) out[f] = v;
    }
  }
  return out;
}

function collectClassification() {
  return collectAnswers('classify');
}

export function renderClassification(d) {
  const root = $('classify-fields');
  const current = classificationOf(d);
  // A language switch re-renders the case: keep what the officer has chosen but not saved.
  const key = `${d.summary.id}:${d.thread.length}`;
  const chosen = root.dataset.key === key ? collectClassification() : current.answers;
  root.dataset.key = key;
  buildAnswerFields(root, 'classify', chosen);
  const source = $('classify-source');
  if (current.on) setText(source, 'd.classify.current', { date: { date: current.on } });
  else setText(source, Object.keys(current.answers).length ? 'd.classify.fromReporter' : 'd.classify.fromNothing');
}

/** The taxonomy's questions as selects (and checkboxes for consequences), with `chosen` set. */
export function buildAnswerFields(root, prefix, chosen) {
  root.replaceChildren();
  for (const f of CLASSIFY_FIELDS()) {
    const id = `${prefix}-${f}`;
    const values = Object.keys(TAXONOMY[f].values);
    if (f === 'consequences') {
      const fs = el('fieldset', { class: 'field', id, 'aria-describedby': `${id}-hint` });
      fs.append(el('legend', {}, fieldTitle(f)), el('p', { class: 'hint', id: `${id}-hint` }, t('stats.multiHint')));
      const checks = el('div', { class: 'checks' });
      for (const v of values) {
        const row = el('div', { class: 'check' });
        const box = el('input', { type: 'checkbox', id: `${id}-${v}`, value: v });
        box.checked = (chosen[f] ?? []).includes(v);
        row.append(box, el('label', { for: `${id}-${v}` }, valueLabel(f, v)));
        checks.append(row);
      }
      fs.append(checks);
      root.append(fs);
      continue;
    }
    const wrap = el('div', { class: 'field' });
    const select = el('select', { id });
    select.append(el('option', { value: '' }, t('stats.noAnswer')));
    for (const v of values) select.append(el('option', { value: v }, valueLabel(f, v)));
    select.value = chosen[f] ?? '';
    wrap.append(el('label', { for: id }, fieldTitle(f)), select);
    root.append(wrap);
  }
}

export async function saveClassification() {
  const err = $('classify-error');
  const status = $('classify-status');
  const button = $('classify-send');
  setText(err, '');
  setText(status, '');
  const answers = collectClassification();
  if (!Object.keys(answers).length) {
    setText(err, 'd.classify.empty');
    $('classify-heading').focus();
    return;
  }
  if ((answers.consequences ?? []).length > MAX_CONSEQUENCES) {
    setText(err, 'd.classify.tooMany', { max: MAX_CONSEQUENCES });
    document.querySelector('#classify-consequences input')?.focus();
    return;
  }
  const id = S.caseId;
  const gen = S.gen;
  // The same document the CLI writes (`desk status --classification`); the text is for readers
  // of the thread that do not know the kind.
  const doc = {
    v: 1,
    kind: 'classification',
    text: `Einordnung / classification: ${JSON.stringify(answers)}`,
    stats: { taxonomy_version: 1, ...answers },
  };
  const padded = padDocument(doc, S.office.maxPlaintext);
  button.disabled = true;
  setText(status, 'd.case.sending');
  try {
    await sealAndSend(
      (office) => sealToBase64(padded, office.recipients),
      (ciphertext, keysetVersion) => authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/notes`, {
        body: { ciphertext, keyset_version: keysetVersion },
      }),
    );
    if (gen !== S.gen) return;
    await hooks.openCase(id, { focus: false, reload: true });
    setText(status, 'd.classify.saved');
  } catch (e) {
    if (gen !== S.gen) return;
    setText(status, '');
    showError(err, e);
  } finally {
    padded.fill(0);
    button.disabled = false;
  }
}
