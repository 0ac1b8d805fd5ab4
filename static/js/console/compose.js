/* Writing to the chatter: the message box (Enter sends), its counter, the "typing"
 * signal, and ending the chat with a confirmation. The message sent and the chat ended go
 * to the chat's view through init's callbacks (chatview.js's, passed in by page.js).
 */
import { show, charCount, cleanText, isSendKey, updateCounter as counter } from '../lib/common.js';
import { cfg, T, el, live, request, errorText } from './state.js';
import { typingStep, TYPING_IDLE_MS } from './logic.js';
import { attachCannedPicker } from '../lib/canned-picker.js';

let chatView = null;

/** `config`: {addMessage(chat, m), markEnded(chat, by, reason)} of the chat's view. */
export function init(root, config) {
  chatView = { addMessage: config.addMessage, markEnded: config.markEnded };
}

export function wireCompose(chat) {
  const r = chat.refs;
  updateCounter(chat);
  r.compose.addEventListener('submit', function (event) { event.preventDefault(); sendMessage(chat); });
  r.input.addEventListener('keydown', function (event) {
    if (isSendKey(event)) {
      event.preventDefault();
      sendMessage(chat);
    }
  });
  r.input.addEventListener('input', function () { updateCounter(chat); onTypingInput(chat); });
  r.endButton.addEventListener('click', function () { setEndConfirm(chat, true); });
  r.endNo.addEventListener('click', function () { setEndConfirm(chat, false); r.endButton.focus(); });
  r.endYes.addEventListener('click', function () { endChat(chat); });
  if (cfg.canned) { // ready texts in the chatter's language (the staff member's otherwise)
    const lang = chat.view && chat.view.lang;
    attachCannedPicker(r.input, { url: cfg.canned.url + (lang ? '?lang=' + encodeURIComponent(lang) : ''),
                                  strings: cfg.canned.strings });
  }
}

function updateCounter(chat) {
  counter(chat.refs.input, chat.refs.counter, chat.refs.composeError, cfg.max_chars, T);
}

function sendMessage(chat) {
  const r = chat.refs;
  const raw = r.input.value;
  const text = cleanText(raw);
  if (!text || chat.state === 'ended') return;
  if (charCount(text) > cfg.max_chars) return;
  r.input.value = '';
  updateCounter(chat);
  stopOwnTyping(chat, true);
  request('message', { chat_id: chat.id, text: text }, function (res) {
    if (!res.ok) {
      if (!r.input.value) { r.input.value = raw; updateCounter(chat); }
      r.composeError.dataset.kind = 'server';
      r.composeError.textContent = errorText(res);
      return;
    }
    r.composeError.textContent = '';
    chatView.addMessage(chat, { id: res.id, sender: 'therapist', text: text, ts: Date.now() / 1000, name: el.name.textContent });
  });
}

function emitTyping(chat, on) {
  if (live.socket && live.socket.connected && chat.state === 'active') {
    live.socket.emit('typing', { chat_id: chat.id, typing: on });
  }
}

function onTypingInput(chat) {
  const t = chat.typingOut;
  clearTimeout(t.idleTimer);
  if (chat.state !== 'active') return;
  const step = typingStep(t, Boolean(chat.refs.input.value.trim()), Date.now());
  t.on = step.on;
  t.lastSent = step.lastSent;
  if (step.emit !== null) emitTyping(chat, step.emit);
  if (step.on) t.idleTimer = setTimeout(function () { stopOwnTyping(chat, true); }, TYPING_IDLE_MS);
}

export function stopOwnTyping(chat, tell) {
  const t = chat.typingOut;
  clearTimeout(t.idleTimer);
  if (t.on && tell) emitTyping(chat, false);
  t.on = false;
}

function setEndConfirm(chat, open) {
  show(chat.refs.endConfirm, open);
  show(chat.refs.endButton, !open);
  if (open) chat.refs.endNo.focus();
}

function endChat(chat) {
  setEndConfirm(chat, false);
  request('end', { chat_id: chat.id }, function (res) {
    if (res.ok || res.code === 'chat_ended') {
      chatView.markEnded(chat, 'therapist', res.ok ? 'therapist_ended' : null);
      return;
    }
    chat.refs.composeError.textContent = errorText(res);
  });
}
