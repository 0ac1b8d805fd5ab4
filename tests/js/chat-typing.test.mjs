// The chatter's own typing signal as pure decisions (static/js/chat/typing.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typingState, onTyped, stopTyping, TYPING_REPEAT_MS } from '../../static/js/chat/typing.js';

test('the first keystroke tells, the next ones only every repeat interval', () => {
  const s = typingState();
  assert.equal(onTyped(s, true, 1000), 'start');
  assert.equal(onTyped(s, true, 1000 + TYPING_REPEAT_MS - 1), null);
  assert.equal(onTyped(s, true, 1000 + TYPING_REPEAT_MS), 'start');
});

test('an emptied box stops, once', () => {
  const s = typingState();
  onTyped(s, true, 0);
  assert.equal(onTyped(s, false, 10), 'stop');
  assert.equal(onTyped(s, false, 20), null);
});

test('stop says nothing when nothing was told', () => {
  const s = typingState();
  assert.equal(stopTyping(s), null);
  onTyped(s, true, 0);
  assert.equal(stopTyping(s), 'stop');
  assert.equal(s.on, false);
  assert.equal(onTyped(s, true, 1), 'start'); // a new start after a stop tells at once
});
