/* The console's shared state and the small helpers every part uses: the page's strings
 * (rendered by the template with gettext), the fixed elements, the chats held, and the
 * socket request with its ack. Chat text and server strings are rendered as text only.
 * Filled by init (called by page.js), so importing this module reads nothing of the page.
 */
import { byId, format, seconds, clock, timeLabel as clockTime, errorText as errorWords, request as emitWithAck, lang } from '../lib/common.js';

export let cfg = null;
export let T = null;          // the console's strings
export let SV = null;         // supervision's strings
export let TR = null;         // transfer's strings
export const ACK_TIMEOUT_MS = 15000;

/** The fixed elements of the page, looked up by init. */
export const el = {};

/** Who I am now: duty, capacity, pause, and the cool-down's end (ms since the epoch, 0: none). */
export const me = { onDuty: false, capacity: 1, paused: false, cooldown: 0, cooldownEndsAt: 0 };

/** The chats held: chat_id -> Chat (one tab and one panel each), in tab order. */
export const chats = new Map();

/** What changes as the console runs: the selected chat, the socket. */
export const live = { selectedId: null, chatNumber: 0, socket: null };

/** Errors answered by an ack are shown next to what failed; each part adds its events (init). */
export const ACKED = { duty: 1, capacity: 1, message: 1, end: 1, summary: 1, pause: 1, skip_cooldown: 1 };

/** Taxonomy labels by section and key, in the page's language (filled by init). */
export const labels = {};

/** request(): how long to wait for an ack, and the texts of its own two failures. */
let ACK = null;

/**
 * `config`: {page, supervision, transfer} as the template rendered them (#page-config,
 * #supervision-config, #transfer-config); the page's language is set (setLocale) before.
 */
export function init(root, config) {
  cfg = config.page;
  T = cfg.strings;
  SV = config.supervision;
  TR = config.transfer;
  ACK = { timeout: ACK_TIMEOUT_MS, offline: T.reconnecting, timedOut: T.not_sent };
  const $ = byId(root);
  Object.assign(el, {
    name: $('me-name'), role: $('me-role'), duty: $('duty-toggle'), dutyState: $('duty-state'),
    pause: $('pause-toggle'), notify: $('notify-toggle'), notifyState: $('notify-state'),
    cooldown: $('cooldown'), cooldownText: $('cooldown-text'), cooldownSkip: $('cooldown-skip'),
    capacity: $('capacity'), load: $('load'), conn: $('conn-state'),
    error: $('console-error'), notice: $('console-notice'),
    lineCount: $('line-count'), lineEmpty: $('line-empty'), lineList: $('line-list'),
    lineMore: $('line-more'), lineAnnounce: $('line-announce'),
    tabs: $('chat-tabs'), panels: $('chat-panels'), noChats: $('no-chats'),
    tplPanel: $('tpl-chat-panel'), tplSummary: $('tpl-summary'),
    sessionNotice: $('session-notice'), riskAlert: $('risk-alert')
  });
  Object.keys(cfg.taxonomy).forEach(function (section) {
    labels[section] = {};
    cfg.taxonomy[section].forEach(function (option) {
      labels[section][option.key] = option['label_' + lang] || option.label;
    });
  });
}

export function setError(text) { el.error.textContent = text || ''; }

export function setNotice(text) { el.notice.textContent = text || ''; }

/** Our wording for a known code, else the server's message. */
export function errorText(res) { return errorWords(T.errors, res, true); }

/** "Chat 2": how every notice names a chat. */
export function chatLabel(chat) { return format(T.chat_n, { n: chat.number }); }

/** Why a chat ended, in the console's words. */
export function endedText(by, reason) {
  if (reason && T['ended_' + reason]) return T['ended_' + reason];
  if (reason === 'chatter_ended' || by === 'chatter') return T.ended_chatter;
  if (reason === 'therapist_ended' || by === 'therapist') return T.ended_therapist;
  return T.ended_system;
}

/** "mm:ss" between two server times, or "–". */
export function span(from, to) {
  const a = seconds(from), b = seconds(to);
  return a === null || b === null ? '–' : clock(b - a);
}

/** No time (or 0) from the server: the time it arrives. */
export function timeLabel(ts) { return clockTime(seconds(ts) || Date.now() / 1000); }

export function intakeLabel(section, key) {
  return (key && labels[section][key]) || T.not_given;
}

/** Emit with an ack; failures (and a timeout) show on the error line. */
export function request(event, payload, done) {
  if (!live.socket || !live.socket.connected) setError(T.reconnecting);
  emitWithAck(live.socket, event, payload, ACK, function (res) {
    if (res.ok) setError('');
    done(res);
  });
}

/** The page is in view (not a hidden tab, not another window in front). */
export function pageVisible() { return !document.hidden && document.hasFocus(); }

/**
 * Clone a <template>, give its ids a suffix (labels keep pointing at their fields), and
 * collect the elements marked data-ref.
 */
export function instantiate(template, suffix) {
  const fragment = template.content.cloneNode(true);
  fragment.querySelectorAll('[id]').forEach(function (node) { node.id = node.id + '-' + suffix; });
  ['for', 'aria-describedby', 'aria-labelledby', 'aria-controls'].forEach(function (attr) {
    fragment.querySelectorAll('[' + attr + ']').forEach(function (node) {
      const ids = node.getAttribute(attr).split(/\s+/).map(function (id) { return id + '-' + suffix; });
      node.setAttribute(attr, ids.join(' '));
    });
  });
  const refs = {};
  fragment.querySelectorAll('[data-ref]').forEach(function (node) { refs[node.dataset.ref] = node; });
  return { root: fragment.firstElementChild, refs: refs };
}
