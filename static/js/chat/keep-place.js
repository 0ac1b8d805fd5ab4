/* Keeping the place in the line (helpline/chat/places.py): while the chat waits, the page
 * proves again every cfg.place_renew_seconds with a fresh challenge solved in the Web
 * Worker (proof.js), so a place is rented, not bought once. The first proof follows the
 * start at once. Nothing is shown: the person does not notice. */
import { ACK_TIMEOUT_MS, cfg, ctx } from './state.js';
import { takeProof, STALE_RETRIES } from '../lib/proof.js';

let timer = null;
let onLineVersion = function () {};

function waiting() {
  return ctx.chat.state === 'waiting' && ctx.socket && ctx.socket.connected;
}

function prove(retries) {
  timer = null;
  if (!waiting()) return; // active or ended; a resume into the line starts it again
  takeProof(function (solution) {
    if (!waiting() || !solution) { later(); return; }
    ctx.socket.timeout(ACK_TIMEOUT_MS).emit('keep_place', { pow: solution }, function (err, res) {
      if (!err && res && !res.ok && res.code === 'pow_stale' && retries > 0) {
        prove(retries - 1);
        return;
      }
      if (!err && res && res.ok) onLineVersion(res.line_version);
      later();
    });
  });
}

function later() {
  if (timer === null) timer = setTimeout(function () { prove(STALE_RETRIES); }, cfg.place_renew_seconds * 1000);
}

/* The chat is (again) in the line: prove now, then every renewal period. Each accepted
   proof's ack says the line's version (protocol 2): `lineVersion` gets it. */
export function keepPlace(lineVersion) {
  onLineVersion = lineVersion || function () {};
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(function () { prove(STALE_RETRIES); }, 0);
}
