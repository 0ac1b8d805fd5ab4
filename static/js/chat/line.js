/* The status above the transcript: waiting (place, an honest wait range, what happens
 * next), talking with someone, handed over. Wording comes from wait.js (pure). */
import { format, show } from '../lib/common.js';
import { ctx, el, T, TRANSFER, SUPERVISION } from './state.js';
import { positionStatus } from './wait.js';
import { setEndConfirm } from './compose.js';
import { noPlace, takePlace, applyPacket, isPacket, isBehind, samePlace } from './places.js';

const EARLY_KEPT = 8; // packets kept while no version is held (or a `where` is on its way)

export function renderStatus() {
  const chat = ctx.chat;
  setEndConfirm(false);
  show(el.nextSteps, chat.state === 'waiting');
  if (chat.state === 'active') {
    const name = chat.therapist || T.therapist;
    el.chatHeading.textContent = format(T.chat_heading, { name: name });
    el.statusMain.textContent = format(T.talking_with, { name: name });
    el.statusDetail.textContent = '';
    showNoStaff(false);
    el.endButton.textContent = T.end;
  } else if (chat.state === 'waiting') {
    el.chatHeading.textContent = T.waiting_heading;
    el.endButton.textContent = T.leave;
  } else {
    el.chatHeading.textContent = T.waiting_heading;
    el.statusMain.textContent = T.resuming;
    el.statusDetail.textContent = '';
  }
}

export function renderPosition(info) {
  if (ctx.chat.state !== 'waiting' || !info) return;
  ctx.lastPosition = info;
  const status = positionStatus(info, T, format);
  el.statusMain.textContent = status.main;
  el.statusDetail.textContent = status.detail;
  showNoStaff(status.nobody);
}

/* ---------- protocol 2: the page keeps its own place (places.js) ---------- */

/** Hold no place: a start or resume asks afresh, and a chat that a therapist took or
 * handed back holds none until its own `position` event comes. */
export function forgetPlace() {
  ctx.place = noPlace();
  ctx.earlyPackets = [];
}

/** A place with its line version (null: none): the page's own `position` event, a start
 * or resume ack, or the answer to `where`. Packets that came early are applied after it. */
export function onPlace(version, info, askWhere) {
  ctx.place = takePlace(ctx.place, version, info);
  if (ctx.place.info) renderPosition(ctx.place.info);
  if (ctx.place.version === null) return;
  const early = ctx.earlyPackets;
  ctx.earlyPackets = [];
  early.forEach(function (packet) { onLineMoved(packet, askWhere); });
}

/** A `line_moved` packet: applied when it follows the version held (shown when this page's
 * place or waits changed); a newer one means a version was missed, so the page asks
 * `where` (once at a time) and keeps what comes meanwhile; an older one is ignored. */
export function onLineMoved(packet, askWhere) {
  if (!isPacket(packet)) return;
  const step = ctx.askingWhere ? { kind: 'early' } : applyPacket(ctx.place, packet);
  if (step.kind === 'apply') {
    const unchanged = samePlace(ctx.place.info, step.held.info);
    ctx.place = step.held;
    if (!unchanged) renderPosition(step.held.info); // (a live region: said again otherwise)
  } else if (step.kind === 'gap') {
    ctx.earlyPackets = [packet];
    askWhere();
  } else if (step.kind === 'early') {
    ctx.earlyPackets = ctx.earlyPackets.concat([packet]).slice(-EARLY_KEPT);
  }
}

/** The line's version as the server last sent it (a `keep_place` ack): a page holding an
 * older one missed a packet without a newer one to show it (its socket was out of the
 * line's room for a moment), so it asks `where`. Bounds a stale place to one renewal. */
export function onLineVersion(version, askWhere) {
  if (isBehind(ctx.place, version)) askWhere();
}

/* The card of other channels; while it shows, the phone's message box is not sticky
   (helpline.css), which would otherwise cover the card's end. */
function showNoStaff(on) {
  show(el.noStaff, on);
  el.chat.classList.toggle('with-channels', Boolean(on));
}

/* The notice is kept as a TRANSFER key and its values, so a language switch rewords it. */
export function setHandoverNotice(key, values) {
  ctx.handoverShown = key ? { key: key, values: values || {} } : null;
  el.handoverNotice.textContent = key ? format(TRANSFER[key], ctx.handoverShown.values) : '';
  show(el.handoverNotice, Boolean(key));
}

/* A supervisor joined the chat openly: say so plainly (their messages are marked too). */
export function onColleagueJoined(data) {
  ctx.colleagueName = data && typeof data.name === 'string' ? data.name : '';
  el.colleagueNotice.textContent = format(SUPERVISION.colleague_joined, { name: ctx.colleagueName });
  show(el.colleagueNotice, true);
}

/* {therapist: name}: another therapist took over (the status line names them; the notice
 * says a handover happened, without repeating the name); {therapist: null}: back in line. */
export function onTransferred(data, stopTyping) {
  const chat = ctx.chat;
  const name = data && typeof data.therapist === 'string' ? data.therapist : null;
  stopTyping();
  if (name) {
    chat.state = 'active';
    chat.therapist = name;
    chat.handedBack = false;
    renderStatus();
    setHandoverNotice('transferred_to', { name: name });
    return;
  }
  chat.state = 'waiting';
  chat.therapist = null;
  chat.handedBack = true;
  forgetPlace(); // back in the line: its own `position` (with the version) comes next
  renderStatus();
  el.statusMain.textContent = T.position_next;
  el.statusDetail.textContent = '';
  setHandoverNotice('transferred_line');
}

/* After being handed back to the line, the next therapist is announced the same way. */
export function onReassigned(data) {
  if (!ctx.chat.handedBack) return;
  ctx.chat.handedBack = false;
  const name = data && typeof data.therapist === 'string' ? data.therapist : '';
  setHandoverNotice(name ? 'transferred_to' : '', { name: name });
}
