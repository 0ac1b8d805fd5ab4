/* The therapist console: duty and capacity, the waiting line, the chats held, and the
 * identity-free summary that closes each chat. This module starts the parts (one module
 * per concern, see docs/architecture.md, "Front end") and wires the socket to them;
 * main.js, the entry the template loads, calls init.
 *
 * The server's `state` (sent on every connect) is the truth: the console is rebuilt from
 * it, so a reload or a reconnect loses nothing.
 */
import { plain, seconds, setLocale, showSignedOut, watchSession, unlockAudio } from '../lib/common.js';
import { init as initState, cfg, T, TR, el, me, chats, live, ACKED, setError, errorText,
  chatLabel } from './state.js';
import { roleAfterName } from './logic.js';
import { renderLine, tickLine } from './line.js';
import { init as initNotifications, attention } from './notifications.js';
import { init as initPresence, renderPresence, applyPresence, tickPresence,
  setControlsEnabled } from './presence.js';
import { upsertChat, removeChat, renderEmptyState, onMessage, onChatEnded, setChatterConnection,
  setChatterTyping, renderIntake, tickChats, markSelectedRead, addMessage, markEnded } from './chatview.js';
import { init as initCompose, stopOwnTyping } from './compose.js';
import { init as initSummary, onSummaryMissing } from './summary.js';
import { init as initTransfer, onChatTransferred, showHandover } from './transfer.js';
import { init as initSupervision, onRisk, onRiskAlert, onWhisper,
  onColleagueJoined } from './supervision.js';

function onState(state) {
  if (!state || state.ok === false) return;
  el.name.textContent = plain(state.name || el.name.textContent);
  if (state.role) {
    el.role.textContent = roleAfterName(el.name.textContent, state.role, T.roles[state.role] || state.role);
  }
  applyPresence(state);
  const seenIds = new Set();
  const views = (state.chats || []).slice().sort(function (a, b) {
    return (seconds(a.assigned_at) || 0) - (seconds(b.assigned_at) || 0);
  });
  views.forEach(function (view) { if (upsertChat(view)) seenIds.add(view.chat_id); });
  Array.from(chats.values()).forEach(function (chat) {
    if (!seenIds.has(chat.id)) removeChat(chat);
  });
  renderLine(state.waiting, state.waiting_total);
  renderEmptyState();
}

function onChatAssigned(view) {
  const isNew = view && !chats.has(view.chat_id);
  const chat = upsertChat(view);
  if (chat && view.handover_note) showHandover(chat, view.handover_note);
  if (chat && isNew) attention('chat', chatLabel(chat));
}

function onChatterConnection(data) {
  const chat = data && chats.get(data.chat_id);
  if (!chat) return;
  setChatterConnection(chat, Boolean(data.connected));
  if (data.lang && data.lang !== chat.view.lang) { // the chatter switched language
    chat.view.lang = data.lang;
    renderIntake(chat);
  }
}

function onTyping(data) {
  const chat = data && chats.get(data.chat_id);
  if (chat && chat.state === 'active') setChatterTyping(chat, Boolean(data.typing));
}

function onServerError(err) {
  if (err && ACKED[err.event]) return;
  if (err && err.code === 'not_signed_in') { signedOut(); return; }
  setError(errorText(err));
}

/** Signed out by a supervisor or by our own sign-out elsewhere: the socket closes next. */
function onSignedOut(data) {
  const reason = data && data.reason;
  setError(TR.signed_out[reason] || TR.signed_out.default);
  Array.from(chats.values()).forEach(function (chat) {
    if (chat.state !== 'ended') removeChat(chat);
  });
  me.onDuty = false;
  renderPresence();
  signedOut();
}

function signedOut() { showSignedOut(el.conn, T, cfg.login_url); }

function setConnected(up) {
  el.conn.textContent = up ? T.connected : T.reconnecting;
  el.conn.className = 'conn-state' + (up ? '' : ' down');
  setControlsEnabled(up);
}

const EVENTS = {
  state: onState, chat_assigned: onChatAssigned, message: onMessage, typing: onTyping,
  chatter_connection: onChatterConnection, chat_ended: onChatEnded,
  summary_missing: onSummaryMissing, error: onServerError, chat_transferred: onChatTransferred,
  signed_out: onSignedOut, risk: onRisk, risk_alert: onRiskAlert, whisper: onWhisper,
  colleague_joined: onColleagueJoined
};

function connect() {
  const socket = window.io('/staff', { transports: ['websocket'] });
  live.socket = socket;
  socket.on('connect', function () { setConnected(true); });
  socket.on('disconnect', function (reason) {
    if (reason === 'io server disconnect') signedOut(); else setConnected(false);
    chats.forEach(function (chat) { stopOwnTyping(chat, false); });
  });
  socket.on('connect_error', function (err) {
    if (err && err.message === 'not_signed_in') signedOut(); else setConnected(false);
  });
  watchSession(socket, el.sessionNotice, T);
  socket.on('line', function (data) { renderLine(data && data.waiting, data && data.total); });
  Object.keys(EVENTS).forEach(function (name) { socket.on(name, EVENTS[name]); });
}

/** Live clocks: time in line, chat durations and tabs, the cool-down. */
function tick() {
  tickLine();
  tickChats();
  tickPresence();
}

/**
 * Start the console. `root`: the element holding the page (the body); `config`: {page,
 * supervision, transfer, locale}, what the template rendered (main.js reads it).
 */
export function init(root, config) {
  setLocale(config.locale);
  initState(root, config);
  initCompose(root, { addMessage: addMessage, markEnded: markEnded });
  initTransfer(root, { removeChat: removeChat });
  initSummary(root, { removeChat: removeChat });
  initSupervision(root);
  initPresence(root);
  initNotifications(root);
  document.addEventListener('pointerdown', unlockAudio);
  document.addEventListener('keydown', unlockAudio);
  window.addEventListener('focus', markSelectedRead);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) markSelectedRead(); });
  setControlsEnabled(false);
  renderPresence();
  renderEmptyState();
  setInterval(tick, 1000);
  connect();
}
