// A bare Node socket.io relay: the same workload as bench/bare_relay.py (a client joins its
// pair's room; every `message` goes to that room, skipping the sender) on the reference
// implementation, so bench/relay.py can compare the product's tail with it (issue 11, f).
// WebSocket only, one process, no message queue (a single Node process needs none).
//
//   node bench/node_relay.js --port 5100
'use strict';

const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
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
  transports: ['websocket'], maxHttpBufferSize: 64 * 1024, pingInterval: 20000,
  pingTimeout: 20000,
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
