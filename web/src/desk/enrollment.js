// Enrollment from an invitation: a new identity, wrapped to a passkey and/or a passphrase, and the
// backup file offered right after.

import { $, setText } from '../common.js';
import { request } from './api.js';
import {
  newIdentity, wrapWithPasskey, wrapWithPassphrase, saveAccount, passkeysAvailable,
} from './keys.js';
import { S } from './state.js';
import { showError, fieldError, clearMessages, nextFrame } from './dom.js';
import { show } from './views.js';
import { download, safeName } from './blobs.js';
import { login, refreshOffice, renderWho } from './session.js';
import { armIdle } from './lock.js';
import { renderAccounts, loadLoginOffices } from './unlock.js';
import { showInbox } from './inbox.js';

const MIN_PASSPHRASE = 12;

export async function startEnroll(token) {
  S.invite = null;
  show('enroll', { focus: false });
  clearMessages($('view-enroll'));
  $('enroll-form').hidden = true;
  $('enroll-done').hidden = true;
  setText($('enroll-status'), 'd.enroll.checking');
  try {
    const inv = await request('POST', '/v1/desk/invitation', { body: { token } });
    S.invite = { token, office: inv.office, officeName: inv.office_name ?? inv.office, name: inv.display_name ?? '' };
    setText($('enroll-status'), '');
    setText($('enroll-invited'), 'd.enroll.invited', { name: S.invite.name, office: S.invite.officeName });
    // A passkey and a backup file, unless the browser has no passkeys.
    const pk = passkeysAvailable();
    $('protect-passkey').disabled = !pk;
    $('protect-passkey').checked = pk;
    $('protect-passphrase').checked = true;
    renderProtection();
    $('enroll-form').hidden = false;
    await loadLoginOffices({ slug: inv.office, name: S.invite.officeName });
  } catch (e) {
    // The invitation cannot be used: say why where the officer can unlock instead.
    setText($('enroll-status'), '');
    show('unlock', { focus: false });
    showError($('unlock-error'), e);
    $('unlock-heading').focus();
  }
}

/** The passphrase's fields with a passphrase; the plain warning with a passkey alone. */
export function renderProtection() {
  $('passphrase-fields').hidden = !$('protect-passphrase').checked;
  $('passkey-only-warning').hidden = !($('protect-passkey').checked && !$('protect-passphrase').checked);
}

/** The done view: the backup to save, or (passkey only) the offer to make one now. */
function showDone(withBackup) {
  $('enroll-form').hidden = true;
  setText($('enroll-invited'), '');
  $('enroll-done-backup').hidden = !withBackup;
  $('enroll-download').hidden = !withBackup;
  $('enroll-later').hidden = withBackup;
  $('enroll-done').hidden = false;
  show('enroll', { focus: false });
  $('enroll-done-heading').focus();
}

export async function onEnroll(event) {
  event.preventDefault();
  const form = $('enroll-form');
  clearMessages(form);
  setText($('enroll-error'), '');
  const inv = S.invite;
  if (!inv) return;
  const usePasskey = $('protect-passkey').checked;
  const usePass = $('protect-passphrase').checked;
  const pass = $('enroll-pass');
  const pass2 = $('enroll-pass2');
  let bad = null;
  if (!usePasskey && !usePass) {
    setText($('protect-error'), 'd.err.protectRequired');
    bad = $('protect-passkey').disabled ? $('protect-passphrase') : $('protect-passkey');
  }
  if (usePass) {
    if (pass.value.length < MIN_PASSPHRASE) {
      fieldError(pass, $('enroll-pass-error'), pass.value ? 'd.err.passphraseShort' : 'd.err.passphraseRequired');
      bad ??= pass;
    } else if (pass.value !== pass2.value) {
      fieldError(pass2, $('enroll-pass2-error'), 'd.err.passphraseMismatch');
      bad ??= pass2;
    }
  }
  if (bad) {
    bad.focus();
    return;
  }
  const submit = $('enroll-submit');
  submit.disabled = true;
  const status = $('enroll-form-status');
  try {
    const { identity, recipient } = await newIdentity();
    let passkey;
    let armored;
    if (usePasskey) {
      setText(status, 'd.enroll.passkeyPrompt');
      passkey = await wrapWithPasskey(identity, `Meldestelle – ${inv.officeName} – ${inv.name}`);
    }
    if (usePass) {
      setText(status, 'd.enroll.scrypt');
      await nextFrame();
      armored = await wrapWithPassphrase(identity, pass.value);
    }
    setText(status, 'd.enroll.sending');
    const body = { token: inv.token, recipient };
    if (passkey) body.passkey = passkey;
    const done = await request('POST', '/v1/desk/enroll', { body });
    const officer = done?.officer ?? {};
    const office = officer.office ?? inv.office;
    const account = { office, officer_id: officer.id, display_name: officer.display_name ?? inv.name, recipient };
    if (passkey) saveAccount({ ...account, kind: 'passkey', credential: passkey.credential });
    if (armored) saveAccount({ ...account, kind: 'passphrase', wrapped: armored });
    pass.value = '';
    pass2.value = '';
    S.invite = null;
    renderAccounts();
    const sess = await login(office, identity);
    setText(status, '');
    // The backup to save, or the offer to make one, on screen until the officer moves on.
    S.session = sess;
    S.gen++;
    await refreshOffice();
    renderWho();
    armIdle();
    S.backup = armored ? { armored, office, account } : { office, account };
    showDone(Boolean(armored));
  } catch (e) {
    setText(status, '');
    showError($('enroll-error'), e);
    $('enroll-error').scrollIntoView?.({ block: 'nearest' });
    submit.focus();
  } finally {
    submit.disabled = false;
  }
}

/** Passkey only: the backup file made after all, with a passphrase chosen now. */
export async function onEnrollLater(event) {
  event.preventDefault();
  const pass = $('later-pass');
  const pass2 = $('later-pass2');
  clearMessages($('enroll-later'));
  if (pass.value.length < MIN_PASSPHRASE) {
    fieldError(pass, $('later-pass-error'), pass.value ? 'd.err.passphraseShort' : 'd.err.passphraseRequired');
    pass.focus();
    return;
  }
  if (pass.value !== pass2.value) {
    fieldError(pass2, $('later-pass2-error'), 'd.err.passphraseMismatch');
    pass2.focus();
    return;
  }
  if (!S.backup || !S.session) return;
  const submit = $('enroll-later-submit');
  submit.disabled = true;
  try {
    setText($('enroll-done-status'), 'd.enroll.scrypt');
    await nextFrame();
    const armored = await wrapWithPassphrase(S.session.identity, pass.value);
    pass.value = '';
    pass2.value = '';
    S.backup = { ...S.backup, armored };
    saveAccount({ ...S.backup.account, kind: 'passphrase', wrapped: armored });
    renderAccounts();
    $('enroll-later').hidden = true;
    $('enroll-done-backup').hidden = false;
    $('enroll-download').hidden = false;
    onDownloadBackup();
  } catch (e) {
    setText($('enroll-done-status'), '');
    showError($('enroll-done-status'), e);
  } finally {
    submit.disabled = false;
  }
}

export function onDownloadBackup() {
  if (!S.backup?.armored) return;
  download(new Blob([S.backup.armored], { type: 'application/octet-stream' }), `meldestelle-schluessel-${safeName(S.backup.office)}.age`);
  setText($('enroll-done-status'), 'd.enroll.downloaded');
}

export async function onEnrollContinue() {
  S.backup = null;
  $('enroll-done').hidden = true;
  setText($('enroll-done-status'), '');
  if (!S.session) { show('unlock'); return; }
  await showInbox();
}
