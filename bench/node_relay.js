// A bare Node socket.io relay: the same workload as bench/bare_relay.py (a client joins its
// pair's room; every `message` goes to that room, skipping the sender) on the reference
// implementation, so bench/relay.py can compare the product's tail with it (issue 11, f).
// WebSocket only, one process, no message queue (a single Node process needs none).
//
//   node bench/node_relay.js --port 5100 [--ping-interval 5 --ping-timeout 30]
//
// Ping settings in seconds, by default the product's (5 and 5); bench/scale.py passes its
// own to all three stacks, so idle CPU compares like with like.
'use strict';

const http = require('http');
const { Server } = require('socket.io');

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const port = arg('--port');
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  } else {
    res.writeHead(404);
    res.end();
  }
});
const io = new Server(server, {
  transports: ['websocket'], maxHttpBufferSize: 64 * 1024,
  pingInterval: arg('--ping-interval', 5) * 1000, pingTimeout: arg('--ping-timeout', 5) * 1000,
});
io.on('connection', (socket) => {
  socket.on('join', (data, ack) => { socket.join('pair:' + data.pair); ack({ ok: true }); });
  socket.on('message', (data, ack) => {
    socket.to('pair:' + data.pair).emit('message', data);
    if (ack) ack({ ok: true });
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
