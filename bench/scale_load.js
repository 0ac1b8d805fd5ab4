// Load generator of bench/scale.py (not run on its own): socket.io-client in Node, far
// lighter per socket than a Python client, so the server stays the bottleneck.
//
// It reads a JSON plan from argv[2], runs the phases below, and after each phase prints
// one JSON line to stdout and waits for a line on stdin (the orchestrator samples CPU and
// memory in between). Phases:
//   idle      nothing connected yet
//   live:N    N live chats (therapists on duty, chatters assigned); then MEASURE seconds
//             of traffic, 1 message per side per INTERVAL s, during which PROBES more
//             chatters join one at a time, each to a free therapist: join->assigned
//   wait:W    W more chatters waiting in the line, then line changes (the front chatter
//             leaves) timed until every waiting chatter has its new place; traffic goes on
//   quiet     traffic stopped, everything still connected (idle CPU over 10 s)
// A `mark` line comes before each measured span, so the CPU figures leave set-up out.
'use strict';

const fs = require('fs');
const readline = require('readline');
const crypto = require('crypto');
const { io } = require('socket.io-client');

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const stdin = readline.createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
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
      const ack = dir === 'c'
        ? call(pair.chatter, 'message', { text })
        : call(pair.therapist, 'message', { chat_id: pair.chatId, text });
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
const therapists = []; // {socket, free}

async function addTherapists(count) {
  const start = therapists.length;
  const cookies = plan.cookies.slice(start, start + count);
  if (cookies.length < count) throw new Error('not enough signed-in therapists');
  await inBatches(cookies, 25, async (cookie) => {
    const socket = await connect('/staff', { Cookie: cookie });
    const t = { socket, chats: new Map() };
    socket.on('chat_assigned', (view) => {
      const waiter = assignedWaiters.get(view.chat_id);
      t.chats.set(view.chat_id, true);
      if (waiter) waiter(t);
    });
    socket.on('message', (m) => delivered(m.text, 't'));
    therapists.push(t);
    const r = await call(socket, 'duty', { on: true, capacity: plan.capacity });
    if (!r.ok) throw new Error('duty: ' + JSON.stringify(r));
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

async function startChatter() {
  const socket = await connect('/chat');
  let assignedAt = null;
  socket.once('assigned', () => { assignedAt = assignedAt || nowMs(); });
  // the join is the `start` event: the challenge is fetched and solved before it, as
  // the page does while the chatter reads the intake questions
  const pow = await solvedChallenge();
  const t0 = nowMs();
  const started = await call(socket, 'start', { ...(plan.start_extra || {}),
                                                ...(pow ? { pow } : {}) });
  if (!started.ok) throw new Error('start: ' + JSON.stringify(started));
  if (started.state === 'active') assignedAt = assignedAt || nowMs(); // assigned in the ack
  return { socket, started, t0, assignedAt: () => assignedAt };
}

async function addLiveChats(count) {
  await inBatches(Array.from({ length: count }), 25, async () => {
    const c = await startChatter();
    const therapist = await assignedTherapist(c);
    pairs.push({ index: pairs.length, chatter: c.socket, therapist: therapist.socket,
                 chatId: c.started.chat_id });
    c.socket.on('message', (m) => delivered(m.text, 'c'));
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
const waiting = []; // {socket, chatId, position}

async function addWaiting(count) {
  await inBatches(Array.from({ length: count }), 50, async () => {
    const c = await startChatter();
    const w = { socket: c.socket, chatId: c.started.chat_id, position: c.started.position,
                changedAt: 0 };
    c.socket.on('position', (p) => { w.position = p.position; w.changedAt = nowMs(); });
    waiting.push(w);
  });
}

async function lineChange() {
  // The chatter at the front leaves; everyone behind moves up one place.
  waiting.sort((a, b) => a.position - b.position);
  const leaving = waiting.shift();
  const expected = new Map(waiting.map((w) => [w, w.position - 1]));
  const t0 = nowMs();
  await call(leaving.socket, 'end', {});
  leaving.socket.close();
  const deadline = t0 + 60000;
  while (nowMs() < deadline) {
    let done = true;
    for (const [w, pos] of expected) if (w.position !== pos) { done = false; break; }
    if (done) break;
    await sleep(10);
  }
  const delays = [];
  let wrong = 0;
  for (const [w, pos] of expected) {
    if (w.position === pos) delays.push(w.changedAt - t0); else wrong++;
  }
  return { median_ms: pct(delays, 50), max_ms: delays.length ? Math.max(...delays) : null, wrong };
}

// ---------------------------------------------------------------- the run
async function main() {
  await report('idle', {});
  let live = 0;
  let liveTherapists = 0;
  for (const target of plan.live_steps) {
    // therapists for the live chats (those who came on duty for probes are full already)
    const needed = Math.ceil(target / plan.capacity) - liveTherapists;
    if (needed > 0) { await addTherapists(needed); liveTherapists += needed; }
    await addLiveChats(target - live);
    live = target;
    startTraffic();
    await sleep(1000);
    takeRelayFigures(); // what was sent while chats were still being set up does not count
    await report('mark', {});
    const t0 = nowMs();
    const joins = await probeJoins(plan.measure * 1000);
    await sleep(Math.max(0, plan.measure * 1000 - (nowMs() - t0)));
    await report('live', { live, waiting: waiting.length, ...joins, relay: takeRelayFigures() });
  }
  for (const target of plan.waiting_steps) {
    const t0 = nowMs();
    await addWaiting(target - waiting.length);
    const connectSeconds = (nowMs() - t0) / 1000;
    await sleep(2000);
    takeRelayFigures();
    await report('mark', {});
    const changes = [];
    for (let i = 0; i < plan.line_changes; i++) { changes.push(await lineChange()); await sleep(1000); }
    await sleep(Math.max(0, plan.measure * 1000 - plan.line_changes * 1000));
    await report('waiting', {
      live, waiting: waiting.length, connect_seconds: connectSeconds,
      position_median_ms: pct(changes.map((c) => c.median_ms).filter((x) => x !== null), 50),
      position_max_ms: Math.max(...changes.map((c) => c.max_ms || 0)),
      positions_wrong: changes.reduce((n, c) => n + c.wrong, 0),
      relay: takeRelayFigures(),
    });
  }
  relay.running = false;
  await sleep(3000);
  await report('mark', {});
  await sleep(10000);
  await report('quiet', { live, waiting: waiting.length });
  for (const s of [...pairs.map((p) => p.chatter), ...therapists.map((t) => t.socket),
                   ...waiting.map((w) => w.socket), ...probes]) s.close();
  process.exit(0);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ phase: 'failed', error: String(err && err.message || err) }) + '\n');
  process.exit(1);
});
