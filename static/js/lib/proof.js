/* The proof of work: a challenge (GET /challenge) solved in static/js/pow-worker.js in the
 * background while the person reads; one solution opens one start (the chat) or one form
 * post (anonymous messages). Shared by the chatter's page and the message pages, which
 * pass their settings in through init. */

/* {challenge_url, pow_worker, pow_fresh_seconds}, as the page's template rendered them. */
let cfg = null;

/* A solution solved at a price that rose meanwhile (`pow_stale`) is solved again, this often. */
export const STALE_RETRIES = 3;
const CHALLENGE_RETRIES = 5;

const proof = { solution: null, worker: null, waiting: null, readyAt: 0 };

/**
 * `config`: {challenge_url, pow_worker, pow_fresh_seconds}; called by the page's init
 * before the first prepareProof or takeProof. `root` is unused (no elements of its own).
 */
export function init(root, config) {
  cfg = { challenge_url: config.challenge_url, pow_worker: config.pow_worker,
          pow_fresh_seconds: config.pow_fresh_seconds };
}

export function hasProof() { return Boolean(proof.solution); }

export function prepareProof() {
  if (proof.worker || proof.solution) return;
  let worker;
  try { worker = new Worker(cfg.pow_worker); } catch (e) { finishProof(null, null); return; }
  proof.worker = worker;
  worker.onmessage = function (e) { finishProof(worker, e.data && !e.data.error ? e.data : null); };
  worker.onerror = function () { finishProof(worker, null); };
  fetchChallenge(CHALLENGE_RETRIES)
    .then(function (challenge) { worker.postMessage(challenge); })
    .catch(function () { finishProof(worker, null); });
}

/* GET /challenge; a 429 (the server's ceiling on challenges) is tried again after its
 * Retry-After, a few times. */
function fetchChallenge(retries) {
  return fetch(cfg.challenge_url, { cache: 'no-store', credentials: 'omit' }).then(function (r) {
    if (r.status === 429 && retries > 0) {
      const wait = Math.min(10, Number(r.headers.get('Retry-After')) || 1) * 1000;
      return new Promise(function (resolve) { setTimeout(resolve, wait); })
        .then(function () { return fetchChallenge(retries - 1); });
    }
    return r.ok ? r.json() : Promise.reject(new Error('challenge'));
  });
}

function finishProof(worker, solution) {
  if (worker !== proof.worker) return;
  if (worker) worker.terminate();
  proof.worker = null;
  proof.solution = solution;
  proof.readyAt = Date.now();
  const waiting = proof.waiting;
  if (!waiting) return;
  proof.waiting = null;
  proof.solution = null; // a solution opens one start only
  waiting(solution);
}

/* Hand the ready solution over (once), or wait until it is ready. */
export function takeProof(callback) {
  if (proof.solution && Date.now() - proof.readyAt > cfg.pow_fresh_seconds * 1000) {
    proof.solution = null; // its challenge is about to expire: solve a fresh one
  }
  if (proof.solution) {
    const solution = proof.solution;
    proof.solution = null;
    callback(solution);
    return;
  }
  proof.waiting = callback;
  if (!proof.worker) prepareProof();
}
