// Small DOM helpers for the desk: elements, messages and field errors, and the dates and days
// the views show.

import { t } from '../i18n.js';
import { setText } from '../common.js';
import { explain } from './api.js';
import { S } from './state.js';

export function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

export function tx(tag, attrs, key, vars) {
  const e = el(tag, attrs);
  setText(e, key, vars);
  return e;
}

export function showError(node, e) {
  const { key, vars } = explain(e);
  setText(node, key, vars);
}

export function fieldError(input, node, key, vars) {
  setText(node, key, vars);
  if (key) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

export function clearMessages(root) {
  for (const n of root.querySelectorAll('.field-error, .form-error, .status')) setText(n, '');
  for (const n of root.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
}

export const short = (id) => String(id).replace(/-/g, '').slice(0, 8);
export const nextFrame = () => new Promise((r) => setTimeout(r, 30));

export function daysBetween(from, to) {
  const d = (s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? '');
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  };
  return Math.round((d(to) - d(from)) / 86400000);
}

function localToday() {
  const n = new Date();
  return `${n.getFullYear()}-${String(n.getMonth() + 1).padStart(2, '0')}-${String(n.getDate()).padStart(2, '0')}`;
}

export function today() {
  return S.inbox?.today ?? S.allCases?.today ?? localToday();
}

export function daysText(n) {
  if (n > 1) return t('d.days.left', { n });
  if (n === 1) return t('d.days.left1');
  if (n === 0) return t('d.days.today');
  if (n === -1) return t('d.days.over1');
  return t('d.days.over', { n: -n });
}

export function statusWord(s) {
  const w = t(`status.${s}`);
  return w === `status.${s}` ? s : w;
}
