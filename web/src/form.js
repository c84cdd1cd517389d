// The report form (index.html): builds the optional statistics questions, encrypts the report
// and its attachments in the browser with age, submits ciphertext only, shows the receipt once.

import { t, lang, fieldLabel, valueLabel, formatDate, formatBytes } from './i18n.js';
import {
  $, params, pageUrl, setupLanguage, revealApp, showNotice, api, ApiError,
  PowCancelled, powProgress,
  loadOffice, chooseOffice, sealToBase64, setText, errorText, sealedBase64Length, setFieldError, clearErrors, clearErrorOnInput,
} from './common.js';
import { formatReceipt, generateReceiptBytes, deriveAll } from './receipt.js';
import { padDocument, padAttachment, largestBucket, bucketFor } from './padding.js';

const ACCEPTED = /^(image\/[a-z0-9.+-]+|application\/pdf)$/;
const BY_EXTENSION = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic' };

/** The file's type; some systems give none, then the name's extension decides. */
function fileType(f) {
  return f.type || BY_EXTENSION[/\.([a-z0-9]+)$/i.exec(f.name)?.[1].toLowerCase()] || '';
}

const state = {
  office: null,       // from GET /v1/offices/{slug}
  taxonomy: null,     // from GET /v1/taxonomy
  files: [],          // File objects chosen and accepted
  done: null,         // { receipt, answer } after a successful submission
};

// ---- statistics questions ------------------------------------------------------------------------

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function selectField(id, labelAttrs, options) {
  const wrap = el('div', { class: 'field' });
  wrap.append(el('label', { for: id, ...labelAttrs }));
  const select = el('select', { id });
  select.append(el('option', { value: '', 'data-i18n': 'stats.noAnswer' }));
  for (const [value, attrs] of options) select.append(el('option', { value, ...attrs }));
  wrap.append(select);
  return wrap;
}

function buildStats(taxonomy) {
  const root = $('stats-fields');
  root.replaceChildren();
  for (const f of taxonomy.fields) {
    const id = `stats-${f.name}`;
    if (!f.multi) {
      root.append(selectField(id, { 'data-tax-field': f.name },
        f.values.map((v) => [v, { 'data-tax-value': `${f.name}:${v}` }])));
      continue;
    }
    const fs = el('fieldset', { class: 'field', id, 'aria-describedby': `${id}-hint ${id}-error`, 'data-max': String(f.max ?? f.values.length) });
    fs.append(el('legend', { 'data-tax-field': f.name }));
    fs.append(el('p', { class: 'hint', id: `${id}-hint`, 'data-i18n': 'stats.multiHint' }));
    fs.append(el('p', { class: 'field-error', id: `${id}-error`, role: 'alert' }));
    const checks = el('div', { class: 'checks' });
    for (const v of f.values) {
      const cid = `${id}-${v}`;
      const row = el('div', { class: 'check' });
      row.append(el('input', { type: 'checkbox', id: cid, value: v }));
      row.append(el('label', { for: cid, 'data-tax-value': `${f.name}:${v}` }));
      checks.append(row);
    }
    fs.append(checks);
    root.append(fs);
  }
  relabel();
}

/** The `stats` object to send, or null when nothing was answered. */
function collectStats() {
  if (!state.taxonomy) return null;
  const stats = {};
  for (const f of state.taxonomy.fields) {
    const id = `stats-${f.name}`;
    if (f.multi) {
      const chosen = [...$(id).querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
      if (chosen.length) stats[f.name] = chosen;
    } else {
      const v = $(id).value;
      if (v) stats[f.name] = v;
    }
  }
  if (!Object.keys(stats).length) return null;
  return { taxonomy_version: state.taxonomy.version, ...stats };
}

// ---- run-time text (re-rendered on a language switch) --------------------------------------------

function relabel() {
  for (const e of document.querySelectorAll('#stats-fields [data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-tax-field]')) e.textContent = fieldLabel(e.dataset.taxField);
  for (const e of document.querySelectorAll('[data-tax-value]')) {
    const [f, v] = e.dataset.taxValue.split(':');
    e.textContent = valueLabel(f, v);
  }
  if (state.office) {
    const o = state.office;
    const size = formatBytes(largestBucket(o.maxAttachment));
    let hint = o.maxAttachments
      ? t('report.filesHintCount', { size, count: o.maxAttachments })
      : t('report.filesHint', { size });
    const total = attachmentsTotal();
    if (total < largestBucket(o.maxAttachment) * (o.maxAttachments || 1)) hint += ` ${t('report.filesTotal', { total: formatBytes(total) })}`;
    $('files-hint').textContent = hint;
    for (const b of document.querySelectorAll('#files-list button')) b.textContent = t('report.fileRemove', { name: b.dataset.name });
  }
  if (state.done) {
    const a = state.done.answer ?? {};
    $('done-received').textContent = t('done.received', {
      received: formatDate(a.received_on), ack: formatDate(a.ack_due), feedback: formatDate(a.feedback_due),
    });
    // Where to come back: on the screen, in print and in the saved file.
    $('done-where').textContent = t('done.where', { url: followUpAddress() });
    $('done-reference-label').textContent = t('done.reference');
    $('done-reference').textContent = a.reference ?? '';
    $('done-reference-line').hidden = !a.reference;
    $('done-reference-hint').hidden = !a.reference;
  }
}

// ---- attachments ----------------------------------------------------------------------------------

function renderFiles() {
  const list = $('files-list');
  list.replaceChildren();
  state.files.forEach((f, i) => {
    const li = el('li');
    const cleaned = CLEANED.has(f) ? ` – ${t('report.fileCleaned')}` : '';
    li.append(el('span', { class: 'name' }, `${f.name} (${formatBytes(f.size)})${cleaned}`));
    const b = el('button', { type: 'button', class: 'secondary', 'data-name': f.name }, t('report.fileRemove', { name: f.name }));
    b.addEventListener('click', () => {
      state.files.splice(i, 1);
      renderFiles();
      $('form-status').textContent = t('report.fileRemoved', { name: f.name });
      $('files').focus();
    });
    li.append(b);
    list.append(li);
  });
  $('files-chosen').hidden = state.files.length === 0;
}

/** The request size with these attachments, estimated from above (the text counted at 64 KiB). */
function estimatedBody(files) {
  const o = state.office;
  const n = o.recipients.length;
  let total = 2048 + sealedBase64Length(Math.min(65536, o.maxPlaintext), n);
  for (const f of files) total += 4 + sealedBase64Length(bucketFor(f.size, o.maxAttachment), n);
  return total;
}

/** Roughly how many bytes of attachments fit in one request, for the hint. */
function attachmentsTotal() {
  const o = state.office;
  const spare = o.maxBody - estimatedBody([]);
  const perFile = 4 + sealedBase64Length(0, o.recipients.length);
  return Math.max(0, Math.floor((spare - perFile * (o.maxAttachments || 1)) * 3 / 4 / 65536) * 65536);
}

/** Which file each entry came from, to notice the same file chosen twice. */
const SOURCES = new WeakMap();
const sourceKey = (f) => `${f.name}\u0000${f.size}`;

/** The files made here without their metadata, so the list can say so. */
const CLEANED = new WeakSet();

/** Photo types that carry EXIF (location, camera, time): re-encoded before encryption. */
const PHOTO = /^image\/(jpeg|webp|heic|heif|avif|tiff)$/;

/** PNG chunks that describe rather than draw: EXIF, text (author, software), time. */
const PNG_METADATA = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

/** Whether a PNG carries metadata chunks (then it is drawn afresh; else it stays as it is). */
async function pngHasMetadata(f) {
  const b = new Uint8Array(await f.arrayBuffer());
  const view = new DataView(b.buffer);
  for (let at = 8; at + 8 <= b.length;) {
    const type = String.fromCharCode(...b.subarray(at + 4, at + 8));
    if (PNG_METADATA.has(type)) return true;
    if (type === 'IEND') return false;
    at += 12 + view.getUint32(at);
  }
  return false;
}

/**
 * The photo drawn afresh, without its metadata (EXIF with GPS position, camera model, time;
 * XMP; thumbnails). Orientation is applied first, so the picture still stands upright.
 * HEIC and the like become JPEG. Null when this browser cannot read the photo.
 */
async function withoutMetadata(f) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(f, { imageOrientation: 'from-image' });
  } catch {
    return null;
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  bitmap.close();
  const type = { 'image/webp': 'image/webp', 'image/png': 'image/png' }[fileType(f)] ?? 'image/jpeg';
  const blob = await canvas.convertToBlob({ type, quality: 0.92 });
  const name = type === 'image/jpeg' ? f.name.replace(/\.(heic|heif|avif|tiff?|jpe?g)$/i, '') + '.jpg' : f.name;
  return new File([blob], name, { type });
}

async function onFilesChosen() {
  const input = $('files');
  const o = state.office;
  const max = largestBucket(o.maxAttachment);
  const problems = [];
  const notes = [];
  for (const chosen of input.files) {
    let f = chosen;
    const name = f.name;
    // The same file chosen again is not added twice.
    if (state.files.some((g) => SOURCES.get(g) === sourceKey(chosen))) continue;
    if (PHOTO.test(fileType(f)) || (fileType(f) === 'image/png' && await pngHasMetadata(f))) {
      const clean = await withoutMetadata(f);
      if (!clean) {
        problems.push(t('error.photoUnreadable', { name }));
        continue;
      }
      f = clean;
      CLEANED.add(f);
      notes.push(t('report.photoCleaned', { name }));
    } else if (fileType(f) === 'application/pdf') {
      notes.push(t('report.pdfWarning', { name }));
    }
    if (!ACCEPTED.test(fileType(f))) problems.push(t('error.fileType', { name }));
    else if (f.size > max) problems.push(t('error.fileTooLarge', { name, size: formatBytes(f.size), max: formatBytes(max) }));
    else if (o.maxAttachments && state.files.length >= o.maxAttachments) problems.push(t('error.fileCount', { count: o.maxAttachments, name }));
    else if (estimatedBody([...state.files, f]) > o.maxBody) problems.push(t('error.filesTotal', { name }));
    else {
      SOURCES.set(f, sourceKey(chosen));
      state.files.push(f);
    }
  }
  input.value = '';
  setFieldError(input, $('files-error'), problems.join(' '));
  // What happened to the files, said where the reader looks next.
  $('files-note').textContent = notes.join(' ');
  renderFiles();
}

// ---- submission -------------------------------------------------------------------------------------

function validate() {
  clearErrors($('report-form'));
  setText($('form-error'), null);
  const errors = [];
  const text = $('text');
  if (!text.value.trim()) {
    setFieldError(text, $('text-error'), { key: 'error.textRequired' });
    errors.push(text);
  }
  for (const fs of document.querySelectorAll('#stats-fields fieldset[data-max]')) {
    const max = Number(fs.dataset.max);
    if (fs.querySelectorAll('input:checked').length > max) {
      fs.querySelector('.field-error').textContent = t('error.tooMany', { max });
      fs.querySelector('input').setAttribute('aria-invalid', 'true');
      errors.push(fs.querySelector('input'));
    }
  }
  return errors;
}

/** The report sealed for the office and for the reporter's receipt (`replyRecipient`). */
async function encryptReport(replyRecipient) {
  const o = state.office;
  const doc = { v: 1, kind: 'report', lang: lang(), text: $('text').value };
  const when = $('when').value.trim();
  const where = $('where').value.trim();
  if (when) doc.when = when;
  if (where) doc.where = where;
  if (state.files.length) {
    doc.attachments = state.files.map((f, index) => ({ index, name: f.name, type: fileType(f), size: f.size }));
  }
  // The answers travel inside the ciphertext: the office reads them and counts them later,
  // per quarter and unlinked from this report (PROTOCOL.md §3).
  const stats = collectStats();
  if (stats) doc.stats = stats;
  const padded = padDocument(doc, o.maxPlaintext);
  if (!padded) return { tooLong: true };
  // The receipt's reply key is a recipient too: the code alone lets the reporter re-read it.
  const ciphertext = await sealToBase64(padded, [...o.recipients, replyRecipient]);
  padded.fill(0);
  // Attachments are the office's only: the reporter keeps the originals.
  const attachments = [];
  for (const f of state.files) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    const p = padAttachment(bytes, o.maxAttachment);
    bytes.fill(0);
    attachments.push(await sealToBase64(p, o.recipients));
    p.fill(0);
  }
  return { ciphertext, attachments };
}

async function onSubmit(event) {
  event.preventDefault();
  if (!state.office) return;
  const errors = validate();
  if (errors.length) {
    setText($('form-error'), 'submit.fixErrors');
    errors[0].focus();
    return;
  }
  const button = $('submit');
  button.disabled = true;
  $('form-status').textContent = t('submit.encrypting');
  try {
    const r = generateReceiptBytes();
    const keys = await deriveAll(r);
    const sealed = await encryptReport(keys.replyRecipient);
    if (sealed.tooLong) {
      r.fill(0);
      setFieldError($('text'), $('text-error'), { key: 'error.textTooLong' });
      $('form-status').textContent = '';
      $('text').focus();
      return;
    }
    const body = {
      office: state.office.slug,
      keyset_version: state.office.keysetVersion,
      ciphertext: sealed.ciphertext,
      reply_recipient: keys.replyRecipient,
      lookup_id: keys.lookupId,
    };
    if (sealed.attachments.length) body.attachments = sealed.attachments;
    const answer = await submitWithProgress(body);
    showReceipt(formatReceipt(r), answer);
    r.fill(0);
  } catch (e) {
    $('form-status').textContent = '';
    if (e instanceof PowCancelled) {
      $('form-status').textContent = t('pow.cancelled');
      button.focus();
      return;
    }
    if (e instanceof ApiError && /keyset/.test(String(e.problem?.type ?? ''))) {
      try { state.office = await loadOffice(state.office.slug); } catch { /* shown below */ }
    }
    setText($('form-error'), 'submit.failed', { detail: errorText(e) });
    button.disabled = false;
    button.focus();
  } finally {
    button.disabled = false;
  }
}

/**
 * Sends the report after the proof of work, which runs in a worker while the page shows how far
 * it is and offers to stop it.
 */
async function submitWithProgress(body) {
  const controller = new AbortController();
  const progress = $('pow-progress');
  const cancel = $('pow-cancel');
  const stop = () => controller.abort();
  cancel.addEventListener('click', stop);
  progress.value = 0;
  progress.hidden = false;
  cancel.hidden = false;
  let estimate = powProgress(performance.now());
  $('form-status').textContent = t('pow.starting');
  try {
    return await api.submitReport(body, {
      signal: controller.signal,
      onProgress: (tried, expected) => {
        const p = estimate(tried, expected);
        progress.value = p.percent;
        $('form-status').textContent = t(p.key, p);
      },
      onRetry: () => {
        estimate = powProgress(performance.now());
        $('form-status').textContent = t('pow.retry');
      },
    });
  } finally {
    cancel.removeEventListener('click', stop);
    progress.hidden = true;
    cancel.hidden = true;
    if (!controller.signal.aborted) $('form-status').textContent = t('submit.sending');
  }
}

// ---- the receipt, shown once ----------------------------------------------------------------------

function showReceipt(receipt, answer) {
  state.done = { receipt, answer };
  // Forget what was typed: the report exists now only as ciphertext on the server.
  $('report-form').reset();
  state.files = [];
  renderFiles();
  $('report-form').hidden = true;
  $('intro').hidden = true;
  $('receipt').textContent = receipt;
  $('done').hidden = false;
  // Leaving the page loses the code for good: ask first, until it was copied, saved or printed.
  window.addEventListener('beforeunload', warnBeforeLeaving);
  relabel();
  $('done-heading').focus();
}

function warnBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = '';
}

function receiptKept() {
  window.removeEventListener('beforeunload', warnBeforeLeaving);
}

/** The follow-up page's address (it needs no office: the code finds the case). */
function followUpAddress() {
  return new URL('/follow-up', location.href).href;
}

function receiptFileText() {
  const url = followUpAddress();
  return t('done.file', {
    receipt: state.done.receipt, reference: state.done.answer?.reference ?? '', received: formatDate(state.done.answer?.received_on), url,
  });
}

async function copyReceipt() {
  try {
    await navigator.clipboard.writeText(state.done.receipt);
    $('done-status').textContent = t('done.copied');
    receiptKept();
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('receipt'));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    $('done-status').textContent = t('done.copyFailed');
  }
}

function downloadReceipt() {
  const blob = new Blob([receiptFileText()], { type: 'text/plain;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: t('done.fileName') });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  $('done-status').textContent = t('done.downloaded');
  receiptKept();
}

/** No office in the address and none preset: the reader picks theirs. */
function showOfficeChoice(offices) {
  $('report-form').hidden = true;
  const section = $('choose-office');
  const list = $('office-choices');
  list.replaceChildren();
  for (const o of offices) {
    const q = new URLSearchParams({ office: o.slug });
    if (lang() === 'en') q.set('lang', 'en');
    const li = el('li');
    const a = el('a', { href: `/?${q}` }, o.name);
    li.append(a, document.createTextNode(` (${o.municipality})`));
    list.append(li);
  }
  $('no-offices').hidden = offices.length > 0;
  section.hidden = false;
  document.body.dataset.ready = 'true';
}

// ---- start ------------------------------------------------------------------------------------------

async function main() {
  setupLanguage(relabel);
  $('lang-switch').hidden = false;
  if (!revealApp()) return;
  $('report-form').addEventListener('submit', onSubmit);
  $('files').addEventListener('change', onFilesChosen);
  clearErrorOnInput($('text'), $('text-error'), $('form-error'));
  $('copy').addEventListener('click', copyReceipt);
  $('download').addEventListener('click', downloadReceipt);
  $('print').addEventListener('click', () => { receiptKept(); print(); });

  let slug = params().office;
  if (!slug) {
    try {
      const chosen = await chooseOffice();
      slug = chosen.slug;
      if (!slug) {
        showOfficeChoice(chosen.offices);
        return;
      }
    } catch {
      $('app').hidden = true;
      showNotice(t('office.failed'), 'office.failed');
      return;
    }
  }
  const [office, taxonomy] = await Promise.allSettled([loadOffice(slug), api.taxonomy()]);
  if (office.status === 'rejected') {
    const notFound = office.reason instanceof ApiError && office.reason.status === 404;
    $('app').hidden = true;
    showNotice(t(notFound ? 'office.notFound' : 'office.failed'), notFound ? 'office.notFound' : 'office.failed');
    return;
  }
  if (!office.value.recipients.length) {
    // Nobody could ever read what would be encrypted now: say so before anything is typed.
    $('app').hidden = true;
    showNotice(t('office.notReady'), 'office.notReady');
    document.body.dataset.ready = 'true';
    return;
  }
  state.office = office.value;
  $('office-name').textContent = state.office.name;
  $('office-line').hidden = false;
  if (taxonomy.status === 'fulfilled' && Array.isArray(taxonomy.value?.fields)) {
    state.taxonomy = taxonomy.value;
    buildStats(state.taxonomy);
  } else {
    $('stats-unavailable').hidden = false;
  }
  relabel();
  $('submit').disabled = false;
  document.body.dataset.ready = 'true';
}

main();
