// The proof-of-work solver's two SHA-256 paths in node (static/js/pow-worker.js): hashes
// per second of the search with crypto.subtle.digest (what a page in a secure context
// uses) and with the plain-JS fallback (plain http on a LAN address), on challenges with
// no answer in range, so every number up to maxnumber is hashed, as the real solver does.
//
//   node bench/pow_hash.mjs [--hashes 200000] [--runs 5]
//
// bench/pow_hash_browser.py runs the same two searches in a Web Worker of headless
// Chromium. Figures: docs/benchmarks.md.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseArgs } from 'node:util';

globalThis.self = globalThis.self || {}; // the worker sets self.onmessage when loaded
const pow = createRequire(import.meta.url)('../static/js/pow-worker.js');

const { values } = parseArgs({ options: {
  hashes: { type: 'string', default: '200000' },
  runs: { type: 'string', default: '5' },
} });
const HASHES = Number(values.hashes);
const RUNS = Number(values.runs);

/** A challenge as GET /challenge serves it, whose number is out of range: a full search. */
function fullSearch(maxnumber) {
  const salt = '5f1c0e9a2b7d4c3e8a6b1f0d?expires=1767225600&';
  return { algorithm: 'SHA-256', salt, maxnumber, signature: '0'.repeat(64),
    challenge: createHash('sha256').update(salt + (maxnumber + 1)).digest('hex') };
}

/** Hashes per second of each run of `search` over HASHES numbers. */
async function measure(search) {
  const ch = fullSearch(HASHES - 1);
  const rates = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const found = await search(ch);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (found !== null) throw new Error('a full search found a number');
    rates.push(HASHES / seconds);
  }
  return rates.sort((a, b) => a - b);
}

/** One digest awaited at a time: what "an await per hash" would cost. */
async function oneByOne(ch) {
  const encoder = new TextEncoder();
  for (let n = 0; n <= ch.maxnumber; n++) {
    await crypto.subtle.digest('SHA-256', encoder.encode(ch.salt + n));
  }
  return null;
}

const median = (rates) => rates[Math.floor(rates.length / 2)];
const fmt = (rate) => Math.round(rate).toLocaleString('en');

console.log(`node ${process.version}, ${os.cpus()[0].model} (${os.cpus().length} cores), ` +
  `load average ${os.loadavg()[0].toFixed(1)}; ${HASHES.toLocaleString('en')} hashes per run, ${RUNS} runs`);
await measure(pow.solve); // warm-up
const rows = [
  ['plain-JS fallback (solve)', await measure(pow.solve)],
  [`crypto.subtle, ${pow.SUBTLE_BATCH} digests in flight (solveSubtle)`,
    await measure((ch) => pow.solveSubtle(ch, crypto.subtle))],
  ['crypto.subtle, one await per digest', await measure(oneByOne)],
];
const fallback = median(rows[0][1]);
for (const [name, rates] of rows) {
  console.log(`${name.padEnd(52)} median ${fmt(median(rates)).padStart(9)} hashes/s ` +
    `(min ${fmt(rates[0])}, max ${fmt(rates[rates.length - 1])}); ` +
    `${(median(rates) / fallback).toFixed(2)}x the fallback`);
}
