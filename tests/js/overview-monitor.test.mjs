// node --test tests/js/ : which of a therapist's chats the supervisor's monitor shows.
import test from 'node:test';
import assert from 'node:assert/strict';
import { chatPlace, monitorLabel, therapistChats } from '../../static/js/supervisor/monitor-label.js';

const chats = [
  { chat_id: 'w1', state: 'waiting', staff_id: null, therapist: null },
  { chat_id: 'a1', state: 'active', staff_id: 7, therapist: 'Anna', assigned_at: 100 },
  { chat_id: 'b1', state: 'active', staff_id: 8, therapist: 'Ben', assigned_at: 150 },
  { chat_id: 'a2', state: 'ended', staff_id: 7, therapist: 'Anna', assigned_at: 200 },
  { chat_id: 'a3', state: 'active', staff_id: '7', therapist: 'Anna', assigned_at: 300 },
];
const strings = { chat_of_since: 'chat of {name}, since {time}',
  chat_n_of: '{name}: chat {n} of {count}, since {time}' };
const format = (t, v) => t.replace(/\{(\w+)\}/g, (w, k) => (k in v ? String(v[k]) : w));
const time = (ts) => `t${ts}`;

test("a therapist's chats in assignment order, waiting ones left out", () => {
  assert.deepEqual(therapistChats(chats, 7).map((c) => c.chat_id), ['a1', 'a2', 'a3']);
  assert.deepEqual(therapistChats(chats, '8').map((c) => c.chat_id), ['b1']);
  assert.deepEqual(therapistChats(null, 7), []);
});

test('the place of a chat among its therapist\'s chats', () => {
  assert.deepEqual(chatPlace(chats, 'a3'), { name: 'Anna', n: 3, count: 3, assignedAt: 300 });
  assert.deepEqual(chatPlace(chats, 'b1'), { name: 'Ben', n: 1, count: 1, assignedAt: 150 });
  assert.equal(chatPlace(chats, 'w1'), null);
  assert.equal(chatPlace(chats, 'gone'), null);
});

test('the title names the therapist, the number when there are several, and the start', () => {
  assert.equal(monitorLabel(chatPlace(chats, 'a1'), strings, format, time), 'Anna: chat 1 of 3, since t100');
  assert.equal(monitorLabel(chatPlace(chats, 'b1'), strings, format, time), 'chat of Ben, since t150');
  assert.equal(monitorLabel(null, strings, format, time, 'waiting chatter'), 'waiting chatter');
  // the numbering follows the overview: when Anna's first chat is gone, a3 is 2 of 2
  const later = chats.filter((c) => c.chat_id !== 'a1');
  assert.equal(monitorLabel(chatPlace(later, 'a3'), strings, format, time), 'Anna: chat 2 of 2, since t300');
});
