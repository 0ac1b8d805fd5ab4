/* The header: duty, capacity, load, and wellbeing (a pause that stops new chats while on
 * duty; the cool-down after a summary, counted down, with a button to skip it).
 */
import { format, show, clock } from '../lib/common.js';
import { el, T, me, chats, request } from './state.js';
import { presenceKey, cooldownLeft } from './logic.js';

let dutyPending = false;  // a duty change awaiting its ack: a state push must not undo the click

export function renderPresence() {
  me.cooldown = cooldownLeft(me.cooldownEndsAt, Date.now());
  if (!dutyPending) el.duty.checked = me.onDuty;
  el.pause.checked = me.paused;
  el.pause.disabled = !me.onDuty || el.duty.disabled;
  el.dutyState.textContent = T[presenceKey(me)];
  el.capacity.value = String(me.capacity);
  el.load.textContent = format(T.load, { load: chats.size, capacity: me.capacity });
  renderCooldown();
}

/** The countdown: shown while a cool-down runs and the therapist is on duty. */
function renderCooldown() {
  const on = me.onDuty && me.cooldown > 0;
  if (on) el.cooldownText.textContent = format(T.cooldown_left, { time: clock(me.cooldown) });
  else if (!el.cooldown.hidden) el.cooldownText.textContent = '';
  show(el.cooldown, on);
}

/** Take presence from a State or an ack (duty, capacity, pause, skip_cooldown, summary). */
export function applyPresence(res) {
  if (!res) return;
  if (typeof res.on_duty === 'boolean') me.onDuty = res.on_duty;
  if (typeof res.capacity === 'number') me.capacity = res.capacity;
  if (typeof res.paused === 'boolean') me.paused = res.paused;
  if (typeof res.cooldown === 'number') {
    me.cooldownEndsAt = res.cooldown > 0 ? Date.now() + res.cooldown * 1000 : 0;
  }
  renderPresence();
}

function onDutyChange() {
  const wanted = el.duty.checked;
  el.duty.disabled = true;
  dutyPending = true;
  request('duty', { on: wanted, capacity: Number(el.capacity.value) }, function (res) {
    dutyPending = false;
    el.duty.disabled = false;
    if (res.ok) applyPresence(res); else renderPresence();
  });
}

function onCapacityChange() {
  request('capacity', { capacity: Number(el.capacity.value) }, function (res) {
    if (res.ok) applyPresence(res); else renderPresence();
  });
}

function onPauseChange() {
  el.pause.disabled = true;
  request('pause', { paused: el.pause.checked }, function (res) {
    el.pause.disabled = false;
    if (res.ok) applyPresence(res); else renderPresence();
  });
}

function onSkipCooldown() {
  el.cooldownSkip.disabled = true;
  request('skip_cooldown', {}, function (res) {
    el.cooldownSkip.disabled = false;
    if (res.ok) { applyPresence(res); el.duty.focus(); } else renderPresence();
  });
}

/** Every second: the countdown (the server's job ends it there; this is the picture). */
export function tickPresence() {
  if (!me.cooldownEndsAt) return;
  me.cooldown = cooldownLeft(me.cooldownEndsAt, Date.now());
  if (!me.cooldown) me.cooldownEndsAt = 0;
  renderCooldown();
  if (!me.cooldown) el.dutyState.textContent = T[presenceKey(me)];
}

export function setControlsEnabled(up) {
  el.duty.disabled = !up;
  el.capacity.disabled = !up;
  el.pause.disabled = !up || !me.onDuty;
}

export function init() {
  el.duty.addEventListener('change', onDutyChange);
  el.capacity.addEventListener('change', onCapacityChange);
  el.pause.addEventListener('change', onPauseChange);
  el.cooldownSkip.addEventListener('click', onSkipCooldown);
}
