/* One chat in the console: its tab (what it tells: age band, time chatting, unread), its
 * panel (intake, transcript, the chatter's connection and typing), and its end.
 */
import { format, show, messageNode as lineNode, insertMessage, clock, lang } from '../lib/common.js';
import { el, T, SV, chats, live, labels, intakeLabel, instantiate, span, timeLabel, chatLabel,
  endedText, pageVisible } from './state.js';
import { tabParts, tabName, tabTime, countsAsUnread, unreadOnArrival, TYPING_SHOWN_MAX_MS,
  followUpText, dayLabel } from './logic.js';
import { attention } from './notifications.js';
import { renderPresence } from './presence.js';
import { wireCompose, stopOwnTyping } from './compose.js';
import { wireTransfer, closeTransfer } from './transfer.js';
import { wireRisk, renderRisk } from './supervision.js';
import { buildSummary } from './summary.js';

/* ---------- tabs ---------- */

function tabTexts(chat) {
  const v = chat.view;
  const t = tabTime(v, Date.now() / 1000);
  const time = t.seconds === null ? '' : format(t.kind === 'ended' ? T.tab_ended : T.tab_chatting, { time: clock(t.seconds) });
  return {
    name: chatLabel(chat),
    age: labels.age_bands[v.age_band] || '',
    time: time,
    due: chat.state === 'ended' ? T.summary_due : '',
    unread: chat.unread ? format(T.new_badge, { n: chat.unread }) : ''
  };
}

/**
 * A tab tells its chat's age band, time chatting and unread messages. Its name reads
 * "Chat 2, 18–25, chatting 03:05, 1 new" (aria-label, never "Chat 21 new"); the visible
 * parts are the same words, space-separated in the DOM so the label contains the text.
 */
export function renderTab(chat) {
  const p = tabTexts(chat);
  const parts = tabParts(p.name, p.age, p.time, p.due, p.unread);
  const nodes = [];
  parts.forEach(function (item, index) {
    if (index) nodes.push(document.createTextNode(' '));
    nodes.push(part(item[0], item[1]));
  });
  chat.tab.replaceChildren.apply(chat.tab, nodes);
  chat.tab.setAttribute('aria-label', tabName(parts));
}

function part(className, text) {
  const node = document.createElement('span');
  node.className = className;
  node.textContent = text;
  return node;
}

export function selectChat(chatId, focusTab) {
  live.selectedId = chats.has(chatId) ? chatId : null;
  chats.forEach(function (chat, id) {
    const on = id === live.selectedId;
    chat.tab.setAttribute('aria-selected', on ? 'true' : 'false');
    chat.tab.tabIndex = on ? 0 : -1;
    show(chat.panel, on);
    if (on && pageVisible()) chat.unread = 0;
    renderTab(chat);
  });
  if (focusTab && live.selectedId) chats.get(live.selectedId).tab.focus();
}

/** Back in view: the selected chat's messages are read now. */
export function markSelectedRead() {
  const chat = chats.get(live.selectedId);
  if (chat && chat.unread) { chat.unread = 0; renderTab(chat); }
}

function onTabKey(event) {
  const ids = Array.from(chats.keys());
  const index = ids.indexOf(live.selectedId);
  let next = null;
  if (event.key === 'ArrowRight') next = ids[(index + 1) % ids.length];
  else if (event.key === 'ArrowLeft') next = ids[(index - 1 + ids.length) % ids.length];
  else if (event.key === 'Home') next = ids[0];
  else if (event.key === 'End') next = ids[ids.length - 1];
  if (next) { event.preventDefault(); selectChat(next, true); }
}

export function renderEmptyState() {
  show(el.noChats, chats.size === 0);
  renderPresence();
}

function buildTab(chat) {
  chat.tab = document.createElement('button');
  chat.tab.type = 'button';
  chat.tab.className = 'chat-tab';
  chat.tab.id = 'tab-' + chat.suffix;
  chat.tab.setAttribute('role', 'tab');
  chat.tab.setAttribute('aria-controls', chat.panel.id);
  chat.panel.setAttribute('aria-labelledby', chat.tab.id);
  chat.tab.addEventListener('click', function () { selectChat(chat.id, false); });
  chat.tab.addEventListener('keydown', onTabKey);
}

/* ---------- one chat ---------- */

function createChat(view) {
  live.chatNumber += 1;
  const suffix = 'c' + live.chatNumber;
  const built = instantiate(el.tplPanel, suffix);
  const chat = {
    // the server's number ("Chat 12" in every console, before and after a transfer)
    id: view.chat_id, number: view.number || live.chatNumber, suffix: suffix, state: null, view: view,
    panel: built.root, refs: built.refs, ids: new Set(), messages: [], unread: 0,
    chatterWrote: false, summary: null,
    typingOut: { on: false, lastSent: 0, idleTimer: null }, typingInTimer: null
  };
  chat.panel.id = 'panel-' + suffix;
  chat.refs.title.textContent = chatLabel(chat);
  buildTab(chat);
  wireRisk(chat);
  wireCompose(chat);
  wireTransfer(chat);
  chats.set(chat.id, chat);
  el.tabs.appendChild(chat.tab);
  el.panels.appendChild(chat.panel);
  if (!live.selectedId) selectChat(chat.id, false); else show(chat.panel, false);
  renderEmptyState();
  return chat;
}

/** Create or update a chat from a ChatView (state, chat_assigned); `isNew` tells which. */
export function upsertChat(view) {
  if (!view || !view.chat_id) return null;
  const existing = chats.get(view.chat_id);
  const chat = existing || createChat(view);
  chat.view = Object.assign({}, chat.view, view);
  if (!existing) chat.unread = unreadOnArrival(view.messages, live.selectedId === chat.id, pageVisible());
  (view.messages || []).forEach(function (m) { addMessage(chat, m); });
  renderIntake(chat);
  if (view.state === 'ended') {
    markEnded(chat, view.ended_by, view.end_reason);
  } else {
    chat.state = view.state;
    setChatterConnection(chat, view.chatter_connected !== false);
  }
  renderTab(chat);
  renderRisk(chat);
  return chat;
}

export function renderIntake(chat) {
  const v = chat.view;
  chat.refs.age.textContent = intakeLabel('age_bands', v.age_band);
  chat.refs.gender.textContent = intakeLabel('genders', v.gender);
  chat.refs.lang.textContent = (v.lang && T.languages[v.lang]) || v.lang || '–';
  chat.refs.waited.textContent = span(v.created_at, v.assigned_at);
  chat.refs.duration.textContent = span(v.assigned_at, v.ended_at || Date.now() / 1000);
  const followUp = followUpText(v.follow_up, T, format, function (iso) { return dayLabel(iso, lang); });
  chat.refs.followUp.textContent = followUp;
  show(chat.refs.followUp, Boolean(followUp));
}

export function setChatterConnection(chat, connected) {
  const node = chat.refs.conn;
  if (chat.state === 'ended') { node.textContent = ''; return; }
  node.textContent = connected ? T.chatter_connected : T.chatter_disconnected;
  node.className = 'chatter-conn ' + (connected ? 'connected' : 'disconnected');
}

export function removeChat(chat) {
  clearTimeout(chat.typingOut.idleTimer);
  clearTimeout(chat.typingInTimer);
  chat.tab.remove();
  chat.panel.remove();
  chats.delete(chat.id);
  if (live.selectedId === chat.id) {
    live.selectedId = null;
    const first = chats.keys().next();
    if (!first.done) selectChat(first.value, false);
  }
  renderEmptyState();
}

/* ---------- messages ---------- */

function messageNode(m) {
  let who = m.sender === 'chatter' ? T.chatter : (m.name || T.you);
  if (m.sender === 'colleague') who = format(SV.colleague, { name: m.name || '' });
  return lineNode(m, who, timeLabel(m.ts));
}

/** Add a message once, in id order; returns true when it was new. */
export function addMessage(chat, m) {
  const list = chat.refs.transcript;
  if (!insertMessage(chat, list, m, messageNode)) return false;
  if (m.sender === 'chatter') { chat.chatterWrote = true; setChatterTyping(chat, false); }
  const last = list.lastElementChild;
  if (last && !chat.panel.hidden && last.scrollIntoView) last.scrollIntoView({ block: 'nearest' });
  return true;
}

export function setChatterTyping(chat, on) {
  clearTimeout(chat.typingInTimer);
  chat.refs.typing.textContent = on ? T.typing : '';
  if (on) chat.typingInTimer = setTimeout(function () { setChatterTyping(chat, false); }, TYPING_SHOWN_MAX_MS);
}

export function onMessage(data) {
  const chat = data && chats.get(data.chat_id);
  if (!chat || !addMessage(chat, data)) return;
  if (data.sender !== 'chatter') return;
  if (countsAsUnread(data.sender, chat.id === live.selectedId, pageVisible())) {
    chat.unread += 1;
    renderTab(chat);
  }
  attention('message', chatLabel(chat));
}

/* ---------- ending ---------- */

export function onChatEnded(data) {
  const chat = data && chats.get(data.chat_id);
  if (!chat) return;
  chat.view.ended_at = chat.view.ended_at || Date.now() / 1000;
  markEnded(chat, data.by, data.reason);
}

/** The chat is over: the composer goes, the summary form comes (once). */
export function markEnded(chat, by, reason) {
  const r = chat.refs;
  const wasEnded = chat.state === 'ended';
  chat.state = 'ended';
  if (!chat.view.ended_at) chat.view.ended_at = Date.now() / 1000;
  if (reason) chat.view.end_reason = reason;
  if (by) chat.view.ended_by = by;
  stopOwnTyping(chat, false);
  setChatterTyping(chat, false);
  show(r.compose, false);
  show(r.endArea, false);
  closeTransfer(chat, false);
  show(r.transferArea, false);
  if (reason || !wasEnded) r.endedNote.textContent = endedText(chat.view.ended_by, chat.view.end_reason);
  show(r.endedNote, true);
  setChatterConnection(chat, false);
  renderIntake(chat);
  if (!chat.summary) buildSummary(chat);
  renderRisk(chat);
  renderTab(chat);
}

/** Live clocks of the chats: durations and the tabs' times. */
export function tickChats() {
  chats.forEach(function (chat) {
    if (chat.state !== 'ended') { renderIntake(chat); renderTab(chat); }
  });
}
