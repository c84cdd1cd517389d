// The proof of work (PROTOCOL.md §6) off the page's main thread: the page stays responsive and
// can show progress and cancel (by ending this worker). SHA-256 from @noble/hashes, which runs
// synchronously here, so the loop needs no promise per try.
import { sha256 } from '@noble/hashes/sha2.js';

const REPORT_EVERY = 16384;

/** Whether `digest` starts with `bits` zero bits (most significant bit of byte 0 first). */
function leadingZeros(digest, bits) {
  let i = 0;
  while (bits >= 8) {
    if (digest[i] !== 0) return false;
    bits -= 8;
    i++;
  }
  return bits === 0 || digest[i] >> (8 - bits) === 0;
}

self.onmessage = ({ data: { challenge, difficulty } }) => {
  const enc = new TextEncoder();
  const prefix = enc.encode(challenge);
  for (let n = 0; ; n++) {
    const nonce = enc.encode(String(n));
    const input = new Uint8Array(prefix.length + nonce.length);
    input.set(prefix, 0);
    input.set(nonce, prefix.length);
    if (leadingZeros(sha256(input), difficulty)) {
      self.postMessage({ nonce: String(n), tried: n + 1 });
      return;
    }
    if (n % REPORT_EVERY === 0) self.postMessage({ tried: n });
  }
};
