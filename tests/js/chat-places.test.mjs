// The chatter page's own place under protocol 2 (static/js/chat/places.js): which answers
// it takes, which packets it applies, when it asks `where`. Its arithmetic is checked
// against the server's by tests/queue/test_places_js.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { movedPlace, noPlace, takePlace, applyPacket, isPacket, isBehind, lineInfo, placeFields,
  samePlace, PlaceKeeper }
  from '../../static/js/chat/places.js';

const info = (position) => ({ position, expected_wait_minutes: 5, expected_wait_range: [1, 5],
                              staff_on_duty: true, open: true });
const packet = (previous, version, moves) => ({ version, previous, moves, free: 0, capacity: 1,
                                               mean_minutes: 10, history: true,
                                               staff_on_duty: true, open: true });

test('a breakpoint moves the places from it on, up to the next one', () => {
  const moves = [[1, 1], [7, -6], [8, 0]]; // the chat at 7 moved to the front
  assert.deepEqual([1, 6, 7, 8, 20].map((p) => movedPlace(moves, p)), [2, 7, 1, 8, 20]);
  assert.equal(movedPlace([], 4), 4);
  assert.equal(movedPlace([[5, -1]], 4), 4);
});

test('a place with a version replaces an older one, never a newer one', () => {
  const held = takePlace(noPlace(), 4, info(3));
  assert.deepEqual(held, { version: 4, info: info(3) });
  assert.deepEqual(takePlace(held, 5, info(2)), { version: 5, info: info(2) });
  assert.deepEqual(takePlace(held, 4, info(2)), { version: 4, info: info(2) });
  assert.equal(takePlace(held, 3, info(9)), held);
});

test('a place without a version counts only while none with a version is held', () => {
  assert.deepEqual(takePlace(noPlace(), null, info(6)), { version: null, info: info(6) });
  const held = takePlace(noPlace(), 4, info(3));
  assert.equal(takePlace(held, null, info(6)), held);
});

test('a packet that follows the version held is applied, with the wait from its inputs', () => {
  const step = applyPacket(takePlace(noPlace(), 4, info(3)), packet(4, 5, [[2, -1]]));
  assert.equal(step.kind, 'apply');
  assert.deepEqual(step.held, { version: 5, info: lineInfo(2, packet(4, 5, [])) });
  assert.deepEqual(step.held.info, { position: 2, expected_wait_minutes: 20,
                                     expected_wait_range: [10, 20], staff_on_duty: true, open: true });
});

test('a newer packet is a gap, an older one is ignored, one before any version is early', () => {
  const held = takePlace(noPlace(), 4, info(3));
  assert.deepEqual(applyPacket(held, packet(5, 6, [])), { kind: 'gap' });
  assert.deepEqual(applyPacket(held, packet(3, 4, [])), { kind: 'old' });
  assert.deepEqual(applyPacket(noPlace(), packet(4, 5, [])), { kind: 'early' });
  assert.deepEqual(applyPacket(takePlace(noPlace(), null, info(2)), packet(4, 5, [])), { kind: 'early' });
});

test('only a well-formed packet is applied', () => {
  assert.ok(isPacket(packet(1, 2, [[3, -1]])));
  assert.ok(!isPacket(null));
  assert.ok(!isPacket({ ...packet(1, 2, []), moves: [[3]] }));
  assert.ok(!isPacket({ ...packet(1, 2, []), version: '2' }));
  assert.ok(!isPacket({ ...packet(1, 2, []), mean_minutes: null }));
});

test('an ack keeps only the place fields', () => {
  const res = { ok: true, chat_id: 'x', messages: [], line_version: 3, ...info(4) };
  assert.deepEqual(placeFields(res), info(4));
});

test('a place that shows the same is the same, whatever the objects', () => {
  assert.ok(samePlace(info(3), info(3)));
  assert.ok(!samePlace(info(3), info(2)));
  assert.ok(!samePlace(info(3), { ...info(3), expected_wait_range: [1, 6] }));
  assert.ok(!samePlace(info(3), { ...info(3), open: false }));
  assert.ok(samePlace({ ...info(3), expected_wait_range: null }, { ...info(3), expected_wait_range: null }));
  assert.ok(!samePlace(null, info(3)));
});

test('a proof that tells a newer version than the one held means packets were missed', () => {
  const held = takePlace(noPlace(), 4, { position: 2 });
  assert.equal(isBehind(held, 5), true);
  assert.equal(isBehind(held, 4), false);
  assert.equal(isBehind(held, 3), false);
  assert.equal(isBehind(held, undefined), false); // protocol 1: no version in the ack
  // None held by the renewal (a minute on): its own `position` should have come long ago.
  assert.equal(isBehind(noPlace(), 9), true);
  assert.equal(isBehind(takePlace(noPlace(), null, info(2)), 9), true);
});

// A keeper with recording hooks: what it showed (position, changed) and how often it asked.
function keeper({ connected = true } = {}) {
  const seen = { shown: [], asked: 0 };
  const k = new PlaceKeeper({
    show: (shown, changed) => seen.shown.push([shown.position, changed]),
    askWhere: () => { seen.asked += connected ? 1 : 0; return connected; }
  });
  return { k, seen };
}

test('the keeper shows its place, then each packet that follows it, and says what changed', () => {
  const { k, seen } = keeper();
  k.take(4, info(3));
  k.packet(packet(4, 5, [[1, -1]])); // moved up
  k.packet(packet(5, 6, [])); // nothing moved, the same waits
  k.packet(packet(5, 6, [[1, -1]])); // old: ignored
  assert.deepEqual(seen.shown, [[3, true], [2, true], [2, false]]);
  assert.equal(k.held.version, 6);
  assert.equal(seen.asked, 0);
});

test('the keeper applies packets that came before its place once it has one', () => {
  const { k, seen } = keeper();
  k.packet(packet(4, 5, [[1, -1]]));
  k.packet(packet(5, 6, [[1, -1]]));
  k.take(4, info(5));
  assert.deepEqual(seen.shown, [[5, true], [4, true], [3, true]]);
  assert.equal(k.held.version, 6);
});

test('after a gap the keeper asks once, keeps what comes, and applies it after the answer', () => {
  const { k, seen } = keeper();
  k.take(4, info(5));
  k.packet(packet(5, 6, [[1, -1]])); // version 5 was missed
  k.packet(packet(6, 7, [[1, -1]]));
  assert.equal(seen.asked, 1);
  assert.equal(k.held.version, 4);
  k.answered(5, info(4)); // where the chat stood in version 5
  assert.deepEqual(seen.shown, [[5, true], [4, true], [3, true], [2, true]]);
  assert.equal(k.held.version, 7);
});

test('the keeper asks again after an answer that did not come, and not while it cannot ask', () => {
  const offline = keeper({ connected: false });
  offline.k.take(4, info(5));
  offline.k.packet(packet(5, 6, []));
  assert.equal(offline.k.asking, false); // nothing sent: the next gap tries again
  const { k, seen } = keeper();
  k.take(4, info(5));
  k.packet(packet(5, 6, []));
  k.answered(null, null);
  k.packet(packet(6, 7, []));
  assert.equal(seen.asked, 2);
});

test('the keeper asks when told of a newer line than its place, and forgets on request', () => {
  const { k, seen } = keeper();
  k.take(4, info(5));
  k.versionSeen(4);
  assert.equal(seen.asked, 0);
  k.versionSeen(5);
  assert.equal(seen.asked, 1);
  k.answered(5, info(5));
  k.forget();
  k.packet(packet(5, 6, [[1, -1]])); // early again: no place held
  assert.deepEqual(seen.shown, [[5, true], [5, false]]);
  assert.equal(k.held.version, null);
});
