/* The transcript: messages added once and in id order, the therapist's typing line. */
import * as H from '../lib/common.js';
import { ctx, el, T, SUPERVISION, saveChat } from './state.js';
import { TYPING_SHOWN_MAX_MS } from './typing.js';

/* A message without a numeric time is shown at the time it arrives. */
function timeLabel(ts) {
  return H.timeLabel(typeof ts === 'number' ? ts : Date.now() / 1000);
}

export function messageNode(m) {
  let who = m.sender === 'chatter' ? T.you : (m.name || ctx.chat.therapist || T.therapist);
  if (m.sender === 'colleague') who = H.format(SUPERVISION.colleague, { name: m.name || '' });
  return H.messageNode(m, who, timeLabel(m.ts));
}

/* What the tab keeps of a message (sessionStorage): what the transcript shows. */
function storedRecord(m) {
  return { id: m.id, sender: m.sender, text: m.text, ts: m.ts, name: m.name || '' };
}

/* Add one message once, in id order; returns true when it was new. */
export function addMessage(m, persist) {
  if (!H.insertMessage(ctx.chat, el.transcript, m, messageNode, storedRecord)) return false;
  if (m.sender === 'therapist') setTherapistTyping(false);
  if (persist !== false) saveChat();
  scrollToEnd();
  return true;
}

function scrollToEnd() {
  const last = el.transcript.lastElementChild;
  if (last && last.scrollIntoView) last.scrollIntoView({ block: 'nearest' });
}

let typingHideTimer = null;

export function setTherapistTyping(on) {
  clearTimeout(typingHideTimer);
  el.typing.textContent = on ? H.format(T.typing, { name: ctx.chat.therapist || T.therapist }) : '';
  if (on) typingHideTimer = setTimeout(function () { setTherapistTyping(false); }, TYPING_SHOWN_MAX_MS);
}

/* Every message written again (a language switch rewords "You" and the names). */
export function rewordTranscript() {
  Array.prototype.forEach.call(el.transcript.children, function (node, i) {
    if (ctx.chat.messages[i]) el.transcript.replaceChild(messageNode(ctx.chat.messages[i]), node);
  });
}
