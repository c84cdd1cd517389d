// Views and focus: which of the desk's views is on screen, the navigation marking it, and where
// the focus goes.

import { $, setText } from '../common.js';
import { S, hooks } from './state.js';

const VIEWS = ['enroll', 'unlock', 'inbox', 'case', 'oral', 'rewrap', 'stats'];

export function show(view, { focus = true } = {}) {
  // A page-wide message belongs to the view it was said in.
  if (S.view && S.view !== view) setText($('global-status'), '');
  // The receipt of an oral report and what was typed for it never outlive the view.
  if (S.view === 'oral' && view !== 'oral') hooks.wipeOral();
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  S.view = view;
  const inside = Boolean(S.session);
  $('desk-nav').hidden = !inside;
  $('lock').hidden = !inside;
  $('who').hidden = !inside;
  const current = (node, on) => (on ? node.setAttribute('aria-current', 'page') : node.removeAttribute('aria-current'));
  current($('nav-inbox'), view === 'inbox' || view === 'case');
  current($('nav-oral'), view === 'oral');
  current($('nav-rewrap'), view === 'rewrap');
  current($('nav-stats'), view === 'stats');
  if (focus) $(`${view}-heading`).focus();
}
