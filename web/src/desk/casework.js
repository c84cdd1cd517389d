// Casework (issue #14): the office's officers, who a case is assigned to, and the labels (names
// encrypted to the office) with their management panel.

import { t, lang } from '../i18n.js';
import { $, sealToBase64, setText } from '../common.js';
import { padDocument } from '../padding.js';
import { DeskError, problemName, explain } from './api.js';
import { S, hooks } from './state.js';
import { el, showError, fieldError } from './dom.js';
import { openDoc } from './age.js';
import { authed, sealAndSend } from './session.js';

/** The office's officers and its labels (names decrypted here), for the inbox and the case. */
export async function loadCasework() {
  const [officers, labels] = await Promise.all([
    authed('GET', '/v1/desk/officers'),
    authed('GET', '/v1/desk/labels'),
  ]);
  S.officers = Array.isArray(officers?.officers) ? officers.officers : [];
  S.labels = await decryptLabels(labels?.labels ?? []);
  renderLabels();
}

async function decryptLabels(list) {
  const identity = S.session.identity;
  const out = [];
  for (const l of list) {
    try {
      const doc = await openDoc(l.ciphertext, identity);
      out.push({ id: l.id, keyset_version: l.keyset_version, name: typeof doc.text === 'string' ? doc.text : '' });
    } catch {
      out.push({ id: l.id, keyset_version: l.keyset_version, name: '', failed: true });
    }
  }
  const coll = new Intl.Collator(lang());
  return out.sort((a, b) => coll.compare(a.name, b.name));
}

export const labelById = (id) => (S.labels ?? []).find((l) => l.id === id) ?? null;
export const labelName = (l) => (l.failed ? t('d.labels.undecryptable') : l.name);

export function officerName(id) {
  const o = (S.officers ?? []).find((x) => x.id === id);
  return o ? o.display_name : t('d.officer.former');
}

export function assigneeName(id) {
  return id ? officerName(id) : t('d.assignee.all');
}

/** The names of officers who have seen something, the signed-in officer marked as such. */
export function seenText(ids) {
  const list = Array.isArray(ids) ? ids : [];
  if (!list.length) return t('d.seen.nobody');
  const me = S.session?.officer?.id;
  const names = list.map((id) => (id === me ? t('d.seen.me', { name: officerName(id) }) : officerName(id)));
  return t('d.seen.by', { names: names.join(', ') });
}

/** A case's labels as small chips (a list, so a screen reader counts them), or null. */
export function labelChips(ids) {
  const known = (ids ?? []).map(labelById).filter(Boolean);
  if (!known.length) return null;
  const ul = el('ul', { class: 'chips', 'aria-label': t('d.labels.chipsLabel') });
  for (const l of known) ul.append(el('li', { class: 'chip' }, labelName(l)));
  return ul;
}

export function renderLabelFilter() {
  const select = $('label-filter');
  if (S.labelFilter && !labelById(S.labelFilter)) S.labelFilter = '';
  select.replaceChildren(el('option', { value: '' }, t('d.inbox.labelAll')));
  for (const l of S.labels ?? []) select.append(el('option', { value: l.id }, labelName(l)));
  select.value = S.labelFilter;
}

/** The "manage labels" panel: each label with rename and delete (asked for once more). */
export function renderLabels() {
  const ul = $('labels-list');
  ul.replaceChildren();
  const labels = S.labels ?? [];
  $('labels-none').hidden = labels.length > 0;
  ul.hidden = labels.length === 0;
  const edit = S.labelEdit;
  for (const l of labels) {
    const name = labelName(l);
    const li = el('li', { class: 'label-row', 'data-label': l.id });
    if (edit?.id === l.id && edit.mode === 'rename') {
      const form = el('form', { class: 'label-rename', novalidate: true, 'data-label': l.id });
      const id = `label-rename-${l.id}`;
      const field = el('div', { class: 'field' });
      field.append(el('label', { for: id }, t('d.labels.renameLabel', { name })));
      field.append(el('p', { class: 'field-error', id: `${id}-error`, role: 'alert' }));
      const input = el('input', { type: 'text', id, maxlength: '60', autocomplete: 'off', 'aria-describedby': `${id}-error` });
      input.value = edit.draft ?? (l.failed ? '' : l.name);
      field.append(input);
      const row = el('div', { class: 'actions' });
      row.append(
        el('button', { type: 'submit', class: 'primary small', 'data-action': 'rename-save' }, t('d.labels.renameSave')),
        el('button', { type: 'button', class: 'secondary small', 'data-action': 'cancel' }, t('d.labels.cancel')),
      );
      form.append(field, row);
      li.append(form);
    } else if (edit?.id === l.id && edit.mode === 'delete') {
      const qid = `label-delete-q-${l.id}`;
      li.append(el('p', { class: 'warning', id: qid }, t('d.labels.deleteQuestion', { name })));
      const row = el('div', { class: 'actions' });
      row.append(
        el('button', { type: 'button', class: 'primary small', 'data-action': 'delete-confirm', 'aria-describedby': qid }, t('d.labels.deleteConfirm')),
        el('button', { type: 'button', class: 'secondary small', 'data-action': 'cancel' }, t('d.labels.cancel')),
      );
      li.append(row);
    } else {
      li.append(el('span', { class: 'chip' }, name));
      if (S.office && l.keyset_version < S.office.keysetVersion) {
        li.append(el('span', { class: 'keyset-old inline' }, t('d.keyset.item', { v: l.keyset_version })));
      }
      const row = el('span', { class: 'label-actions' });
      row.append(
        el('button', { type: 'button', class: 'secondary small', 'data-action': 'rename', 'aria-label': t('d.labels.renameAria', { name }) }, t('d.labels.rename')),
        el('button', { type: 'button', class: 'secondary small', 'data-action': 'delete', 'aria-label': t('d.labels.deleteAria', { name }) }, t('d.labels.delete')),
      );
      li.append(row);
    }
    ul.append(li);
  }
}

/** A label's name as the office's ciphertext: a padded document, like a note. */
function sealLabel(name) {
  return (office) => {
    const padded = padDocument({ v: 1, kind: 'label', text: name }, office.maxPlaintext);
    if (!padded) throw new DeskError('error.textTooLong');
    return sealToBase64(padded, office.recipients).finally(() => padded.fill(0));
  };
}

export function putLabel(id, name) {
  return sealAndSend(sealLabel(name), (ciphertext, keysetVersion) => authed('PUT', `/v1/desk/labels/${encodeURIComponent(id)}`, {
    body: { ciphertext, keyset_version: keysetVersion },
  }));
}

/** After a change: the labels again, then the inbox (and the open case) show them. */
async function afterLabelChange() {
  await loadCasework();
  if (S.inbox) hooks.renderInbox();
  if (S.caseData) renderCasework(S.caseData);
}

export async function onLabelAdd(event) {
  event.preventDefault();
  const input = $('label-new');
  const err = $('label-new-error');
  fieldError(input, err, '');
  setText($('labels-error'), '');
  setText($('labels-status'), '');
  const name = input.value.trim();
  if (!name) {
    fieldError(input, err, 'd.labels.required');
    input.focus();
    return;
  }
  if ((S.labels ?? []).some((l) => !l.failed && l.name.toLowerCase() === name.toLowerCase())) {
    fieldError(input, err, 'd.labels.exists', { name });
    input.focus();
    return;
  }
  const button = $('label-add');
  button.disabled = true;
  try {
    await sealAndSend(sealLabel(name), (ciphertext, keysetVersion) => authed('POST', '/v1/desk/labels', {
      body: { ciphertext, keyset_version: keysetVersion },
    }));
    input.value = '';
    await afterLabelChange();
    setText($('labels-status'), 'd.labels.added', { name });
  } catch (e) {
    showError($('labels-error'), e);
  } finally {
    button.disabled = false;
  }
}

export async function onLabelAction(event) {
  const b = event.target.closest('button[data-action]');
  if (!b) return;
  const id = b.closest('[data-label]')?.dataset.label;
  const l = labelById(id);
  if (!l) return;
  const action = b.dataset.action;
  setText($('labels-error'), '');
  setText($('labels-status'), '');
  const focusRow = (sel) => $('labels-list').querySelector(`li[data-label="${CSS.escape(id)}"] ${sel}`)?.focus();
  if (action === 'rename' || action === 'delete') {
    S.labelEdit = { id, mode: action };
    renderLabels();
    focusRow(action === 'rename' ? 'input' : 'button[data-action="delete-confirm"]');
  } else if (action === 'cancel') {
    S.labelEdit = null;
    renderLabels();
    focusRow(`button[data-action="${b.closest('form') ? 'rename' : 'delete'}"]`);
  } else if (action === 'delete-confirm') {
    b.disabled = true;
    try {
      await authed('DELETE', `/v1/desk/labels/${encodeURIComponent(id)}`);
      S.labelEdit = null;
      if (S.labelFilter === id) S.labelFilter = '';
      await afterLabelChange();
      setText($('labels-status'), 'd.labels.deleted', { name: labelName(l) });
      $('labels-heading').focus();
    } catch (e) {
      b.disabled = false;
      showError($('labels-error'), e);
    }
  }
}

export async function onLabelRename(event) {
  event.preventDefault();
  const form = event.target.closest('form.label-rename');
  if (!form) return;
  const id = form.dataset.label;
  const l = labelById(id);
  const input = form.querySelector('input');
  const err = form.querySelector('.field-error');
  const name = input.value.trim();
  if (!name) {
    fieldError(input, err, 'd.labels.required');
    input.focus();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await putLabel(id, name);
    S.labelEdit = null;
    await afterLabelChange();
    setText($('labels-status'), 'd.labels.renamed', { old: l ? labelName(l) : '', name });
    $('labels-list').querySelector(`li[data-label="${CSS.escape(id)}"] button[data-action="rename"]`)?.focus();
  } catch (e) {
    button.disabled = false;
    S.labelEdit = { id, mode: 'rename', draft: name };
    const { key, vars } = explain(e);
    fieldError(input, err, key, vars);
    input.focus();
  }
}

/** The case's "assigned to" select and label checkboxes; choices not yet saved survive a re-render. */
export function renderCasework(d) {
  const c = d.summary;
  const select = $('assignee-select');
  const key = `${c.id}:${c.assignee ?? ''}:${(c.labels ?? []).join(',')}`;
  const same = select.dataset.key === key;
  const chosenAssignee = same ? select.value : (c.assignee ?? '');
  const chosenLabels = same
    ? [...$('case-labels').querySelectorAll('input:checked')].map((x) => x.value)
    : (c.labels ?? []);
  select.dataset.key = key;
  select.replaceChildren(el('option', { value: '' }, t('d.casework.assigneeAll')));
  const officers = [...(S.officers ?? [])];
  if (c.assignee && !officers.some((o) => o.id === c.assignee)) officers.push({ id: c.assignee, display_name: t('d.officer.former') });
  const me = S.session?.officer?.id;
  for (const o of officers) select.append(el('option', { value: o.id }, o.id === me ? t('d.seen.me', { name: o.display_name }) : o.display_name));
  select.value = chosenAssignee;
  const box = $('case-labels');
  box.replaceChildren();
  const labels = S.labels ?? [];
  $('case-labels-none').hidden = labels.length > 0;
  $('labels-save').hidden = labels.length === 0;
  for (const l of labels) {
    const id = `case-label-${l.id}`;
    const row = el('div', { class: 'check' });
    const input = el('input', { type: 'checkbox', id, value: l.id });
    input.checked = chosenLabels.includes(l.id);
    row.append(input, el('label', { for: id }, labelName(l)));
    box.append(row);
  }
}

export async function onAssigneeSave(event) {
  event.preventDefault();
  const d = S.caseData;
  if (!d) return;
  const id = S.caseId;
  const gen = S.gen;
  setText($('assignee-error'), '');
  setText($('assignee-status'), '');
  const officer = $('assignee-select').value || null;
  $('assignee-save').disabled = true;
  try {
    const summary = await authed('POST', `/v1/desk/cases/${encodeURIComponent(id)}/assignee`, { body: { officer } });
    if (gen !== S.gen || S.caseId !== id || !S.caseData) return;
    S.caseData.summary = { ...S.caseData.summary, ...(summary ?? {}), assignee: summary?.assignee ?? officer };
    renderCasework(S.caseData);
    setText($('assignee-status'), officer ? 'd.casework.assigned' : 'd.casework.assignedAll', { name: officer ? officerName(officer) : '' });
  } catch (e) {
    if (gen !== S.gen) return;
    if (problemName(e) === 'unknown-officer') await loadCasework().catch(() => {});
    showError($('assignee-error'), e);
  } finally {
    $('assignee-save').disabled = false;
  }
}

export async function onCaseLabelsSave(event) {
  event.preventDefault();
  if (!S.caseData) return;
  const id = S.caseId;
  const gen = S.gen;
  setText($('case-labels-error'), '');
  setText($('case-labels-status'), '');
  const labels = [...$('case-labels').querySelectorAll('input:checked')].map((x) => x.value);
  $('labels-save').disabled = true;
  try {
    const summary = await authed('PUT', `/v1/desk/cases/${encodeURIComponent(id)}/labels`, { body: { labels } });
    if (gen !== S.gen || S.caseId !== id || !S.caseData) return;
    S.caseData.summary = { ...S.caseData.summary, ...(summary ?? {}), labels: summary?.labels ?? labels };
    renderCasework(S.caseData);
    setText($('case-labels-status'), 'd.casework.labelsSaved', { n: labels.length });
  } catch (e) {
    if (gen !== S.gen) return;
    if (problemName(e) === 'unknown-label') {
      await loadCasework().catch(() => {});
      if (S.caseData) renderCasework(S.caseData);
    }
    showError($('case-labels-error'), e);
  } finally {
    $('labels-save').disabled = false;
  }
}

/** "Encrypted for key set 2 – please re-encrypt", when an item is older than the office's set. */
export function keysetMarker(version) {
  const current = S.office?.keysetVersion;
  if (!Number.isInteger(version) || !Number.isInteger(current) || version >= current) return null;
  return el('p', { class: 'keyset-old' }, t('d.keyset.item', { v: version }));
}
