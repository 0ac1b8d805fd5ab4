// bench/scale_load.js's expectations of the waiting line (bench/line_model.js): which place
// each chatter should get after each kind of change, and what counts as reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const model = require('../../bench/line_model.js');

const waiters = (n) => Array.from({ length: n }, (_, i) => ({ position: i + 1, changedAt: 0,
                                                              assigned: false }));

test('the front chatter leaves: everyone behind moves up one', () => {
  const w = waiters(3);
  const places = model.expectedPlaces(model.afterChange(w, { kind: 'leave' }));
  assert.deepEqual([...places.values()], [1, 2]);
  assert.equal(places.get(w[1]), 1);
  assert.equal(places.has(w[0]), false);
});

test('a therapist comes on duty with two places: the front two are taken', () => {
  const w = waiters(4);
  const places = model.expectedPlaces(model.afterChange(w, { kind: 'duty', taken: 2 }));
  assert.equal(places.get(w[2]), 1);
  assert.equal(places.get(w[3]), 2);
  assert.equal(places.size, 2);
});

test('a chat transferred back goes first: everyone else moves down one', () => {
  const w = waiters(2);
  const back = { position: 0, changedAt: 0, assigned: true };
  const places = model.expectedPlaces(model.afterChange(w, { kind: 'back', chatter: back }));
  assert.equal(places.get(back), 1);
  assert.equal(places.get(w[0]), 2);
  assert.equal(places.get(w[1]), 3);
});

test('assigned chatters are not waiting', () => {
  const w = waiters(3);
  w[0].assigned = true;
  assert.deepEqual(model.waitingOrder(w), [w[1], w[2]]);
});

test('a place counts only when it is the expected one and came after the change', () => {
  const w = waiters(3);
  const expected = new Map([[w[0], 1], [w[1], 2], [w[2], 3]]);
  w[0].changedAt = 150; // right, after the change: 50 ms
  w[1].position = 7; w[1].changedAt = 200; // wrong place
  w[2].changedAt = 50; // the right number, but from before the change: not reached
  const t = model.tally(expected, 100, 'leave');
  assert.deepEqual(t.delays_ms, [50]);
  assert.equal(t.reached, 1);
  assert.equal(t.wrong, 2);
  assert.equal(model.settled(expected, 100), false);
});

test('a chatter assigned meanwhile is neither reached nor wrong, and not expected', () => {
  const w = waiters(2);
  const expected = new Map([[w[0], 1], [w[1], 2]]);
  w[0].assigned = true;
  w[1].changedAt = 120;
  const t = model.tally(expected, 100, 'duty');
  assert.equal(t.expected, 1);
  assert.equal(t.assigned, 1);
  assert.equal(t.wrong, 0);
  assert.equal(t.reached, 1);
});
