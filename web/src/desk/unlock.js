// Unlock: the accounts remembered on this device, and logging in with a passkey or a key file.

import { t } from '../i18n.js';
import { $, setText } from '../common.js';
import { DeskError, request } from './api.js';
import {
  unwrapPasskey, choosePasskey, unwrapPassphrase, readKeyFile, loadAccounts, saveAccount,
  forgetAccount,
} from './keys.js';
import { SLUG, S } from './state.js';
import { el, tx, showError, fieldError, clearMessages, nextFrame } from './dom.js';
import { login, startSession } from './session.js';

export function renderUnlockIntro() {
  setText($('unlock-intro'), 'd.unlock.intro', { n: Math.max(1, Math.round(S.idleSecs / 60)) });
}

function passToggle(targets) {
  const b = el('button', { type: 'button', class: 'secondary small pass-toggle', 'data-targets': targets, 'aria-pressed': 'false' });
  setText(b, 'd.pass.show');
  return b;
}

export function onPassToggle(event) {
  const b = event.target.closest('.pass-toggle');
  if (!b) return;
  const on = b.getAttribute('aria-pressed') !== 'true';
  b.setAttribute('aria-pressed', String(on));
  for (const id of b.dataset.targets.split(' ')) $(id).type = on ? 'text' : 'password';
}

export function renderAccounts() {
  const list = loadAccounts();
  const ul = $('accounts');
  ul.replaceChildren();
  $('no-accounts').hidden = list.length > 0;
  list.forEach((a, i) => {
    const who = { name: a.display_name || a.recipient.slice(0, 12), office: a.office };
    const li = el('li', { class: 'account' });
    li.append(tx('p', { class: 'account-name' }, 'd.unlock.account', who));
    li.append(tx('p', { class: 'hint' }, a.kind === 'passkey' ? 'd.unlock.byPasskey' : 'd.unlock.byPassphrase'));
    const err = el('p', { class: 'form-error', role: 'alert', id: `account-${i}-error` });
    const status = el('p', { class: 'status', role: 'status' });
    if (a.kind === 'passkey') {
      const b = tx('button', { type: 'button', class: 'primary', id: `account-${i}-unlock` }, 'd.unlock.withPasskey');
      b.addEventListener('click', () => unlockPasskeyAccount(a, b, err, status));
      li.append(el('div', { class: 'actions' }), err, status);
      li.querySelector('.actions').append(b);
    } else {
      const form = el('form', { class: 'account-form', novalidate: true });
      const id = `account-${i}-pass`;
      const field = el('div', { class: 'field' });
      field.append(tx('label', { for: id }, 'd.unlock.passFor', who));
      const perr = el('p', { class: 'field-error', role: 'alert', id: `${id}-error` });
      const input = el('input', { type: 'password', id, class: 'pass', autocomplete: 'current-password', spellcheck: 'false', 'aria-describedby': `${id}-error` });
      field.append(perr, input);
      const row = el('div', { class: 'actions' });
      const submit = tx('button', { type: 'submit', class: 'primary', id: `account-${i}-unlock` }, 'd.unlock.unlock');
      row.append(submit, passToggle(id));
      form.append(field, row, err, status);
      form.addEventListener('submit', (ev) => { ev.preventDefault(); unlockPassphraseAccount(a, input, perr, submit, err, status); });
      input.addEventListener('input', () => fieldError(input, perr, ''));
      li.append(form);
    }
    const forget = tx('button', { type: 'button', class: 'secondary small forget' }, 'd.unlock.forget');
    forget.dataset.i18nAriaLabel = 'd.unlock.forgetLabel';
    forget.dataset.i18nAriaVars = JSON.stringify(who);
    forget.setAttribute('aria-label', t('d.unlock.forgetLabel', who));
    forget.addEventListener('click', () => {
      forgetAccount(a);
      renderAccounts();
      setText($('global-status'), 'd.unlock.forgotten');
      $('accounts-heading').focus();
    });
    li.append(el('p', { class: 'forget-row' }));
    li.lastChild.append(forget);
    ul.append(li);
  });
}

async function withBusy(button, status, key, fn) {
  button.disabled = true;
  setText(status, key);
  try {
    return await fn();
  } finally {
    button.disabled = false;
    setText(status, '');
  }
}

async function unlockPasskeyAccount(a, button, err, status) {
  setText(err, '');
  setText($('global-status'), '');
  try {
    const sess = await withBusy(button, status, 'd.unlock.passkeyWorking', async () => {
      const { passkeys = [] } = await request('POST', '/v1/desk/passkeys', { body: { office: a.office } });
      const entry = passkeys.find((p) => p.credential === a.credential);
      if (!entry) throw new DeskError('d.err.passkeyNotFound', { office: a.office });
      const identity = await unwrapPasskey(entry.credential, entry.wrapped);
      return login(a.office, identity);
    });
    saveAccount({ ...a, officer_id: sess.officer.id ?? a.officer_id, display_name: sess.officer.display_name ?? a.display_name });
    await startSession(sess);
  } catch (e) {
    showError(err, e);
    button.focus();
  }
}

async function unlockPassphraseAccount(a, input, perr, button, err, status) {
  setText(err, '');
  setText($('global-status'), '');
  if (!input.value) {
    fieldError(input, perr, 'd.err.passphraseRequired');
    input.focus();
    return;
  }
  try {
    const sess = await withBusy(button, status, 'd.unlock.scrypt', async () => {
      await nextFrame();
      const identity = await unwrapPassphrase(a.wrapped, input.value);
      input.value = '';
      setText(status, 'd.unlock.working');
      return login(a.office, identity);
    });
    saveAccount({ ...a, officer_id: sess.officer.id ?? a.officer_id, display_name: sess.officer.display_name ?? a.display_name });
    await startSession(sess);
  } catch (e) {
    if (e instanceof DeskError && e.key === 'd.err.wrongPassphrase') {
      fieldError(input, perr, e.key);
      input.select();
      input.focus();
    } else {
      showError(err, e);
      button.focus();
    }
  }
}

/**
 * The offices one can log in to (those with officers), named as the form names them; chosen
 * ahead: `preferred` (an invitation's office), the address's `?office=`, the account last
 * remembered on this device, or the server's default. With one office there is nothing to
 * choose, and the page just names it.
 */
export async function loadLoginOffices(preferred = null) {
  let list = {};
  try {
    list = await request('GET', '/v1/offices');
  } catch { /* the login says why, when tried */ }
  const offices = Array.isArray(list?.offices) ? [...list.offices] : [];
  if (preferred && !offices.some((o) => o.slug === preferred.slug)) offices.push(preferred);
  S.loginOffices = offices;
  const select = $('login-office');
  select.replaceChildren(...offices.map((o) => el('option', { value: o.slug },
    o.municipality && !o.name.includes(o.municipality) ? `${o.name} (${o.municipality})` : o.name)));
  const known = (slug) => slug && offices.some((o) => o.slug === slug);
  const pick = [preferred?.slug, S.wantedOffice, loadAccounts().at(-1)?.office, list?.default].find(known);
  if (pick) select.value = pick;
  $('login-office-field').hidden = offices.length === 1;
  $('login-office-only').hidden = offices.length !== 1;
  setText($('login-office-only'), offices.length === 1 ? 'd.unlock.officeOnly' : null, { office: offices[0]?.name ?? '' });
}

function chosenOffice() {
  const select = $('login-office');
  const v = select.value;
  if (!SLUG.test(v)) {
    $('login-office-field').hidden = false;
    fieldError(select, $('login-office-error'), 'd.err.officeRequired');
    select.focus();
    return null;
  }
  fieldError(select, $('login-office-error'), '');
  return v;
}

export async function onPasskeyLogin(event) {
  event.preventDefault();
  const form = $('passkey-login');
  clearMessages(form);
  setText($('global-status'), '');
  const office = chosenOffice();
  if (!office) return;
  const button = $('passkey-login-submit');
  try {
    const { sess, entry } = await withBusy(button, $('passkey-login-status'), 'd.unlock.passkeyWorking', async () => {
      const { passkeys = [] } = await request('POST', '/v1/desk/passkeys', { body: { office } });
      if (!passkeys.length) throw new DeskError('d.err.noPasskeys', { office });
      const chosen = await choosePasskey(passkeys);
      if (!chosen) throw new DeskError('d.err.passkeyNotFound', { office });
      const identity = await unwrapPasskey(chosen.credential, chosen.wrapped);
      return { sess: await login(office, identity), entry: chosen };
    });
    saveAccount({
      office: sess.office, officer_id: sess.officer.id, display_name: sess.officer.display_name,
      recipient: sess.recipient, kind: 'passkey', credential: entry.credential,
    });
    await startSession(sess);
  } catch (e) {
    showError($('passkey-login-error'), e);
    button.focus();
  }
}

export function onKeyFileChange() {
  S.pendingFile = null;
  $('key-file-pass-field').hidden = true;
  $('key-file-pass').value = '';
  fieldError($('key-file'), $('key-file-error'), '');
  setText($('file-login-error'), '');
}

export async function onFileLogin(event) {
  event.preventDefault();
  const form = $('file-login');
  clearMessages(form);
  setText($('global-status'), '');
  const office = chosenOffice();
  if (!office) return;
  const input = $('key-file');
  const file = input.files?.[0];
  if (!file) {
    fieldError(input, $('key-file-error'), 'd.err.keyFileRequired');
    input.focus();
    return;
  }
  const button = $('file-login-submit');
  const passInput = $('key-file-pass');
  try {
    let remember = null;
    const sess = await withBusy(button, $('file-login-status'), 'd.unlock.working', async () => {
      let identity;
      const read = S.pendingFile ?? await readKeyFile(file);
      if (read.kind === 'identity') {
        identity = read.identity;
      } else {
        S.pendingFile = read;
        if ($('key-file-pass-field').hidden || !passInput.value) {
          $('key-file-pass-field').hidden = false;
          if ($('key-file-pass-field').dataset.shown) fieldError(passInput, $('key-file-pass-error'), 'd.err.passphraseRequired');
          $('key-file-pass-field').dataset.shown = 'true';
          return null;
        }
        setText($('file-login-status'), 'd.unlock.scrypt');
        await nextFrame();
        identity = await unwrapPassphrase(read.bytes, passInput.value);
        passInput.value = '';
        if ($('key-file-remember').checked) remember = read.armored;
      }
      setText($('file-login-status'), 'd.unlock.working');
      return login(office, identity);
    });
    if (!sess) {
      passInput.focus();
      return;
    }
    if (remember) {
      saveAccount({
        office: sess.office, officer_id: sess.officer.id, display_name: sess.officer.display_name,
        recipient: sess.recipient, kind: 'passphrase', wrapped: remember,
      });
    }
    input.value = '';
    S.pendingFile = null;
    $('key-file-pass-field').hidden = true;
    delete $('key-file-pass-field').dataset.shown;
    await startSession(sess);
  } catch (e) {
    if (e instanceof DeskError && e.key === 'd.err.wrongPassphrase') {
      fieldError(passInput, $('key-file-pass-error'), e.key);
      passInput.focus();
    } else if (e instanceof DeskError && /keyFile/.test(e.key)) {
      fieldError(input, $('key-file-error'), e.key);
      input.focus();
    } else {
      showError($('file-login-error'), e);
      button.focus();
    }
  }
}
