/* What the chatter's page modules share: the config and strings the template rendered,
 * the fixed elements, the chat's state, and the tab's memory (sessionStorage only: no
 * cookie, no localStorage; cleared when the chat ends or on quick exit). */
import { $, show, lang } from '../lib/common.js';

const STORE_KEY = 'helpline.chat';
const COUNTED_KEY = 'helpline.counted';
export const ACK_TIMEOUT_MS = 10000;

export const cfg = JSON.parse($('page-config').textContent);
export const T = cfg.strings;
export const TRANSFER = JSON.parse($('chat-transfer-config').textContent);
export const SUPERVISION = JSON.parse($('chat-supervision-config').textContent);

export const el = {
  connNotice: $('conn-notice'),
  intro: $('screen-intro'), chat: $('screen-chat'), closed: $('screen-closed'),
  unavailable: $('screen-unavailable'), unavailableHeading: $('unavailable-heading'),
  unavailableReason: $('unavailable-reason'), unavailableHours: $('unavailable-hours'),
  unavailableChannels: $('unavailable-channels'),
  startForm: $('start-form'), startButton: $('start-button'), startError: $('start-error'),
  startStatus: $('start-status'), introChannels: $('intro-channels'),
  chatHeading: $('chat-heading'), statusMain: $('status-main'), statusDetail: $('status-detail'),
  nextSteps: $('next-steps'),
  noStaff: $('no-staff'), transcript: $('transcript'), typing: $('typing'),
  compose: $('compose'), input: $('message'), counter: $('char-count'),
  composeHelp: $('compose-help'), sendButton: $('send-button'), error: $('chat-error'),
  endButton: $('end-button'), endConfirm: $('end-confirm'), endConfirmText: $('end-confirm-text'),
  endYes: $('end-yes'), endNo: $('end-no'),
  closedHeading: $('closed-heading'), closedReason: $('closed-reason'), newChat: $('new-chat'),
  quickExit: $('quick-exit'), handoverNotice: $('handover-notice'),
  colleagueNotice: $('colleague-notice'), soundToggle: $('sound-toggle')
};

/* Mutable page state, one object so every module sees the same values. */
export const ctx = {
  chat: freshChat(),
  socket: null,
  pendingStart: null,
  lang: lang,          // changes with the in-place language switch
  exiting: false,      // quick exit under way: nothing more is stored
  lastPosition: null,  // the last place in line, to word it again after a switch
  closedWith: null,    // why the closing screen shows, likewise
  colleagueName: null,
  handoverShown: null
};

export function freshChat() {
  return { token: null, state: null, therapist: null, bound: false, endedShown: false,
           messages: [], ids: new Set() };
}

export function lastId() {
  const m = ctx.chat.messages;
  return m.length ? m[m.length - 1].id : null;
}

export function saveChat() {
  if (!ctx.chat.token || ctx.exiting) return;
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify({
      token: ctx.chat.token, lastId: lastId(), messages: ctx.chat.messages
    }));
  } catch (e) { /* storage full or blocked: the chat still works, a reload loses it */ }
}

export function loadChat() {
  try {
    const data = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
    if (data && typeof data.token === 'string' && Array.isArray(data.messages)) return data;
  } catch (e) { /* unreadable: start afresh */ }
  return null;
}

export function forgetChat() {
  try { sessionStorage.removeItem(STORE_KEY); } catch (e) { /* nothing stored */ }
}

/* This tab is in the missed-contact ledger already: count it once. After a quick exit
   nothing at all is kept, not even this flag. */
export function markCounted() {
  if (ctx.exiting) return;
  try { sessionStorage.setItem(COUNTED_KEY, '1'); } catch (e) { /* blocked: counted again */ }
}

export function isCounted() {
  try { return sessionStorage.getItem(COUNTED_KEY) === '1'; } catch (e) { return false; }
}

export function showScreen(name) {
  show(el.intro, name === 'intro');
  show(el.chat, name === 'chat');
  show(el.closed, name === 'closed');
  show(el.unavailable, name === 'unavailable');
}

/* `kind` marks an error the page clears by itself (the length warning). */
export function setError(text, kind) {
  el.error.textContent = text || '';
  el.error.dataset.kind = text ? (kind || '') : '';
}
