/* The Web Worker of bench/pow_hash_browser.py: the page's own solver (static/js/pow-worker.js)
 * run on demand with one hash path or the other, timed inside the worker. */
importScripts('/static/js/pow-worker.js');

self.onmessage = async function (event) {
  const { path, challenge } = event.data;
  const start = performance.now();
  const found = path === 'subtle' ? await solveSubtle(challenge, crypto.subtle) : solve(challenge);
  self.postMessage({ found: found, ms: performance.now() - start, secure: self.isSecureContext,
                     subtle: platformSubtle() !== null });
};
