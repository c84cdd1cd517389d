// Decrypts the office's cases off the page's main thread, so the inbox stays usable while a
// thousand reports are opened: for each case its title, its incident type and the words to
// search. It also re-encrypts cases for the office's current key set (rewrap.js). The identity
// and every decrypted byte live in this worker's memory only; the desk ends the worker on lock.
import { Decrypter, Encrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { base64 } from '@scure/base';
import { docOf } from './age.js';

const TITLE_CHARS = 90;

let decrypter = null;

/** One Decrypter for every file: the identity is parsed once. */
async function open(b64) {
  return docOf(await decrypter.decrypt(base64.decode(b64), 'uint8array'));
}

/** The first line of a text with something in it, cut at a word near TITLE_CHARS. */
function titleOf(text) {
  const line = String(text ?? '').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  if (line.length <= TITLE_CHARS) return line;
  const cut = line.slice(0, TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()} …`;
}

function typeOf(doc) {
  const v = doc?.stats?.incident_type;
  return typeof v === 'string' ? v : null;
}

async function caseOf(c) {
  const out = { id: c.id, title: '', type: null, text: '', readable: true, unreadableItems: 0 };
  const words = [];
  try {
    const doc = await open(c.report);
    out.title = titleOf(doc.text);
    out.type = typeOf(doc);
    words.push(doc.text, doc.when, doc.where);
    for (const a of doc.attachments ?? []) words.push(a?.name);
  } catch {
    out.readable = false;
  }
  for (const m of c.messages ?? []) {
    try {
      const doc = await open(m.ciphertext);
      // The office's classification counts over the reporter's answer; the newest wins.
      if (doc.kind === 'classification') out.type = typeOf(doc) ?? out.type;
      else words.push(doc.text);
    } catch {
      out.unreadableItems++;
    }
  }
  out.text = words.filter((w) => typeof w === 'string' && w).join('\n').toLowerCase();
  return out;
}

/** The same plaintext, padding included (so the same bucket), encrypted to `recipients`. */
async function reseal(b64, recipients) {
  const plain = await decrypter.decrypt(base64.decode(b64), 'uint8array');
  try {
    const e = new Encrypter();
    for (const r of recipients) e.addRecipient(r);
    return base64.encode(await e.encrypt(plain));
  } finally {
    plain.fill(0);
  }
}

/**
 * A case of `GET /v1/desk/rewrap`, re-encrypted as `POST /v1/desk/rewrap` takes it: the report
 * and the reporter's own messages and the office's replies stay readable with the receipt;
 * attachments and notes go to the office alone.
 */
async function resealCase(c, office) {
  const withReporter = [...office, c.reply_recipient];
  const out = { id: c.id, ciphertext: await reseal(c.report, withReporter), attachments: [], messages: [] };
  for (const a of c.attachments) out.attachments.push({ id: a.id, ciphertext: await reseal(a.ciphertext, office) });
  for (const m of c.messages) {
    out.messages.push({ id: m.id, ciphertext: await reseal(m.ciphertext, m.direction === 'note' ? office : withReporter) });
  }
  return out;
}

async function handle(data) {
  if (data.identity) {
    decrypter = new Decrypter();
    decrypter.addIdentity(data.identity);
  }
  if (data.reseal) {
    const cases = [];
    const failed = [];
    for (const c of data.cases) {
      try {
        cases.push(await resealCase(c, data.recipients));
      } catch {
        failed.push(c.id);
      }
    }
    self.postMessage({ resealed: data.reseal, cases, failed });
    return;
  }
  if (typeof data.json !== 'string') return;
  // A page of `GET /v1/desk/contents`, parsed here rather than on the page's thread.
  let page;
  try {
    page = JSON.parse(data.json);
  } catch {
    self.postMessage({ parsed: true, page: data.page, failed: true });
    return;
  }
  const cases = Array.isArray(page?.cases) ? page.cases : [];
  self.postMessage({ parsed: true, page: data.page, total: Number(page?.total) || 0, count: cases.length });
  // Answered in small batches (the first smaller still), so the first rows show while the rest
  // is still being opened.
  let batch = [];
  let size = data.page === 0 ? 10 : 25;
  for (const c of cases) {
    batch.push(await caseOf(c));
    if (batch.length >= size) {
      self.postMessage({ page: data.page, cases: batch });
      batch = [];
      size = 25;
    }
  }
  self.postMessage({ page: data.page, cases: batch, done: true });
}

// One message at a time, in order: a large page arriving must not be parsed in the middle of
// the first one's decryption, which would hold back the first titles.
// The worker is started while the officer logs in, with nothing of the office's yet: it opens
// a throwaway file of its own a few times meanwhile, so that the first real page does not
// wait for the cipher code to be compiled.
async function warmUp() {
  const identity = await generateIdentity();
  const e = new Encrypter();
  e.addRecipient(await identityToRecipient(identity));
  const file = await e.encrypt(new Uint8Array(1024));
  const d = new Decrypter();
  d.addIdentity(identity);
  for (let i = 0; i < 8; i++) await d.decrypt(file, 'uint8array');
}

let queue = warmUp().catch(() => {});
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data)).catch(() => self.postMessage({ parsed: true, page: data.page, failed: true }));
};
