// Decrypting with the officer's age identity: bytes, and padded JSON documents.

import { Decrypter } from 'age-encryption';
import { base64 } from '@scure/base';

export async function openBytes(b64, identity) {
  const d = new Decrypter();
  d.addIdentity(identity);
  return d.decrypt(base64.decode(b64), 'uint8array');
}

/** A padded JSON document: decrypted, trailing spaces dropped, parsed. */
export async function openDoc(b64, identity) {
  return docOf(await openBytes(b64, identity));
}

/** A decrypted document's bytes (zeroed here): padding dropped, parsed, or plain text. */
export function docOf(bytes) {
  const text = new TextDecoder().decode(bytes).replace(/[ \0]+$/, '');
  bytes.fill(0);
  try {
    const doc = JSON.parse(text);
    if (doc && typeof doc === 'object') return doc;
  } catch { /* plain text */ }
  return { text };
}
