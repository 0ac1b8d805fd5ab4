/* Attention without exposure: while the tab is hidden, the therapist taking the chat or
 * writing changes the title (restored when the tab is seen again); a soft sound only when
 * the chatter turned it on (off by default; remembered in sessionStorage for this tab only,
 * never a cookie or localStorage). */
import { unlockAudio, runningAudio } from '../lib/common.js';
import { el, T } from './state.js';

const SOUND_KEY = 'helpline.sound';
let savedTitle = null;

function soundOn() {
  try { return sessionStorage.getItem(SOUND_KEY) === '1'; } catch (e) { return false; }
}

/* A short, quiet two-note chime. */
function chime() {
  const audio = runningAudio();
  if (!audio) return;
  [660, 880].forEach(function (hz, i) {
    const osc = audio.createOscillator(), gain = audio.createGain();
    const at = audio.currentTime + i * 0.15;
    osc.frequency.value = hz;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.08, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(at + 0.32);
  });
}

/** `kind`: 'taken' (a therapist took the chat) or 'message'. */
export function notify(kind) {
  if (soundOn()) {
    // Counted where the browser tests can see it (headless audio may stay suspended).
    el.soundToggle.dataset.alerts = String(Number(el.soundToggle.dataset.alerts || 0) + 1);
    chime();
  }
  if (!document.hidden) return;
  if (savedTitle === null) savedTitle = document.title;
  document.title = kind === 'taken' ? T.attention_taken : T.attention_message;
}

function restoreTitle() {
  if (document.hidden || savedTitle === null) return;
  document.title = savedTitle;
  savedTitle = null;
}

/* After a language switch the page's title is the new one: keep it for restoring. */
export function titleChanged() { if (savedTitle !== null) savedTitle = document.title; }

export function init() {
  el.soundToggle.checked = soundOn();
  el.soundToggle.addEventListener('change', function () {
    try {
      if (el.soundToggle.checked) sessionStorage.setItem(SOUND_KEY, '1');
      else sessionStorage.removeItem(SOUND_KEY);
    } catch (e) { /* blocked: stays silent after a reload */ }
    if (el.soundToggle.checked) unlockAudio(); // the click is when a browser allows audio
  });
  document.addEventListener('visibilitychange', restoreTitle);
}
