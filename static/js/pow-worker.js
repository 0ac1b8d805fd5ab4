/* Proof-of-work solver (a Web Worker, so the page stays responsive).
 *
 * Receives a challenge {algorithm, challenge, salt, maxnumber, signature} as served by
 * GET /challenge (docs/protocol.md) and posts back the solution {algorithm, challenge,
 * number, salt, signature}: the smallest number n with SHA-256(salt + n) == challenge,
 * or {error: true} when there is none. No strings shown to anyone live here.
 *
 * Two SHA-256s: the plain-JS one below, which works everywhere, and the platform's
 * crypto.subtle.digest, which a worker has only in a secure context (https, or
 * localhost; not plain http on a LAN address). Both hash the same ASCII bytes and give
 * the same digests (tests/js/pow-hash.test.mjs). For this search crypto.subtle is the
 * slower one, about 5 times in a Chromium worker and over 10 times in node (a promise per
 * ~50-byte digest; docs/benchmarks.md, bench/pow_hash.mjs and bench/pow_hash_browser.py),
 * so PREFER_SUBTLE is off and the plain-JS hash does the work. `solve` (plain JS,
 * synchronous) is also what node runs in tests/chat/test_proof_of_work.py and
 * bench/abuse.py.
 */
'use strict';

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);
const W = new Int32Array(64);
const H = new Int32Array(8);

function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

/* SHA-256 of an ASCII string (the salt is hex and URL query text, the number digits). */
function sha256Words(text) {
  const len = text.length;
  const blocks = ((len + 8) >> 6) + 1;
  const words = new Int32Array(blocks * 16);
  for (let i = 0; i < len; i++) words[i >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8);
  words[len >> 2] |= 0x80 << (24 - (len & 3) * 8);
  words[blocks * 16 - 1] = len * 8;
  H.set([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  for (let b = 0; b < blocks; b++) {
    for (let t = 0; t < 64; t++) {
      if (t < 16) { W[t] = words[b * 16 + t]; continue; }
      const w15 = W[t - 15], w2 = W[t - 2];
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    let a = H[0], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7], bb = H[1];
    for (let t = 0; t < 64; t++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
    }
    H[0] += a; H[1] += bb; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  return H;
}

function toWords(hex) {
  const out = new Int32Array(8);
  for (let i = 0; i < 8; i++) out[i] = parseInt(hex.substr(i * 8, 8), 16) | 0;
  return out;
}

function wellFormed(ch) {
  return ch.algorithm === 'SHA-256' && /^[0-9a-f]{64}$/.test(ch.challenge);
}

/* The search with the plain-JS hash: 0, 1, 2, ... up to maxnumber. */
function solve(ch) {
  if (!wellFormed(ch)) return null;
  const target = toWords(ch.challenge);
  for (let n = 0; n <= ch.maxnumber; n++) {
    const h = sha256Words(ch.salt + n);
    if (h[0] === target[0] && h[1] === target[1] && h[2] === target[2] && h[3] === target[3] &&
        h[4] === target[4] && h[5] === target[5] && h[6] === target[6] && h[7] === target[7]) {
      return n;
    }
  }
  return null;
}

/* Digests asked of crypto.subtle at once: each one is a promise, and awaiting them one
   by one costs more than the hash; a batch is checked in order, so the answer is the same
   smallest n. */
const SUBTLE_BATCH = 256;

/* The same search with crypto.subtle.digest (`subtle`: the platform's SubtleCrypto). */
async function solveSubtle(ch, subtle) {
  if (!wellFormed(ch)) return null;
  const target = toWords(ch.challenge);
  const encoder = new TextEncoder();
  for (let first = 0; first <= ch.maxnumber; first += SUBTLE_BATCH) {
    const last = Math.min(ch.maxnumber, first + SUBTLE_BATCH - 1);
    const pending = [];
    for (let n = first; n <= last; n++) pending.push(subtle.digest('SHA-256', encoder.encode(ch.salt + n)));
    const digests = await Promise.all(pending);
    for (let i = 0; i < digests.length; i++) {
      const h = new DataView(digests[i]);
      let same = true;
      for (let w = 0; w < 8 && same; w++) same = h.getInt32(w * 4) === target[w];
      if (same) return first + i;
    }
  }
  return null;
}

/* The platform's SubtleCrypto, or null (not a secure context, or a browser without it). */
function platformSubtle() {
  const c = typeof crypto === 'undefined' ? null : crypto;
  return c && c.subtle && typeof c.subtle.digest === 'function' ? c.subtle : null;
}

/* Whether to use crypto.subtle where the platform has it. Off: measured about 5 times
   slower than the plain-JS hash for this search in Chromium (docs/benchmarks.md). */
const PREFER_SUBTLE = false;

/* crypto.subtle when preferred and there; the plain-JS hash otherwise, or if it fails. */
async function solveAny(ch, preferSubtle = PREFER_SUBTLE) {
  const subtle = preferSubtle ? platformSubtle() : null;
  if (subtle) {
    try { return await solveSubtle(ch, subtle); } catch (e) { /* the plain-JS hash does it */ }
  }
  return solve(ch);
}

self.onmessage = function (event) {
  const ch = event.data || {};
  solveAny(ch).then(function (number) {
    if (number === null) { self.postMessage({ error: true }); return; }
    self.postMessage({ algorithm: ch.algorithm, challenge: ch.challenge, number: number,
                       salt: ch.salt, signature: ch.signature });
  });
};

if (typeof module !== 'undefined') {
  module.exports = { solve: solve, solveSubtle: solveSubtle, solveAny: solveAny,
                     platformSubtle: platformSubtle, sha256Words: sha256Words,
                     SUBTLE_BATCH: SUBTLE_BATCH, PREFER_SUBTLE: PREFER_SUBTLE };
}
