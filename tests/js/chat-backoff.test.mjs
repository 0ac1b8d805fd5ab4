// The chatter page's back-off after `server_busy` (static/js/chat/backoff.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busyDelay, BUSY_RETRIES } from '../../static/js/chat/backoff.js';

test('the first try waits within the upper half of what the server asked', () => {
  assert.equal(busyDelay(5, 1, 0), 3);
  assert.equal(busyDelay(5, 1, 1), 5);
});

test('each try doubles the wait, up to a minute', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => busyDelay(5, n, 1)), [5, 10, 20, 40, 60, 60]);
});

test('pages refused together come back spread over time', () => {
  const delays = new Set([0, 0.25, 0.5, 0.75, 1].map((r) => busyDelay(5, 4, r)));
  assert.ok(delays.size >= 4);
});

test('a missing or strange retry_after falls back to five seconds, never to zero', () => {
  assert.equal(busyDelay(undefined, 1, 1), 5);
  assert.equal(busyDelay('x', 1, 1), 5);
  assert.equal(busyDelay(-3, 1, 1), 5);
  assert.equal(busyDelay(0.1, 1, 0), 1);
});

test('the page keeps trying for minutes before it gives up', () => {
  let total = 0;
  for (let n = 1; n <= BUSY_RETRIES; n += 1) total += busyDelay(5, n, 0);
  assert.ok(total >= 120, String(total));
});
