/* Attention: a sound, the page title, and (opt-in) a desktop notification while the
 * console is hidden. The notification names the kind and the chat, never message text:
 * a screen may be seen by others, and the chatter's words stay in the console.
 */
import { runningAudio, show } from '../lib/common.js';
import { el, T, pageVisible } from './state.js';
import { shouldNotify } from './logic.js';

const STORE_KEY = 'helpline.console.notifications'; // a staff device's choice, no identity
let baseTitle = '';  // the page's own title, kept by init
let unseen = 0;

function tone(audio, frequency, start, length) {
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = 'sine';
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain);
  gain.connect(audio.destination);
  osc.start(start);
  osc.stop(start + length + 0.02);
}

export function beep(twice) {
  const audio = runningAudio();
  if (!audio) return; // blocked until a first click: fine
  const now = audio.currentTime;
  tone(audio, 880, now, 0.18);
  if (twice) tone(audio, 1175, now + 0.22, 0.22);
}

function supported() { return typeof window.Notification === 'function'; }

function enabled() {
  try { return window.localStorage.getItem(STORE_KEY) === 'on'; } catch (e) { return false; }
}

function remember(on) {
  try { window.localStorage.setItem(STORE_KEY, on ? 'on' : 'off'); } catch (e) { /* private mode */ }
}

function desktop(kind, chatLabel) {
  if (!supported() || !shouldNotify(enabled(), window.Notification.permission, pageVisible())) return;
  const title = kind === 'chat' ? T.title_new_chat : T.title_new_message;
  try {
    const note = new window.Notification(title, { body: chatLabel || '', tag: 'helpline-' + kind, silent: true });
    note.onclick = function () { window.focus(); note.close(); };
  } catch (e) { /* some browsers allow notifications from a service worker only */ }
}

/** A new chat or message: sound, then the title and a notification when not in view. */
export function attention(kind, chatLabel) {
  beep(kind === 'chat');
  if (pageVisible()) return;
  unseen += 1;
  const what = kind === 'chat' ? T.title_new_chat : T.title_new_message;
  document.title = '(' + unseen + ') ' + what + ' – ' + baseTitle;
  desktop(kind, chatLabel);
}

/** A risk alert (supervisors): two tones, and the title while not in view. */
export function alarm(title) {
  beep(true);
  if (!pageVisible()) document.title = '(!) ' + title + ' – ' + baseTitle;
}

export function seen() {
  unseen = 0;
  document.title = baseTitle;
}

function renderToggle() {
  const permission = supported() ? window.Notification.permission : 'unsupported';
  el.notify.checked = enabled() && permission === 'granted';
  el.notify.disabled = permission === 'unsupported' || permission === 'denied';
  el.notifyState.textContent = permission === 'unsupported' ? T.notify_unsupported
    : permission === 'denied' ? T.notify_denied : '';
  show(el.notifyState, Boolean(el.notifyState.textContent));
}

/** The permission is asked only here, when the therapist turns the switch on. */
function onToggle() {
  if (!el.notify.checked) { remember(false); renderToggle(); return; }
  const asked = window.Notification.permission === 'default'
    ? window.Notification.requestPermission() : Promise.resolve(window.Notification.permission);
  Promise.resolve(asked).then(function (permission) {
    remember(permission === 'granted');
    renderToggle();
  });
}

export function init() {
  baseTitle = document.title;
  renderToggle();
  el.notify.addEventListener('change', onToggle);
  window.addEventListener('focus', seen);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) seen(); });
}

