// The waiting line as bench/scale_load.js predicts it: pure functions, no sockets, so the
// bench's expectations are tested on their own (tests/js/bench-line-model.test.mjs).
//
// A waiter is {position, changedAt, assigned}: `position` the last place it holds (worked
// out from the server's packets, as the chat page does), `changedAt` when that came (ms),
// `assigned` true once a therapist took it (then it is no longer waiting, and no place is
// expected of it).
'use strict';

// The line in order (front first) after one change, from the order before it:
//   leave  the front chatter leaves
//   duty   a therapist comes on duty with `taken` free places: the front `taken` are assigned
//   back   a chat is transferred back to the line: `chatter` goes first
function afterChange(order, change) {
  if (change.kind === 'leave') return order.slice(1);
  if (change.kind === 'duty') return order.slice(change.taken);
  if (change.kind === 'back') return [change.chatter, ...order.filter((w) => w !== change.chatter)];
  throw new Error('unknown change ' + change.kind);
}

// Only chatters still waiting, in the order of their places.
function waitingOrder(waiters) {
  return waiters.filter((w) => !w.assigned).sort((a, b) => a.position - b.position);
}

// Place 1 is next: every waiter's expected place in an order.
function expectedPlaces(order) {
  return new Map(order.map((w, i) => [w, i + 1]));
}

function settled(expected, t0) {
  for (const [w, place] of expected) {
    if (w.assigned || w.position !== place || w.changedAt < t0) return false;
  }
  return true;
}

// What one change showed, counted over the chatters still waiting: a place counts as
// reached only when it is the expected one and arrived after the change (t0). Chatters
// assigned meanwhile are not waiting: counted apart, neither reached nor wrong.
function tally(expected, t0, kind) {
  const delays = [];
  let wrong = 0;
  let assigned = 0;
  for (const [w, place] of expected) {
    if (w.assigned) assigned++;
    else if (w.position === place && w.changedAt >= t0) delays.push(w.changedAt - t0);
    else wrong++;
  }
  return { kind, expected: expected.size - assigned, reached: delays.length, wrong, assigned,
           delays_ms: delays };
}

module.exports = { afterChange, waitingOrder, expectedPlaces, settled, tally };
