// Blob URLs for decrypted attachments and downloads, all revoked on lock; safe file names and
// types for them.

import { S } from './state.js';
import { el } from './dom.js';

export function blobUrl(blob) {
  const url = URL.createObjectURL(blob);
  S.blobUrls.add(url);
  return url;
}

export function revokeAll() {
  for (const url of S.blobUrls) URL.revokeObjectURL(url);
  S.blobUrls.clear();
}

export function download(blob, name) {
  const url = blobUrl(blob);
  const a = el('a', { href: url, download: name, rel: 'noopener', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its copy; the URL goes soon (or on lock, whichever is first).
  setTimeout(() => { URL.revokeObjectURL(url); S.blobUrls.delete(url); }, 60000);
}

/** A file name without any path, control characters or leading dots. */
export function safeName(name, fallback = 'anhang') {
  const s = String(name ?? '')
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 180);
  return s || fallback;
}

export function safeType(type) {
  return /^[a-z]+\/[a-z0-9.+-]+$/i.test(type ?? '') ? type.toLowerCase() : 'application/octet-stream';
}
