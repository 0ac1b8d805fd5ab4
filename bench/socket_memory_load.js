// Load generator of bench/socket_memory.py (not run on its own): waiting chatters in Node's
// socket.io-client, each doing what the chatter page does (GET /challenge, solve the proof
// of work, `start` on /chat), then staying connected and idle.
//
// argv[2] is the server's URL; argv[3] `bare` makes each client what bench/bare_relay.py
// expects instead (connect to `/`, `join` a room of its own); argv[4] `plain`: the client
// does not offer permessage-deflate (Node's ws offers it by default, as browsers do). Commands, one per line on stdin, each answered with one JSON
// line on stdout:
//   add N    connect N more chatters (50 at a time); -> {"connected": total, "seconds": s}
//   close    disconnect every chatter;                 -> {"connected": 0}
'use strict';

const readline = require('readline');
const crypto = require('crypto');
const { io } = require('socket.io-client');

const url = process.argv[2];
const bare = process.argv[3] === 'bare';
const offerDeflate = process.argv[4] !== 'plain';
const sockets = [];

function connect() {
  const socket = io(url + (bare ? '/' : '/chat'), {
    transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30000,
    perMessageDeflate: offerDeflate ? { threshold: 1024 } : false,
    extraHeaders: { Origin: url },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

async function solvedChallenge() {
  const c = await (await fetch(url + '/challenge')).json();
  for (let n = 0; n <= c.maxnumber; n++) {
    if (crypto.createHash('sha256').update(c.salt + n).digest('hex') === c.challenge) {
      return { algorithm: c.algorithm, challenge: c.challenge, number: n, salt: c.salt,
               signature: c.signature };
    }
  }
  throw new Error('challenge has no solution');
}

async function chatter() {
  const socket = await connect();
  if (bare) {
    await socket.timeout(30000).emitWithAck('join', { pair: sockets.length });
    sockets.push(socket);
    return;
  }
  const started = await socket.timeout(30000).emitWithAck('start', { pow: await solvedChallenge() });
  if (!started.ok) throw new Error('start: ' + JSON.stringify(started));
  socket.on('position', () => {});
  sockets.push(socket);
}

async function add(count) {
  for (let done = 0; done < count; done += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - done) }, chatter));
  }
}

const say = (data) => process.stdout.write(JSON.stringify(data) + '\n');

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const [command, arg] = line.trim().split(' ');
  try {
    if (command === 'add') {
      const t0 = Date.now();
      await add(Number(arg));
      say({ connected: sockets.length, seconds: (Date.now() - t0) / 1000 });
    } else if (command === 'close') {
      for (const s of sockets.splice(0)) s.close();
      say({ connected: 0 });
    }
  } catch (err) {
    say({ failed: String((err && err.message) || err) });
  }
});
