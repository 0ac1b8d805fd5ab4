/* The connection notice (shown while the socket is down) and closing the socket. Opening
 * it is page.js's (it knows every handler); the parts that must close it or show the
 * notice import these two instead. */
import { format, show } from '../lib/common.js';
import { cfg, ctx, el, T } from './state.js';

/* While the socket is down: the chat is kept for the grace period, then it ends. */
export function setConnNotice(visible) {
  if (visible) {
    const grace = Number(cfg.grace_seconds) || 0;
    let text = T.reconnecting;
    if (ctx.chat.token && grace >= 120) text = format(T.kept_minutes, { n: Math.floor(grace / 60) });
    else if (ctx.chat.token && grace > 0) text = format(T.kept_seconds, { n: grace });
    el.connNotice.textContent = text;
  }
  show(el.connNotice, visible);
}

export function closeSocket() {
  if (!ctx.socket) return;
  ctx.socket.off();
  ctx.socket.disconnect();
  ctx.socket = null;
}
