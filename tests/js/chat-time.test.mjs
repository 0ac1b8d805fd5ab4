// Time wording of the chatter's page (static/js/chat/timefmt.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOpening, formatClock, closingKey, formatDay, openingDelay } from '../../static/js/chat/timefmt.js';

test('an opening in the helpline zone, whatever the machine zone', () => {
  const text = formatOpening('2026-11-26T19:00:00+01:00', 'Europe/Brussels', 'en');
  assert.match(text, /Thursday/);
  assert.match(text, /19:00/);
  assert.match(formatOpening('2026-11-26T19:00:00+01:00', 'Europe/Brussels', 'nl'), /donderdag/);
});

test('the clock of today\'s end of session', () => {
  assert.equal(formatClock('2026-11-19T21:30:00+01:00', 'Europe/Brussels', 'en'), '21:30');
  assert.equal(formatClock('2026-11-19T21:30:00+01:00', 'UTC', 'en'), '20:30');
});

test('bad times give null', () => {
  assert.equal(formatOpening('nonsense', 'Europe/Brussels', 'en'), null);
  assert.equal(formatClock(undefined, 'Europe/Brussels', 'en'), null);
});

test('why the chat ended', () => {
  assert.equal(closingKey('chatter', 'left_line'), 'ended_left_line');
  assert.equal(closingKey('therapist', null), 'ended_therapist');
  assert.equal(closingKey('chatter', null), 'ended_chatter');
  assert.equal(closingKey('system', 'connection_lost'), 'ended_connection_lost');
  assert.equal(closingKey(null, 'removed'), 'ended_removed');
  assert.equal(closingKey('system', 'place_lapsed'), 'ended_place_lapsed');
  assert.equal(closingKey(undefined, undefined), 'ended_system');
});

test('a follow-up day in the chatter\'s language, never shifted by a zone', () => {
  assert.equal(formatDay('2026-12-06', 'nl'), '6 december 2026');
  assert.equal(formatDay('2026-12-06', 'fr'), '6 décembre 2026');
  assert.match(formatDay('2026-12-06', 'en'), /^(6 December 2026|December 6, 2026)$/);
  assert.equal(formatDay('2027-01-01', 'nl'), '1 januari 2027');
  assert.equal(formatDay('nonsense', 'nl'), null);
  assert.equal(formatDay(undefined, 'nl'), null);
});

test('a closed intro asks again just after the opening, by the server\'s clock', () => {
  assert.equal(openingDelay(90), 91000);
  assert.equal(openingDelay(0), 1000); // opening now: a second, never a reload loop
  assert.equal(openingDelay(0.2), 2000);
  assert.equal(openingDelay(null), null);
  assert.equal(openingDelay(undefined), null);
  assert.equal(openingDelay(-5), null);
  assert.equal(openingDelay(30 * 86400), null); // beyond a timer: the page stays as it is
  assert.equal(openingDelay(7 * 86400), 7 * 86400 * 1000 + 1000);
});
