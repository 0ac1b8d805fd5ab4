// The console's pure logic (static/js/console/logic.js), without a browser: node --test.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  between, tabTime, tabParts, tabName, countsAsUnread, unreadOnArrival, chatterWrote, typingStep,
  cooldownLeft, summaryProblems, serverProblems, shouldNotify, presenceKey, helplineDay,
  TYPING_REPEAT_MS
} from '../../static/js/console/logic.js';

test('between: seconds between two times, never negative, null when one is missing', () => {
  assert.equal(between(100, 130), 30);
  assert.equal(between(130, 100), 0);
  assert.equal(between(null, 100), null);
  assert.equal(between(0, 100), null);
});

test('tabTime: chatting since the assignment, or how long it lasted once ended', () => {
  assert.deepEqual(tabTime({ created_at: 10, assigned_at: 40, state: 'active' }, 100),
    { kind: 'chatting', seconds: 60, waited: 30 });
  assert.deepEqual(tabTime({ created_at: 10, assigned_at: 40, ended_at: 70, state: 'ended' }, 500),
    { kind: 'ended', seconds: 30, waited: 30 });
  assert.equal(tabTime({ state: 'active' }, 5).seconds, null);
});

test('tabParts: empty parts left out, so a tab reads "Chat 2, 1 new", never "Chat 21 new"', () => {
  assert.equal(tabName(tabParts('Chat 2', '', '', '', '1 new')), 'Chat 2, 1 new');
  assert.equal(tabName(tabParts('Chat 2', '18–25', 'chatting 03:05', '', '')), 'Chat 2, 18–25, chatting 03:05');
  assert.deepEqual(tabParts('Chat 1', '', 'chatted 10:00', 'summary due', '').map((p) => p[0]),
    ['tab-name', 'tab-meta', 'tab-state']);
});

test('unread: only the chatter\'s messages, only when they cannot be read now', () => {
  assert.equal(countsAsUnread('chatter', false, true), true);
  assert.equal(countsAsUnread('chatter', true, false), true);
  assert.equal(countsAsUnread('chatter', true, true), false);
  assert.equal(countsAsUnread('therapist', false, true), false);
  assert.equal(countsAsUnread('colleague', false, false), false);
});

test('unreadOnArrival: a new chat counts the chatter\'s messages it brings, not ours', () => {
  const messages = [{ sender: 'chatter' }, { sender: 'therapist' }, { sender: 'chatter' }];
  assert.equal(unreadOnArrival(messages, false, true), 2);
  assert.equal(unreadOnArrival(messages, true, true), 0);
  assert.equal(unreadOnArrival([], false, true), 0);
  assert.equal(unreadOnArrival(undefined, false, false), 0);
});

test('chatterWrote: the no-conversation path is for chats the chatter never wrote in', () => {
  assert.equal(chatterWrote([{ sender: 'therapist' }]), false);
  assert.equal(chatterWrote([{ sender: 'therapist' }, { sender: 'chatter' }]), true);
  assert.equal(chatterWrote(null), false);
});

test('typingStep: start at once, repeat at most every TYPING_REPEAT_MS, stop when emptied', () => {
  let t = { on: false, lastSent: 0 };
  const step = typingStep(t, true, 1000);
  assert.deepEqual(step, { emit: true, on: true, lastSent: 1000 });
  t = step;
  assert.equal(typingStep(t, true, 1000 + TYPING_REPEAT_MS - 1).emit, null);
  assert.equal(typingStep(t, true, 1000 + TYPING_REPEAT_MS).emit, true);
  assert.deepEqual(typingStep(t, false, 1500), { emit: false, on: false, lastSent: 1000 });
  assert.equal(typingStep({ on: false, lastSent: 0 }, false, 1500).emit, null);
});

test('cooldownLeft: whole seconds, rounded up, 0 when none or over', () => {
  assert.equal(cooldownLeft(0, 5000), 0);
  assert.equal(cooldownLeft(10000, 5000), 5);
  assert.equal(cooldownLeft(10000, 9001), 1);
  assert.equal(cooldownLeft(10000, 12000), 0);
});

const GOOD = { target_group: 'self', subcategory: 'x', help_given: ['listening'], follow_up: 'none', risk: 'no_indication' };

test('summaryProblems: none for a complete summary', () => {
  assert.deepEqual(summaryProblems(GOOD, 0, 500), []);
});

test('summaryProblems: each missing field named, in form order', () => {
  const found = summaryProblems({ help_given: [] }, 0, 500);
  assert.deepEqual(found.map((p) => p.field), ['target_group', 'help_given', 'follow_up', 'risk']);
  assert.deepEqual(summaryProblems({ ...GOOD, subcategory: null }, 0, 500), [{ field: 'subcategory', code: 'need_sub' }]);
});

test('summaryProblems: a referral needs a target, then a region; a long note says by how much', () => {
  const referral = { ...GOOD, help_given: ['referral'] };
  assert.equal(summaryProblems(referral, 0, 500)[0].field, 'referral_target');
  assert.equal(summaryProblems({ ...referral, referral_target: 'cgg' }, 0, 500)[0].field, 'referral_region');
  assert.deepEqual(summaryProblems(GOOD, 503, 500), [{ field: 'note', code: 'note_too_long', over: 3 }]);
});

test('serverProblems: "field: text" parts become field and text', () => {
  assert.deepEqual(serverProblems('follow_up: This field is required.; Something else'),
    [{ field: 'follow_up', text: 'This field is required.' }, { field: null, text: 'Something else' }]);
  assert.deepEqual(serverProblems(undefined), []);
});

test('shouldNotify: only opted in, granted, and out of view', () => {
  assert.equal(shouldNotify(true, 'granted', false), true);
  assert.equal(shouldNotify(true, 'granted', true), false);
  assert.equal(shouldNotify(false, 'granted', false), false);
  assert.equal(shouldNotify(true, 'default', false), false);
  assert.equal(shouldNotify(true, 'denied', false), false);
});

test('presenceKey: off duty, paused, cooling down, on duty', () => {
  assert.equal(presenceKey({ onDuty: false, paused: true, cooldown: 5 }), 'off_duty_state');
  assert.equal(presenceKey({ onDuty: true, paused: true, cooldown: 5 }), 'paused_state');
  assert.equal(presenceKey({ onDuty: true, paused: false, cooldown: 5 }), 'cooldown_state');
  assert.equal(presenceKey({ onDuty: true, paused: false, cooldown: 0 }), 'on_duty_state');
});

test('the follow-up day is the helpline\'s day, not UTC\'s', () => {
  // 23:30 UTC on 30 November is already 1 December in Brussels (UTC+1 in winter)
  const late = new Date(Date.UTC(2026, 10, 30, 23, 30));
  assert.equal(helplineDay(late, 'Europe/Brussels'), '2026-12-01');
  assert.equal(helplineDay(late, 'UTC'), '2026-11-30');
  assert.equal(helplineDay(new Date(Date.UTC(2026, 5, 30, 21, 59)), 'Europe/Brussels'), '2026-06-30');
  assert.equal(helplineDay(new Date(Date.UTC(2026, 5, 30, 22, 0)), 'Europe/Brussels'), '2026-07-01');
});
