/* Quick exit (GOV.UK "Exit this page"): the button, or Shift three times within 5 seconds
 * with no other key between. Clears the tab's storage and leaves for a neutral site. */
import { cfg, ctx, el } from './state.js';

const QUICK_EXIT_ACK_MS = 300;
let shiftPresses = [];

export function quickExit(event) {
  if (event) event.preventDefault();
  if (ctx.exiting) return;
  ctx.exiting = true;
  let gone = false;
  const leave = function () {
    if (gone) return;
    gone = true;
    window.location.replace(cfg.exit_url);
  };
  const socket = ctx.socket;
  const live = socket && socket.connected;
  if (live) socket.timeout(QUICK_EXIT_ACK_MS).emit('quick_exit', {}, leave);
  try { sessionStorage.clear(); } catch (e) { /* nothing stored */ }
  document.title = '';
  document.body.replaceChildren();
  if (live) setTimeout(leave, QUICK_EXIT_ACK_MS + 20);
  else leave();
}

function onKeyDown(event) {
  if (event.key !== 'Shift') { shiftPresses = []; return; }
  if (event.repeat) return;
  const now = Date.now();
  shiftPresses = shiftPresses.filter(function (t) { return now - t < 5000; });
  shiftPresses.push(now);
  if (shiftPresses.length >= 3) quickExit();
}

export function init() {
  el.quickExit.addEventListener('click', quickExit);
  document.addEventListener('keydown', onKeyDown, true);
}
