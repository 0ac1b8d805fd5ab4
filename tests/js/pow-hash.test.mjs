// node --test tests/js/ : the proof-of-work solver's two SHA-256s (static/js/pow-worker.js):
// the platform's crypto.subtle.digest and the plain-JS fallback for pages without a secure
// context give the same digests, and both searches find the same number.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

globalThis.self = globalThis.self || {}; // the worker sets self.onmessage when loaded
const pow = createRequire(import.meta.url)('../../static/js/pow-worker.js');

const hex = (words) => Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
const subtleHex = async (text) => Buffer.from(
  await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))).toString('hex');
const nodeHex = (text) => createHash('sha256').update(text, 'ascii').digest('hex');

const SALT = '5f1c0e9a2b7d4c3e8a6b1f0d?expires=1767225600&'; // as GET /challenge serves it
// Lengths around the block edges: 55 bytes fit one block with the padding, 56 need two.
const INPUTS = ['', 'abc', SALT, SALT + '0', SALT + '99999', SALT + '1000000',
  ...[1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000].map((n) => 'x'.repeat(n)),
  'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'];

test('the fallback and crypto.subtle give the same digests, one block or several', async () => {
  for (const text of INPUTS) {
    const fallback = hex(pow.sha256Words(text));
    assert.equal(fallback, await subtleHex(text), `length ${text.length}`);
    assert.equal(fallback, nodeHex(text), `length ${text.length}`);
  }
});

test('the known answers (FIPS 180-2)', () => {
  assert.equal(hex(pow.sha256Words('abc')),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(pow.sha256Words('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
});

function challenge(secret, maxnumber) {
  return { algorithm: 'SHA-256', challenge: nodeHex(SALT + secret), salt: SALT, maxnumber,
    signature: '0'.repeat(64) };
}

test('both searches find the number, wherever it falls in a batch', async () => {
  const B = pow.SUBTLE_BATCH;
  for (const secret of [0, 1, B - 1, B, B + 1, 3 * B + 17, 2000]) {
    const ch = challenge(secret, 2000);
    assert.equal(pow.solve(ch), secret);
    assert.equal(await pow.solveSubtle(ch, crypto.subtle), secret);
    assert.equal(await pow.solveAny(ch), secret);
    assert.equal(await pow.solveAny(ch, true), secret);
  }
});

test('none in range, or a malformed challenge: null from both', async () => {
  for (const ch of [challenge(600, 599), { ...challenge(1, 10), algorithm: 'SHA-1' },
    { ...challenge(1, 10), challenge: 'ABC' }]) {
    assert.equal(pow.solve(ch), null);
    assert.equal(await pow.solveSubtle(ch, crypto.subtle), null);
  }
});

test('crypto.subtle only where the platform has it, and the fallback if it fails', async () => {
  assert.equal(pow.platformSubtle(), crypto.subtle);
  const failing = { digest: () => Promise.reject(new Error('not here')) };
  await assert.rejects(pow.solveSubtle(challenge(5, 10), failing));
  const { subtle } = globalThis.crypto;
  Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined, configurable: true });
  try {
    assert.equal(pow.platformSubtle(), null); // as in a page over plain http
    assert.equal(await pow.solveAny(challenge(7, 10), true), 7);
  } finally {
    Object.defineProperty(globalThis.crypto, 'subtle', { value: subtle, configurable: true });
  }
});
