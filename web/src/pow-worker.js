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

/** The decimal digits of `n` written into `buf`; how many. */
function writeDecimal(buf, n) {
  let len = 0;
  do {
    buf[len++] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  buf.subarray(0, len).reverse();
  return len;
}

// Finds `puzzles` distinct nonces (counting up in decimal), each solving the challenge alone.
self.onmessage = ({ data: { challenge, difficulty, puzzles } }) => {
  // The challenge's blocks are hashed once; each try hashes only what the nonce adds.
  const base = sha256.create().update(new TextEncoder().encode(challenge));
  const digits = new Uint8Array(20);
  const nonces = [];
  for (let n = 0; ; n++) {
    const len = writeDecimal(digits, n);
    if (leadingZeros(base.clone().update(digits.subarray(0, len)).digest(), difficulty)) {
      nonces.push(String(n));
      if (nonces.length === puzzles) {
        self.postMessage({ nonces, tried: n + 1 });
        return;
      }
    }
    if (n % REPORT_EVERY === 0) self.postMessage({ tried: n, found: nonces.length });
  }
};
