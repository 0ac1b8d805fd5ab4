// Load generator of bench/scale.py (not run on its own): socket.io-client in Node, far
// lighter per socket than a Python client, so the server stays the bottleneck. The same
// generator drives every stack a goal compares (plan.stack): the product, bench/bare_relay.py
// and bench/node_relay.js, so both sides of a ratio carry the same generator delay.
//
// It reads a JSON plan from argv[2], runs the phases below, and after each phase prints
// one JSON line to stdout and waits for a line on stdin (the orchestrator samples CPU and
// memory in between). Phases:
//   idle      nothing connected yet
//   live:N    N live chats (product: therapists on duty, chatters assigned; bare and node:
//             two sockets in the room of their pair); then MEASURE seconds of traffic, 1
//             message per side per INTERVAL s, during which PROBES more chatters join one
//             at a time, each to a free therapist: join->assigned (product only)
//   rss       (before and after the waiting sockets connect) traffic paused and settled:
//             the orchestrator reads the servers' RSS, so the cost of an idle socket is not
//             mixed with heap growth from traffic
//   wait:W    W more sockets (product: chatters waiting in the line; bare and node: idle
//             sockets, each in a room of its own), then (product) LINE_CHANGES rounds of
//             the three kinds of change, each timed until every waiting chatter holds its
//             new place: a therapist comes on duty (takes the front chatter), the chat is
//             transferred back to the line (goes first), the front chatter leaves; traffic
//             goes on. Chatters speak protocol 2, as the chat page does: each works out its
//             place from the `line_moved` packets with the page's own module
//             (static/js/chat/places.js), so the bench times the pages' path
//   quiet     traffic stopped, everything still connected (idle CPU over 10 s)
// A `mark` line comes before each measured span, so the CPU figures leave set-up out.
// On an error it prints {phase: "failed", error_type, step, error} and exits.
'use strict';

const fs = require('fs');
const readline = require('readline');
const crypto = require('crypto');
const path = require('path');
const { pathToFileURL } = require('url');
const { io } = require('socket.io-client');
const lineModel = require('./line_model.js');

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const stdin = readline.createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const product = (plan.stack || 'product') === 'product';
const PLACES = pathToFileURL(path.join(__dirname, '..', 'static', 'js', 'chat', 'places.js')).href;
let places = null; // the chat page's protocol-2 module (an ES module: imported in main)
let currentStep = 'idle';

function pct(values, q) {
  if (!values.length) return null;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))];
}

async function report(phase, data) {
  process.stdout.write(JSON.stringify({ phase, ...data }) + '\n');
  await lines.next();
}

let urlTurn = 0;
function connect(namespace, headers) {
  const url = plan.urls[urlTurn++ % plan.urls.length];
  const socket = io(url + namespace, {
    transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30000,
    rejectUnauthorized: !plan.self_signed,
    extraHeaders: { Origin: url, ...(headers || {}) },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

function call(socket, event, data, timeout = 30000) {
  return socket.timeout(timeout).emitWithAck(event, data);
}

async function inBatches(items, size, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((x, j) => fn(x, i + j)))));
  }
  return out;
}

// ---------------------------------------------------------------- relay traffic
const relay = { sent: new Map(), latency: [], lost: 0, errors: {}, running: false,
                since: nowMs() };
const pairs = []; // {index, chatter socket, therapist socket, chatId}

function delivered(text, side) {
  const parts = String(text).split(' ');
  if (parts.length !== 4 || parts[1] === side) return; // own echo or foreign text
  const key = parts[0] + ' ' + parts[1] + ' ' + parts[2];
  const sent = relay.sent.get(key);
  if (sent === undefined) return;
  relay.sent.delete(key);
  relay.latency.push(nowMs() - sent);
  const pair = pairs[Number(parts[0])];
  if (plan.interval === 0 && pair && pair.next) pair.next(); // closed loop: the next one
}

// Open loop, each side every `interval` s; or (interval 0) a closed loop: each pair keeps
// one message in flight and sends the next when the last arrived (or was lost after 5 s),
// so the servers relay all they can and are never overloaded (saturated throughput).
function startTraffic() {
  relay.running = true;
  const interval = plan.interval * 1000;
  for (const pair of pairs) {
    if (pair.timer || pair.next) continue;
    let seq = 0;
    const tick = () => {
      if (!relay.running) { pair.timer = null; pair.next = null; return; }
      const dir = seq % 2 === 0 ? 'c' : 't';
      const key = pair.index + ' ' + dir + ' ' + seq++;
      relay.sent.set(key, nowMs());
      const text = key + ' x';
      const ack = pair.send(dir, text);
      ack.then((r) => { if (!r || !r.ok) relay.errors[(r && r.code) || '?'] = 1 + (relay.errors[(r && r.code) || '?'] || 0); })
        .catch(() => { relay.errors.timeout = 1 + (relay.errors.timeout || 0); });
      if (interval === 0) {
        clearTimeout(pair.timer);
        pair.timer = setTimeout(tick, 5000); // lost: send the next anyway
        pair.next = () => {
          pair.next = null; // one in flight: a late arrival of a lost one sends nothing more
          clearTimeout(pair.timer); pair.timer = null; setImmediate(tick);
        };
      } else {
        pair.timer = setTimeout(tick, interval / 2);
      }
    };
    pair.timer = setTimeout(tick, Math.random() * (interval || 100) / 2);
  }
}

function takeRelayFigures() {
  const cutoff = nowMs() - 5000; // not delivered 5 s after sending: lost
  let lost = 0;
  for (const [key, t] of relay.sent) if (t < cutoff) { relay.sent.delete(key); lost++; }
  const figures = {
    delivered: relay.latency.length, lost, errors: relay.errors,
    p50_ms: pct(relay.latency, 50), p99_ms: pct(relay.latency, 99),
    seconds: (nowMs() - relay.since) / 1000,
  };
  relay.latency = []; relay.errors = {}; relay.since = nowMs();
  return figures;
}

// ---------------------------------------------------------------- therapists and chats
const therapists = []; // {socket, chats}
let cookieTurn = 0;

// Signed-in therapists (one cookie each, in order); `duty` false: connected but off duty
// (the line changes' therapists, who come on duty while they are timed).
async function addTherapists(count, duty = true) {
  const cookies = plan.cookies.slice(cookieTurn, cookieTurn + count);
  if (cookies.length < count) throw new Error('not enough signed-in therapists');
  cookieTurn += count;
  return inBatches(cookies, 25, async (cookie) => {
    const socket = await connect('/staff', { Cookie: cookie });
    const t = { socket, chats: new Map() };
    socket.on('chat_assigned', (view) => {
      const waiter = assignedWaiters.get(view.chat_id);
      t.chats.set(view.chat_id, true);
      if (waiter) waiter(t);
    });
    socket.on('chat_transferred', (data) => t.chats.delete(data.chat_id));
    socket.on('message', (m) => delivered(m.text, 't'));
    therapists.push(t);
    if (duty) {
      const r = await call(socket, 'duty', { on: true, capacity: plan.capacity });
      if (!r.ok) throw new Error('duty: ' + JSON.stringify(r));
    }
    return t;
  });
}

const assignedWaiters = new Map(); // chat id -> resolve(therapist)

// The proof of work `start` asks for (ALTCHA v1: sha256(salt + number) is the challenge);
// bench/scale.py makes it small. A tree without GET /challenge gets no `pow` field.
async function solvedChallenge() {
  const response = await fetch(plan.urls[0] + '/challenge');
  if (response.status === 404) return null;
  const c = await response.json();
  for (let n = 0; n <= c.maxnumber; n++) {
    const hex = crypto.createHash('sha256').update(c.salt + n).digest('hex');
    if (hex === c.challenge) {
      return { algorithm: c.algorithm, challenge: c.challenge, number: n, salt: c.salt,
               signature: c.signature };
    }
  }
  throw new Error('challenge has no solution');
}

// `prepare(socket)` runs before `start`, so no event of the chat is missed.
async function startChatter(prepare) {
  const socket = await connect('/chat');
  let assignedAt = null;
  socket.once('assigned', () => { assignedAt = assignedAt || nowMs(); });
  if (prepare) prepare(socket);
  // the join is the `start` event: the challenge is fetched and solved before it, as
  // the page does while the chatter reads the intake questions
  const pow = await solvedChallenge();
  const t0 = nowMs();
  const started = await call(socket, 'start', { protocol: 2, ...(plan.start_extra || {}),
                                                ...(pow ? { pow } : {}) });
  if (!started.ok) throw new Error('start: ' + JSON.stringify(started));
  if (started.state === 'active') assignedAt = assignedAt || nowMs(); // assigned in the ack
  return { socket, started, t0, assignedAt: () => assignedAt };
}

// The two sides of a chat send through their own socket: the product's chatter and
// therapist events, or a bare relay's `message` to the pair's room.
async function addLiveChats(count) {
  await inBatches(Array.from({ length: count }), 25, product ? async () => {
    const c = await startChatter();
    const therapist = await assignedTherapist(c);
    const chatId = c.started.chat_id;
    pairs.push({ index: pairs.length, chatter: c.socket, therapist: therapist.socket,
                 send: (dir, text) => (dir === 'c'
                   ? call(c.socket, 'message', { text })
                   : call(therapist.socket, 'message', { chat_id: chatId, text })) });
    c.socket.on('message', (m) => delivered(m.text, 'c'));
  } : async () => {
    const index = pairs.length;
    const pair = { index };
    pairs.push(pair);
    for (const side of ['c', 't']) {
      const socket = await connect('/');
      socket.on('message', (m) => delivered(m.text, side));
      await call(socket, 'join', { pair: index });
      pair[side === 'c' ? 'chatter' : 'therapist'] = socket;
    }
    pair.send = (dir, text) => call(dir === 'c' ? pair.chatter : pair.therapist, 'message',
                                    { pair: index, text });
  });
}

function assignedTherapist(c) {
  return new Promise((resolve) => {
    const found = therapists.find((t) => t.chats.has(c.started.chat_id));
    if (found) resolve(found); else assignedWaiters.set(c.started.chat_id, resolve);
  }).then((t) => { assignedWaiters.delete(c.started.chat_id); return t; });
}

// join -> assigned under load: PROBES chatters join one at a time, spread over the
// measured span, each to a free place of therapists who came on duty for them (so the
// line stays empty and the time is the server's, not a queue's). They stay connected.
async function probeJoins(spanMs) {
  await addTherapists(Math.ceil(plan.probes / plan.capacity));
  const joinMs = [];
  for (let i = 0; i < plan.probes; i++) {
    const next = nowMs() + spanMs / plan.probes;
    const c = await startChatter();
    await assignedTherapist(c);
    while (!c.assignedAt()) await sleep(1);
    joinMs.push(c.assignedAt() - c.t0);
    probes.push(c.socket);
    await sleep(Math.max(0, next - nowMs()));
  }
  return { joins: joinMs.length, join_p50_ms: pct(joinMs, 50), join_p99_ms: pct(joinMs, 99),
           join_max_ms: joinMs.length ? Math.max(...joinMs) : null };
}
const probes = []; // probe chatters' sockets

// ---------------------------------------------------------------- the waiting line
// Waiting chatters ({socket, chatId, position, changedAt, assigned}), in no set order;
// lineModel orders them by place. One that a therapist took is `assigned` and no longer
// waiting (a therapist with a free place takes the front chatters as they come).
const waiters = [];
const idleSockets = []; // bare and node: the idle sockets of the waiting steps

// A waiting chatter's place, kept as the chat page keeps it (places.js's PlaceKeeper): a
// place with a version, packets that follow it, `where` after a gap (counted: a gap is a
// packet the chatter did not get in order). Every place taken or packet applied counts as
// news (the time a chatter last heard where it stands), changed or not.
const lineGaps = { count: 0 };

function placeKeeper(w) {
  return new places.PlaceKeeper({
    show: (info) => { w.position = info.position; w.changedAt = nowMs(); },
    askWhere: () => {
      lineGaps.count += 1;
      call(w.socket, 'where', {}).then((res) => {
        if (res && res.ok) w.place.answered(res.line_version, places.placeFields(res));
        else w.place.answered(null, null);
      });
      return true;
    }
  });
}

async function addWaiting(count) {
  await inBatches(Array.from({ length: count }), 50, product ? async () => {
    const w = { socket: null, chatId: null, position: null, changedAt: 0, assigned: false };
    w.place = placeKeeper(w);
    const c = await startChatter((socket) => {
      w.socket = socket;
      socket.on('position', (p) => w.place.take(p.version, places.placeFields(p)));
      socket.on('line_moved', (p) => w.place.packet(p));
      socket.on('assigned', () => { w.assigned = true; w.place.forget(); });
      socket.on('transferred', (d) => {
        w.place.forget(); // taken by another, or back in the line: its own `position` comes
        if (d.therapist == null) w.assigned = false;
      });
    });
    w.chatId = c.started.chat_id;
    if (c.started.state === 'active') w.assigned = true;
    else w.place.take(c.started.line_version, places.placeFields(c.started));
    waiters.push(w);
  } : async () => {
    const socket = await connect('/');
    await call(socket, 'join', { pair: 'idle-' + idleSockets.length });
    idleSockets.push(socket);
  });
}

const waitingCount = () => waiters.filter((w) => !w.assigned).length;

// One timed change: `act` makes it, `change` says what it does to the line; then wait
// (at most 60 s) until every chatter still waiting holds its expected place.
async function timedChange(change, act) {
  const order = lineModel.waitingOrder(waiters);
  const before = change.kind === 'duty' ? order.slice(0, change.taken) : [];
  const expected = lineModel.expectedPlaces(lineModel.afterChange(order, change));
  const t0 = nowMs();
  await act(order);
  const deadline = t0 + 60000;
  const done = () => lineModel.settled(expected, t0) && before.every((w) => w.assigned);
  while (nowMs() < deadline && !done()) await sleep(10);
  const result = lineModel.tally(expected, t0, change.kind);
  result.wrong += before.filter((w) => !w.assigned).length; // taken ones not told
  return result;
}

// One round of the three kinds of change, with a therapist of its own (connected, off
// duty): on duty with one place (takes the front chatter), paused (takes nobody more),
// the chat transferred back to the line (it goes first), the front chatter leaves; then
// the therapist goes off duty (no place changes: nothing timed).
async function lineRound(t) {
  const changes = [];
  let taken = null;
  changes.push(await timedChange({ kind: 'duty', taken: 1 }, async (order) => {
    taken = order[0];
    const r = await call(t.socket, 'duty', { on: true, capacity: 1 });
    if (!r.ok) throw new Error('duty: ' + JSON.stringify(r));
  }));
  await sleep(500);
  const paused = await call(t.socket, 'pause', { paused: true });
  if (!paused.ok) throw new Error('pause: ' + JSON.stringify(paused));
  await sleep(500);
  const chatId = [...t.chats.keys()][0];
  if (!taken || !chatId) throw new Error('the therapist on duty was given no chat');
  changes.push(await timedChange({ kind: 'back', chatter: taken }, async () => {
    const r = await call(t.socket, 'transfer', { chat_id: chatId, to: 'line' });
    if (!r.ok) throw new Error('transfer: ' + JSON.stringify(r));
  }));
  t.chats.delete(chatId);
  await sleep(500);
  changes.push(await timedChange({ kind: 'leave' }, async (order) => {
    const leaving = order[0];
    waiters.splice(waiters.indexOf(leaving), 1);
    await call(leaving.socket, 'end', {});
    leaving.socket.close();
  }));
  await call(t.socket, 'duty', { on: false });
  return changes;
}

// ---------------------------------------------------------------- the run
function stopTraffic() { relay.running = false; }

async function main() {
  places = await import(PLACES);
  await report('idle', {});
  let live = 0;
  let liveTherapists = 0;
  for (const target of plan.live_steps) {
    currentStep = 'live:' + target;
    // therapists for the live chats (those who came on duty for probes are full already)
    const needed = product ? Math.ceil(target / plan.capacity) - liveTherapists : 0;
    if (needed > 0) { await addTherapists(needed); liveTherapists += needed; }
    await addLiveChats(target - live);
    live = target;
    startTraffic();
    await sleep(1000);
    takeRelayFigures(); // what was sent while chats were still being set up does not count
    await report('mark', {});
    const t0 = nowMs();
    const joins = product && plan.probes > 0 ? await probeJoins(plan.measure * 1000) : {};
    await sleep(Math.max(0, plan.measure * 1000 - (nowMs() - t0)));
    await report('live', { live, waiting: waitingCount(), ...joins,
                           relay: takeRelayFigures() });
  }
  for (const target of plan.waiting_steps) {
    currentStep = 'wait:' + target;
    const spare = product ? await addTherapists(plan.line_changes, false) : [];
    // RSS before and after the sockets connect, both with traffic paused and settled
    stopTraffic();
    await sleep(3000);
    const socketsBefore = waiters.length + idleSockets.length;
    await report('rss', { sockets: socketsBefore });
    const t0 = nowMs();
    await addWaiting(target - socketsBefore);
    const connectSeconds = (nowMs() - t0) / 1000;
    await sleep(3000);
    const added = waiters.length + idleSockets.length - socketsBefore;
    await report('rss', { sockets: socketsBefore + added, added });
    relay.running = true;
    startTraffic();
    await sleep(2000);
    takeRelayFigures();
    await report('mark', {});
    const measureStart = nowMs();
    const changes = [];
    for (const t of spare) changes.push(...(await lineRound(t)));
    await sleep(Math.max(0, plan.measure * 1000 - (nowMs() - measureStart)));
    await report('waiting', {
      live, waiting: waitingCount(), idle: idleSockets.length, sockets_added: added,
      assigned_from_line: waiters.filter((w) => w.assigned).length,
      connect_seconds: connectSeconds, where_after_gaps: lineGaps.count,
      changes: changes.map(({ delays_ms, ...rest }) => ({
        ...rest, median_ms: pct(delays_ms, 50),
        max_ms: delays_ms.length ? Math.max(...delays_ms) : null })),
      relay: takeRelayFigures(),
    });
  }
  currentStep = 'quiet';
  stopTraffic();
  if (plan.quiet !== false) {
    await sleep(3000);
    await report('mark', {});
    await sleep(10000);
    const connected = pairs.length * 2 + therapists.length + waiters.length
      + idleSockets.length + probes.length;
    await report('quiet', { live, waiting: waitingCount(), idle: idleSockets.length,
                            sockets: connected });
  }
  for (const s of [...pairs.flatMap((p) => [p.chatter, p.therapist]),
                   ...therapists.map((t) => t.socket), ...waiters.map((w) => w.socket),
                   ...idleSockets, ...probes]) {
    if (s) s.close();
  }
  process.exit(0);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({
    phase: 'failed', error_type: (err && err.name) || typeof err, step: currentStep,
    error: String((err && err.message) || err).slice(0, 300),
  }) + '\n');
  process.exit(1);
});
