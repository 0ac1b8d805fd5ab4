/* Writing and sending: the counter, Enter to send on desktop (a new line on touch
 * keyboards, where the Send button does it), the typing signal, ending the chat. What
 * happens once the chatter ended the chat is the page's (init's `onEnded`). */
import { format, show, charCount, cleanText, isSendKey, updateCounter as counter } from '../lib/common.js';
import { ACK_TIMEOUT_MS, cfg, ctx, el, T, setError, errorText } from './state.js';
import { typingState, onTyped, stopTyping, TYPING_IDLE_MS } from './typing.js';
import { addMessage } from './transcript.js';
import { keepDraft } from './draft.js';

const typing = typingState();
let idleTimer = null;
let onEnded = null;

/* A touch keyboard (coarse pointer, no fine one): Enter is a new line there. */
export function touchKeyboard() {
  return Boolean(window.matchMedia && window.matchMedia('(pointer: coarse)').matches &&
    !window.matchMedia('(any-pointer: fine)').matches);
}

/* The box's text in the tab's storage while a chat runs, for a reload (draft.js). */
function storeDraft() {
  if (ctx.exiting || !ctx.chat.token || ctx.chat.state === 'ended') return;
  keepDraft(sessionStorage, el.input.value);
}

export function updateCounter() { counter(el.input, el.counter, el.error, cfg.max_chars, T); }

function connected() {
  const s = ctx.socket;
  return s && s.connected && ctx.chat.bound;
}

function sendMessage() {
  const raw = el.input.value;
  const text = cleanText(raw);
  if (!text) return;
  const over = charCount(text) - cfg.max_chars;
  if (over > 0) { setError(format(T.too_long, { over: over, max: cfg.max_chars }), 'length'); return; }
  if (!connected()) { setError(T.not_connected); return; }
  el.input.value = '';
  updateCounter();
  storeDraft(); // sent: nothing kept
  stopOwnTyping(true);
  ctx.socket.timeout(ACK_TIMEOUT_MS).emit('message', { text: text }, function (err, res) {
    if (err || !res || !res.ok) {
      if (!el.input.value) { el.input.value = raw; updateCounter(); storeDraft(); }
      setError(err ? T.not_sent : errorText(res));
      return;
    }
    setError('');
    addMessage({ id: res.id, sender: 'chatter', text: text, ts: Date.now() / 1000 });
  });
}

function emitTyping(on) {
  if (connected() && ctx.chat.state === 'active') ctx.socket.emit('typing', { typing: on });
}

function onInput() {
  updateCounter();
  storeDraft();
  if (ctx.chat.state !== 'active') return;
  clearTimeout(idleTimer);
  const action = onTyped(typing, Boolean(el.input.value.trim()), Date.now());
  if (action) emitTyping(action === 'start');
  if (typing.on) idleTimer = setTimeout(function () { stopOwnTyping(true); }, TYPING_IDLE_MS);
}

export function stopOwnTyping(tell) {
  clearTimeout(idleTimer);
  if (stopTyping(typing) && tell) emitTyping(false);
}

export function setEndConfirm(open) {
  show(el.endConfirm, open);
  show(el.endButton, !open);
  if (!open) return;
  const waiting = ctx.chat.state !== 'active';
  el.endConfirmText.textContent = waiting ? T.confirm_leave : T.confirm_end;
  el.endYes.textContent = waiting ? T.yes_leave : T.yes_end;
  el.endNo.focus();
}

function endChat() {
  setEndConfirm(false);
  const reason = ctx.chat.state === 'active' ? 'chatter_ended' : 'left_line';
  if (!connected()) { setError(T.not_connected); return; }
  ctx.socket.timeout(ACK_TIMEOUT_MS).emit('end', {}, function (err, res) {
    if (err) { setError(T.errors.default); return; }
    if (res && (res.ok || res.code === 'chat_ended' || res.code === 'not_joined')) {
      onEnded('chatter', reason);
      return;
    }
    setError(errorText(res));
  });
}

/* The help line under the box says what Enter does on this device. */
export function wordComposeHelp() {
  el.composeHelp.textContent = touchKeyboard() ? T.touch_help : T.desktop_help;
}

/** `config.onEnded(by, reason)`: the chat ended at the chatter's own request. */
export function init(root, config) {
  onEnded = config.onEnded;
  const touch = touchKeyboard();
  el.input.setAttribute('enterkeyhint', touch ? 'enter' : 'send');
  wordComposeHelp();
  el.compose.addEventListener('submit', function (event) { event.preventDefault(); sendMessage(); });
  el.input.addEventListener('keydown', function (event) {
    if (!touch && isSendKey(event)) { event.preventDefault(); sendMessage(); }
  });
  el.input.addEventListener('input', onInput);
  el.endButton.addEventListener('click', function () { setEndConfirm(true); });
  el.endNo.addEventListener('click', function () { setEndConfirm(false); el.endButton.focus(); });
  el.endYes.addEventListener('click', endChat);
}
