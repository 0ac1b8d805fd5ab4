/* The end of a chat: the closing screen (the follow-up code, the feedback card), and the
 * "no chat now" screen (closed, nobody on duty, line full) with the other channels. */
import { byId, show, format } from '../lib/common.js';
import { ACK_TIMEOUT_MS, ctx, el, T, forgetChat, markCounted, showScreen } from './state.js';
import { closingKey, formatOpening, formatClock, formatDay } from './timefmt.js';
import { stopOwnTyping } from './compose.js';
import { setTherapistTyping } from './transcript.js';
import { setConnNotice, closeSocket } from './connection.js';

/* The closing screen's cards, looked up by init. */
const card = {};

export function closingText(by, reason) { return T[closingKey(by, reason)]; }

export function showClosed(by, reason) {
  const chat = ctx.chat;
  if (chat.endedShown) return;
  chat.endedShown = true;
  if (chat.state === 'waiting') markCounted(); // left the line unanswered: counted
  chat.state = 'ended';
  forgetChat();
  stopOwnTyping(false);
  setTherapistTyping(false);
  keepForClosing();
  setConnNotice(false);
  ctx.closedWith = { by: by, reason: reason };
  el.closedReason.textContent = closingText(by, reason);
  showScreen('closed');
  el.closedHeading.focus();
}

/* The closing screen keeps the socket (no chat on it any more) for a follow-up code the
   therapist may still send and for the feedback card; leaving the screen closes it. */
function keepForClosing() {
  const socket = ctx.socket;
  if (!socket) return;
  socket.off('disconnect');
  socket.off('connect_error');
  socket.off('connect');
  socket.io.reconnection(false);
}

export function onFollowUpCode(data) {
  if (!data || typeof data.code !== 'string') return;
  ctx.followUp = data;
  card.followUpCodeText.textContent = data.code;
  wordFollowUp();
  show(card.followUpCard, true);
  show(card.followUpNotice, ctx.chat.state !== 'ended');
}

/* The code's days in the page's language ("6 december 2026"); again after a switch. */
export function wordFollowUp() {
  const data = ctx.followUp;
  if (!data) return;
  const day = function (iso) { return formatDay(iso, ctx.lang) || String(iso); };
  card.followUpWhen.textContent = format(T.follow_up_when, { from: day(data.from), until: day(data.until) });
  card.followUpNotice.textContent = format(T.follow_up_notice, { code: data.code });
}

function onFeedbackSubmit(event) {
  event.preventDefault();
  const form = card.feedbackForm;
  const pick = function (name) {
    const input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : null;
  };
  const status = card.feedbackStatus;
  const answers = { helped: pick('helped'), again: pick('again') };
  if (!ctx.socket || (!answers.helped && !answers.again)) { status.textContent = T.feedback_failed; return; }
  ctx.socket.timeout(ACK_TIMEOUT_MS).emit('feedback', answers, function (err, res) {
    if (err || !res || !res.ok) { status.textContent = T.feedback_failed; return; }
    status.textContent = T.feedback_thanks;
    Array.from(form.elements).forEach(function (input) { input.disabled = true; });
  });
}

export function resetClosingCards() {
  const form = card.feedbackForm;
  form.reset();
  Array.from(form.elements).forEach(function (input) { input.disabled = false; });
  card.feedbackStatus.textContent = '';
  show(card.followUpCard, false);
  show(card.followUpNotice, false);
  ctx.followUp = null;
}

export function init(root) {
  const $ = byId(root);
  Object.assign(card, {
    feedbackForm: $('feedback-form'), feedbackStatus: $('feedback-status'),
    followUpCard: $('follow-up-card'), followUpCodeText: $('follow-up-code-text'),
    followUpWhen: $('follow-up-when'), followUpNotice: $('follow-up-notice')
  });
  card.feedbackForm.addEventListener('submit', onFeedbackSubmit);
}

/* ---------- no new chat now ---------- */

function safeLink(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}

function channelItem(kind, href, text, detail) {
  const item = document.createElement('li');
  const label = document.createElement('span');
  label.className = 'channel-kind';
  label.textContent = kind;
  const link = document.createElement('a');
  link.href = href;
  link.textContent = text;
  if (/^https?:/i.test(href)) link.rel = 'noreferrer noopener';
  item.append(label, link);
  if (detail) {
    const hours = document.createElement('span');
    hours.className = 'hint';
    hours.textContent = detail;
    item.appendChild(hours);
  }
  return item;
}

function channelItems(res, U) {
  const items = [];
  (Array.isArray(res.channels) ? res.channels : []).forEach(function (c) {
    if (!c || typeof c.contact !== 'string' || !c.contact) return;
    let detail = typeof c.hours === 'string' ? c.hours : '';
    if (c.open_now === true && c.channel === 'phone') detail += ' (' + U.open_now + ')';
    if (c.channel === 'phone') {
      items.push(channelItem(U.phone, 'tel:' + c.contact.replace(/[^0-9+]/g, ''), c.contact, detail));
    } else if (c.channel === 'email') {
      items.push(channelItem(U.email, 'mailto:' + c.contact, c.contact, detail));
    }
  });
  const selfHelp = safeLink(res.self_help_url);
  if (selfHelp) items.push(channelItem(U.self_help, selfHelp, U.self_help_link, ''));
  return items;
}

/* The hours line: today's session while it runs ("open today until 22:00"), else the
   next opening and the weekly hours. */
function hoursText(res, code, when, U) {
  const until = res.open_until ? formatClock(res.open_until, res.time_zone, ctx.lang) : null;
  if (code !== 'closed' && until) return format(U.open_until, { time: until });
  const hours = [];
  if (code !== 'closed' && when) hours.push(format(U.next_opening, { when: when }));
  if (res.chat_hours) hours.push(format(U.chat_hours, { hours: res.chat_hours }));
  return hours.join(' ');
}

export function showUnavailable(res) {
  const U = T.unavailable;
  const code = res.code;
  markCounted();
  closeSocket();
  const when = res.next_opening ? formatOpening(res.next_opening, res.time_zone, ctx.lang) : null;
  el.unavailableHeading.textContent = U[code + '_heading'] || U.closed_heading;
  if (code === 'closed') {
    el.unavailableReason.textContent = when ? format(U.closed, { when: when }) : U.closed_unknown;
  } else {
    el.unavailableReason.textContent = U[code] || '';
  }
  el.unavailableHours.textContent = hoursText(res, code, when, U);
  el.unavailableChannels.replaceChildren.apply(el.unavailableChannels, channelItems(res, U));
  showScreen('unavailable');
  el.unavailableHeading.focus();
}
