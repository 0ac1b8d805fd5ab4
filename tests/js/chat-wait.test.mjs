// The chatter page's wording of the place in line and the expected wait (static/js/chat/wait.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitRange, waitText, positionText, positionStatus } from '../../static/js/chat/wait.js';

const T = {
  position: 'You are number {n} in line.', position_next: 'You are next in line.',
  wait_less: 'less', wait_one: 'one', wait_many: 'about {n}', wait_unknown: 'unknown',
  wait_range: 'between {low} and {high}', wait_upto: 'up to {high}',
  no_staff: 'nobody', closed_while_waiting: 'closed', waiting_hint: 'hint'
};
const format = (t, v) => t.replace(/\{(\w+)\}/g, (w, k) => (k in v ? String(v[k]) : w));

test('a range is worded as a range', () => {
  assert.equal(waitText({ expected_wait_range: [10, 25], expected_wait_minutes: 15 }, T, format),
    'between 10 and 25');
});

test('a range from zero says "up to", a zero range "less than a minute"', () => {
  assert.equal(waitText({ expected_wait_range: [0, 5] }, T, format), 'up to 5');
  assert.equal(waitText({ expected_wait_range: [0, 0] }, T, format), 'less');
});

test('without a range the old single figure is worded as before', () => {
  assert.equal(waitText({ expected_wait_minutes: 0 }, T, format), 'less');
  assert.equal(waitText({ expected_wait_minutes: 1 }, T, format), 'one');
  assert.equal(waitText({ expected_wait_minutes: 30 }, T, format), 'about 30');
  assert.equal(waitText({ expected_wait_minutes: null }, T, format), 'unknown');
});

test('a malformed range is ignored', () => {
  for (const bad of [[5], [9, 3], ['a', 2], [-1, 4], 'x', null]) {
    assert.equal(waitRange({ expected_wait_range: bad }), null);
  }
  assert.deepEqual(waitRange({ expected_wait_range: [2.4, 7.6] }), [2, 8]);
});

test('the place in line', () => {
  assert.equal(positionText(1, T, format), 'You are next in line.');
  assert.equal(positionText(4, T, format), 'You are number 4 in line.');
  assert.equal(positionText(undefined, T, format), '');
});

test('nobody on duty, and closed while waiting', () => {
  const nobody = positionStatus({ position: 2, expected_wait_minutes: null, staff_on_duty: false, open: true }, T, format);
  assert.deepEqual(nobody, { main: 'You are number 2 in line.', detail: 'nobody', nobody: true });
  const closed = positionStatus({ position: 1, expected_wait_minutes: null, staff_on_duty: false, open: false }, T, format);
  assert.equal(closed.detail, 'closed');
  const waiting = positionStatus({ position: 1, expected_wait_minutes: 30, expected_wait_range: [1, 45],
    staff_on_duty: true, open: true }, T, format);
  assert.equal(waiting.detail, 'between 1 and 45 hint');
  assert.equal(waiting.nobody, false);
});
