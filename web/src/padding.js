// Size buckets (docs/PROTOCOL.md §3): 1 KiB, 4 KiB, 16 KiB, 64 KiB, then every multiple of
// 64 KiB up to the office's limit. Documents are padded with spaces, attachments with zeros.

const CHUNK = 65536;
export const SMALL_BUCKETS = [1024, 4096, 16384, 65536];

/** The smallest bucket holding `len` bytes, or null when it exceeds `max`. */
export function bucketFor(len, max) {
  const b = SMALL_BUCKETS.find((s) => len <= s) ?? Math.ceil(len / CHUNK) * CHUNK;
  return b <= max ? b : null;
}

/** The largest content that fits under `max` (the largest bucket not above it). */
export function largestBucket(max) {
  if (max >= CHUNK) return Math.floor(max / CHUNK) * CHUNK;
  const small = SMALL_BUCKETS.filter((s) => s <= max);
  return small.length ? small[small.length - 1] : 0;
}

/** Copies `bytes` into a new array of bucket size, filled with `fill`; null if too large. */
export function pad(bytes, max, fill) {
  const size = bucketFor(bytes.length, max);
  if (size === null) return null;
  const out = new Uint8Array(size);
  out.fill(fill);
  out.set(bytes, 0);
  return out;
}

/** A JSON document as UTF-8, padded with trailing spaces (JSON ignores them). */
export function padDocument(doc, max) {
  return pad(new TextEncoder().encode(JSON.stringify(doc)), max, 0x20);
}

/** An attachment padded with trailing zero bytes. */
export function padAttachment(bytes, max) {
  return pad(bytes, max, 0x00);
}

/** The length of an age payload for plaintext length `l` (PROTOCOL.md §4). */
export function agePayloadLength(l) {
  return 16 + l + 16 * Math.max(1, Math.ceil(l / CHUNK));
}
