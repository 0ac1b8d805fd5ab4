/* The overview's monitor panel: one chat opened read-only (the server records it), its
 * transcript kept at the newest message (monitor-scroll.js), private notes (whispers),
 * and joining the chat openly, then writing as a colleague. */
import { format, insertMessage, isSendKey, messageNode as lineNode, show, byId } from '../lib/common.js';
import { chatPlace, monitorLabel } from './monitor-label.js';
import { followTranscript } from './monitor-scroll.js';
import { timeLabel } from './cells.js';

const TYPING_SHOWN_MAX_MS = 15000;

let T = null;
let me = null;
let myName = '';
let api = null;
const el = {};
let follow = null;
let picture = null;           // the last overview
let watched = null;           // {id, ids:Set, messages:[], notes:Set, joined, own, state, label}
let typingTimer = null;

/**
 * `config`: {strings, me (this supervisor's staff id, a string), myName, api: {request,
 * setError, errorText}} (overview-page.js passes them).
 */
export function init(root, config) {
  T = config.strings;
  me = config.me;
  myName = config.myName || '';
  api = config.api;
  const $ = byId(root);
  Object.assign(el, {
    panel: $('monitor-panel'), title: $('monitor-title'), state: $('monitor-state'),
    transcript: $('monitor-transcript'), typing: $('monitor-typing'), notes: $('monitor-notes'),
    whisperForm: $('whisper-form'), whisperText: $('whisper-text'), whisperError: $('whisper-error'),
    joinArea: $('join-area'), joinButton: $('join-button'), joinConfirm: $('join-confirm'),
    joinYes: $('join-yes'), joinNo: $('join-no'),
    colleagueForm: $('colleague-form'), colleagueText: $('colleague-text'),
    colleagueError: $('colleague-error'), unmonitor: $('unmonitor-button'),
    newMessages: $('monitor-new')
  });
  follow = followTranscript(el.transcript, el.newMessages, function (n) {
    return format(n === 1 ? T.new_message : T.new_messages, { n: n });
  });
  el.whisperForm.addEventListener('submit', sendWhisper);
  el.colleagueForm.addEventListener('submit', sendColleagueMessage);
  el.joinButton.addEventListener('click', function () { setJoinConfirm(true); });
  el.joinNo.addEventListener('click', function () { setJoinConfirm(false); el.joinButton.focus(); });
  el.joinYes.addEventListener('click', join);
  el.unmonitor.addEventListener('click', stopMonitoring);
  [el.whisperText, el.colleagueText].forEach(function (box) {
    box.addEventListener('keydown', function (event) {
      if (isSendKey(event)) {
        event.preventDefault();
        box.form.requestSubmit();
      }
    });
  });
}

/** A new overview: the watched chat's title and state follow it. */
export function update(data) {
  picture = data;
  if (watched) renderWatchedState();
}

function messageNode(m) {
  const who = m.sender === 'chatter' ? T.chatter
    : (m.sender === 'colleague' ? format(T.colleague, { name: m.name || '' }) : (m.name || ''));
  return lineNode(m, who, timeLabel(m.ts));
}

function addMessage(m) {
  if (!watched || !insertMessage(watched, el.transcript, m, messageNode)) return;
  follow.added();
  if (m.sender === 'chatter') setTyping(false);
}

function addNote(text, className, id) {
  if (id && watched && watched.notes.has(id)) return;
  if (id && watched) watched.notes.add(id);
  const item = document.createElement('li');
  item.className = 'private-note ' + (className || '');
  item.textContent = text;
  el.notes.appendChild(item);
}

function setTyping(on) {
  clearTimeout(typingTimer);
  el.typing.textContent = on ? T.typing : '';
  if (on) typingTimer = setTimeout(function () { setTyping(false); }, TYPING_SHOWN_MAX_MS);
}

/* The title names the therapist and which of their chats this is ("Anna: chat 2 of 3"). */
function renderTitle() {
  const place = picture ? chatPlace(picture.chats, watched.id) : null;
  if (place) watched.label = monitorLabel(place, T, format, timeLabel);
  el.title.textContent = watched.label;
}

function renderWatchedState() {
  renderTitle();
  const row = picture && (picture.chats || []).filter(function (c) { return c.chat_id === watched.id; })[0];
  if (row && watched.state !== 'ended') watched.state = row.state;
  const active = watched.state === 'active';
  el.state.textContent = watched.state === 'ended' ? T.ended : (T['state_' + watched.state] || '');
  show(el.whisperForm, active);
  show(el.joinArea, active && !watched.joined && !watched.own);
  show(el.colleagueForm, active && watched.joined);
}

function setJoinConfirm(open) {
  show(el.joinConfirm, open);
  show(el.joinButton, !open);
  if (open) el.joinNo.focus();
}

function resetPanel() {
  el.transcript.replaceChildren();
  follow.reset();
  el.notes.replaceChildren();
  el.whisperError.textContent = '';
  el.colleagueError.textContent = '';
  setTyping(false);
  setJoinConfirm(false);
}

/** Open a chat read-only (`what` names it until the overview does); `then` runs once it is shown. */
export function open(chatId, what, then) {
  const same = watched && watched.id === chatId;
  if (watched && !same) api.request('unmonitor', { chat_id: watched.id }, function () {});
  api.request('monitor', { chat_id: chatId }, function (res) {
    if (!res.ok) { api.setError(api.errorText(res)); return; }
    api.setError('');
    const view = res.chat || {};
    if (!same) {
      resetPanel();
      watched = { id: chatId, ids: new Set(), messages: [], notes: new Set(), joined: false };
    }
    watched.label = what || watched.label || '';
    watched.state = view.state;
    watched.own = String(view.staff_id) === me;
    watched.joined = (view.colleagues || []).some(function (c) { return String(c.staff_id) === me; });
    show(el.panel, true);
    (view.messages || []).forEach(addMessage);
    renderWatchedState();
    el.panel.scrollIntoView({ block: 'start' });
    if (!same) follow.reset();
    if (then) then();
  });
}

/** Open a chat and put the cursor in the private-note box. */
export function openToWhisper(chatId, what) {
  open(chatId, what, function () { el.whisperText.focus(); });
}

/** Open a chat and ask to confirm joining it openly. */
export function openToJoin(chatId, what) {
  open(chatId, what, function () { setJoinConfirm(true); });
}

/** After a reconnect: rooms do not survive it, so the watched chat is opened again (recorded again). */
export function reopen() {
  if (watched) open(watched.id, watched.label);
}

function stopMonitoring() {
  if (!watched) return;
  api.request('unmonitor', { chat_id: watched.id }, function () {});
  watched = null;
  resetPanel();
  show(el.panel, false);
}

function sendWhisper(event) {
  event.preventDefault();
  if (!watched) return;
  const text = el.whisperText.value.trim();
  if (!text) return;
  api.request('whisper', { chat_id: watched.id, text: text }, function (res) {
    if (!res.ok) { el.whisperError.textContent = api.errorText(res); return; }
    el.whisperError.textContent = '';
    el.whisperText.value = '';
  });
}

function join() {
  setJoinConfirm(false);
  if (!watched) return;
  api.request('join', { chat_id: watched.id }, function (res) {
    if (!res.ok) { api.setError(api.errorText(res)); return; }
    watched.joined = true;
    addNote(T.you_joined, 'joined');
    renderWatchedState();
    el.colleagueText.focus();
  });
}

function sendColleagueMessage(event) {
  event.preventDefault();
  if (!watched) return;
  const text = el.colleagueText.value.trim();
  if (!text) return;
  const chatId = watched.id;
  api.request('colleague_message', { chat_id: chatId, text: text }, function (res) {
    if (!res.ok) { el.colleagueError.textContent = api.errorText(res); return; }
    el.colleagueError.textContent = '';
    el.colleagueText.value = '';
    if (watched && watched.id === chatId) {
      addMessage({ id: res.id, sender: 'colleague', text: text, ts: Date.now() / 1000, name: myName });
    }
  });
}

/* ---------- events of the watched chat (the page's socket passes them on) ---------- */

function forWatched(data) { return watched && data && data.chat_id === watched.id; }

export function onMessage(data) { if (forWatched(data)) addMessage(data); }

export function onTyping(data) { if (forWatched(data)) setTyping(Boolean(data.typing)); }

export function onWhisper(data) {
  if (!forWatched(data)) return;
  addNote(format(T.whisper_from, { name: data.from || '' }) + ' · ' + timeLabel(data.ts) + ': ' +
    String(data.text), 'whisper', data.id);
}

export function onColleagueJoined(data) {
  if (!forWatched(data) || String(data.staff_id) === me) return;
  addNote(format(T.colleague_joined, { name: data.name || '' }), 'joined');
}

export function onChatEnded(data) {
  if (!forWatched(data)) return;
  watched.state = 'ended';
  setTyping(false);
  renderWatchedState();
}
