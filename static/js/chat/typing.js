/* The chatter's own typing signal, as pure timing decisions (no DOM, no timers: tested with
 * node --test). Only the fact of typing is ever sent, never the draft. */

export const TYPING_REPEAT_MS = 2000;  // "still typing" at most this often
export const TYPING_IDLE_MS = 3000;    // quiet this long: "stopped typing"
export const TYPING_SHOWN_MAX_MS = 15000; // the therapist's "typing…" line goes by itself

export function typingState() { return { on: false, lastSent: 0 }; }

/**
 * After an input event: what to send now ('start', 'stop' or null). `hasText` is whether
 * the box holds anything but spaces. Mutates `state`.
 */
export function onTyped(state, hasText, now) {
  if (!hasText) return stopTyping(state);
  if (!state.on || now - state.lastSent >= TYPING_REPEAT_MS) {
    state.on = true;
    state.lastSent = now;
    return 'start';
  }
  return null;
}

/** The chatter stopped (idle, sent, left): 'stop' only if a start was told. */
export function stopTyping(state) {
  const was = state.on;
  state.on = false;
  return was ? 'stop' : null;
}
