/* What the chatter's page modules share: the config and strings the template rendered,
 * the fixed elements, the chat's state, and the tab's memory (sessionStorage only: no
 * cookie, no localStorage; cleared when the chat ends or on quick exit). Filled by init
 * (called by page.js), so importing this module reads nothing of the page. */
import { byId, errorText as errorWords, show } from '../lib/common.js';
import { dropDraft } from './draft.js';

const STORE_KEY = 'helpline.chat';
const COUNTED_KEY = 'helpline.counted';
export const ACK_TIMEOUT_MS = 10000;

/* The template's configs; the language switch replaces the strings inside these objects. */
export let cfg = null;
export let T = null;
export let TRANSFER = null;
export let SUPERVISION = null;

/* The fixed elements of the page, looked up by init. */
export const el = {};

/* Mutable page state, one object so every module sees the same values. */
export const ctx = {
  chat: freshChat(),
  socket: null,
  pendingStart: null,
  lang: null,          // the page's language; changes with the in-place language switch
  exiting: false,      // quick exit under way: nothing more is stored
  lastPosition: null,  // the last place in line, to word it again after a switch
  place: null,        // protocol 2: the place kept (places.js PlaceKeeper; line.js makes it)
  closedWith: null,    // why the closing screen shows, likewise
  followUp: null,      // the follow-up code the therapist gave ({code, from, until}), likewise
  colleagueName: null,
  handoverShown: null
};

/**
 * `config`: {page, transfer, supervision, locale} as the template rendered them
 * (#page-config, #chat-transfer-config, #chat-supervision-config, the page's language).
 */
export function init(root, config) {
  cfg = config.page;
  T = cfg.strings;
  TRANSFER = config.transfer;
  SUPERVISION = config.supervision;
  ctx.lang = config.locale.lang;
  const $ = byId(root);
  Object.assign(el, {
    connNotice: $('conn-notice'),
    intro: $('screen-intro'), chat: $('screen-chat'), closed: $('screen-closed'),
    unavailable: $('screen-unavailable'), unavailableHeading: $('unavailable-heading'),
    unavailableReason: $('unavailable-reason'), unavailableHours: $('unavailable-hours'),
    unavailableChannels: $('unavailable-channels'),
    startForm: $('start-form'), startButton: $('start-button'), startError: $('start-error'),
    startStatus: $('start-status'), introChannels: $('intro-channels'),
    followUpCode: $('follow-up-code'),
    chatHeading: $('chat-heading'), statusMain: $('status-main'), statusDetail: $('status-detail'),
    nextSteps: $('next-steps'),
    noStaff: $('no-staff'), transcript: $('transcript'), typing: $('typing'),
    compose: $('compose'), input: $('message'), counter: $('char-count'),
    composeHelp: $('compose-help'), sendButton: $('send-button'), error: $('chat-error'),
    endButton: $('end-button'), endConfirm: $('end-confirm'), endConfirmText: $('end-confirm-text'),
    endYes: $('end-yes'), endNo: $('end-no'),
    closedHeading: $('closed-heading'), closedReason: $('closed-reason'), newChat: $('new-chat'),
    quickExit: $('quick-exit'), handoverNotice: $('handover-notice'),
    colleagueNotice: $('colleague-notice'), returningNotice: $('returning-notice'), soundToggle: $('sound-toggle')
  });
}

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
  dropDraft(sessionStorage);
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

/* Only this page's own wording: never the server's message text. */
export function errorText(res) { return errorWords(T.errors, res, false); }
