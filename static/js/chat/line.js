/* The status above the transcript: waiting (place, an honest wait range, what happens
 * next), talking with someone, handed over. Wording comes from wait.js (pure). */
import { format, show } from '../lib/common.js';
import { ctx, el, T, TRANSFER, SUPERVISION } from './state.js';
import { positionStatus } from './wait.js';
import { setEndConfirm } from './compose.js';
import { PlaceKeeper } from './places.js';

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

/** The place the page keeps (places.js): renders a place that shows something new (the
 * status is a live region: the same words set again are said again). */
export function keepPlaces(askWhere) {
  ctx.place = new PlaceKeeper({
    show: function (info, changed) { if (changed) renderPosition(info); },
    askWhere: askWhere
  });
}

/** Hold no place: a start or resume asks afresh, and a chat that a therapist took or
 * handed back holds none until its own `position` event comes. */
export function forgetPlace() {
  ctx.place.forget();
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
