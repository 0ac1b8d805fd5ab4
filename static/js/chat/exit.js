/* Quick exit on the chatter's page (lib/quick-exit.js: the button, or Shift three times):
 * the chat's socket is told first (`quick_exit`, which ends the chat at once), and the
 * page marks itself as leaving, so nothing more is stored. */
import { init as initQuickExit } from '../lib/quick-exit.js';
import { cfg, ctx } from './state.js';

function tellServer(leave, ackMs) {
  ctx.exiting = true;
  const socket = ctx.socket;
  const live = socket && socket.connected;
  if (live) socket.timeout(ackMs).emit('quick_exit', {}, leave);
  return Boolean(live);
}

export function init(root) {
  initQuickExit(root, { exit_url: cfg.exit_url, before: tellServer });
}
