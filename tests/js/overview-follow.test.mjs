// node --test tests/js/ : the monitor transcript keeps to the newest message.
import test from 'node:test';
import assert from 'node:assert/strict';
import { arrived, atBottom, initial, scrolled } from '../../static/js/supervisor/follow.js';

test('at the bottom within the slack, not above it', () => {
  assert.equal(atBottom({ scrollTop: 600, clientHeight: 400, scrollHeight: 1000 }), true);
  assert.equal(atBottom({ scrollTop: 580, clientHeight: 400, scrollHeight: 1000 }), true);
  assert.equal(atBottom({ scrollTop: 500, clientHeight: 400, scrollHeight: 1000 }), false);
  assert.equal(atBottom({ scrollTop: 0, clientHeight: 400, scrollHeight: 300 }), true);
});

test('following: every message scrolls along, nothing is counted', () => {
  const step = arrived(initial());
  assert.equal(step.scroll, true);
  assert.deepEqual(step.state, { following: true, unseen: 0 });
});

test('scrolled up: messages are counted, not scrolled to; back at the end clears them', () => {
  let state = scrolled(initial(), false);
  assert.deepEqual(state, { following: false, unseen: 0 });
  let step = arrived(state);
  assert.equal(step.scroll, false);
  step = arrived(step.state);
  assert.deepEqual(step.state, { following: false, unseen: 2 });
  state = scrolled(step.state, false); // still reading above: the count stays
  assert.equal(state.unseen, 2);
  state = scrolled(state, true);
  assert.deepEqual(state, { following: true, unseen: 0 });
});
