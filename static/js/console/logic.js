/* The console's pure logic: no DOM, no socket, no clock of its own (callers pass `now`),
 * so `node --test tests/js/` checks it apart from a browser. Strings come in from the
 * page's config and placeholders are filled by the caller's `format` (lib/common.js), so
 * nothing here is worded in a language.
 */

export const TYPING_REPEAT_MS = 2000;   // a "typing" sent at most this often while typing
export const TYPING_IDLE_MS = 3000;     // no key for this long: "stopped typing"
export const TYPING_SHOWN_MAX_MS = 15000; // the chatter's "typing…" never shows longer

/** Seconds between two times, or null when either is missing; never negative. */
export function between(from, to) {
  if (typeof from !== 'number' || typeof to !== 'number' || !from || !to) return null;
  return Math.max(0, to - from);
}

/**
 * What a chat tab tells: the time waited (still waiting for us: never, a chat is ours once
 * assigned), the time chatting (assigned until now or its end), and unread messages.
 * `view` holds the server's Unix times; returns {kind: 'chatting'|'ended', seconds}.
 */
export function tabTime(view, now) {
  const end = view.ended_at || now;
  const kind = view.state === 'ended' ? 'ended' : 'chatting';
  return { kind: kind, seconds: between(view.assigned_at, end), waited: between(view.created_at, view.assigned_at) };
}

/**
 * The parts a tab shows, in reading order, empty ones left out: [[kind, text]...]. The tab
 * puts a comma between them for screen readers, so its name reads "Chat 2, 18–25,
 * chatting 03:05, 1 new", never "Chat 21 new".
 */
export function tabParts(name, age, time, due, unread) {
  const meta = [age, time].filter(Boolean).join(', ');
  return [['tab-name', name], ['tab-meta', meta], ['tab-state', due], ['badge', unread]]
    .filter(function (item) { return Boolean(item[1]); });
}

/** What a screen reader hears for those parts. */
export function tabName(parts) {
  return parts.map(function (item) { return item[1]; }).join(', ');
}

/**
 * Whether a message makes a chat's tab count one more unread: only the chatter's words
 * count (not our own, not a colleague's echo, not private notes), and only when the
 * therapist cannot be reading it now (another tab is selected, or the console is hidden).
 */
export function countsAsUnread(sender, selected, pageVisible) {
  return sender === 'chatter' && !(selected && pageVisible);
}

/** Unread messages of a chat that arrives already holding messages (a transfer). */
export function unreadOnArrival(messages, selected, pageVisible) {
  if (selected && pageVisible) return 0;
  return (messages || []).filter(function (m) { return m && m.sender === 'chatter'; }).length;
}

/** Whether the chatter wrote anything: else the "no conversation" path is offered. */
export function chatterWrote(messages) {
  return (messages || []).some(function (m) { return m && m.sender === 'chatter'; });
}

/**
 * The therapist's own "typing" signal. `t` is {on, lastSent}; on each input this says
 * what to do: {emit: true|false|null, on} (null: send nothing). An empty box stops it.
 */
export function typingStep(t, hasText, now) {
  if (!hasText) return { emit: t.on ? false : null, on: false, lastSent: t.lastSent };
  if (!t.on || now - t.lastSent >= TYPING_REPEAT_MS) return { emit: true, on: true, lastSent: now };
  return { emit: null, on: true, lastSent: t.lastSent };
}

/** Seconds of cool-down left at `now` (ms since the epoch) for one ending at `endsAt` (ms). */
export function cooldownLeft(endsAt, now) {
  return endsAt ? Math.max(0, Math.ceil((endsAt - now) / 1000)) : 0;
}

/**
 * The summary's checks before sending. `values` as sent; `noteLength` in code points.
 * Returns [{field, code}] in form order: `field` names the control (the form's name),
 * `code` the string key the page words (need_group, need_sub, ...).
 */
export function summaryProblems(values, noteLength, noteMax) {
  const out = [];
  if (!values.target_group) out.push({ field: 'target_group', code: 'need_group' });
  else if (!values.subcategory) out.push({ field: 'subcategory', code: 'need_sub' });
  const help = values.help_given || [];
  if (!help.length) out.push({ field: 'help_given', code: 'need_help' });
  else if (help.indexOf('referral') !== -1 && (!values.referral_target || !values.referral_region)) {
    out.push({ field: values.referral_target ? 'referral_region' : 'referral_target', code: 'need_referral' });
  }
  if (!values.follow_up) out.push({ field: 'follow_up', code: 'need_follow_up' });
  if (!values.risk) out.push({ field: 'risk', code: 'need_risk' });
  if (noteLength > noteMax) out.push({ field: 'note', code: 'note_too_long', over: noteLength - noteMax });
  return out;
}

/**
 * The server names failing fields by key ("follow_up: This field is required.; note: ...").
 * Returns [{field, text}] (field null for a part without a key).
 */
export function serverProblems(message) {
  return String(message || '').split('; ').filter(Boolean).map(function (part) {
    const match = /^(\w+): (.*)$/.exec(part);
    return match ? { field: match[1], text: match[2] } : { field: null, text: part };
  });
}

/**
 * Whether to show a desktop notification: the therapist turned them on, the browser
 * allowed it, and the console is not in view (a visible console has sound and title).
 */
export function shouldNotify(enabled, permission, pageVisible) {
  return Boolean(enabled) && permission === 'granted' && !pageVisible;
}

/** The wording key of the presence line: off duty, paused, cooling down, or on duty. */
export function presenceKey(me) {
  if (!me.onDuty) return 'off_duty_state';
  if (me.paused) return 'paused_state';
  if (me.cooldown > 0) return 'cooldown_state';
  return 'on_duty_state';
}

/**
 * The helpline's calendar day at `date` as "YYYY-MM-DD" (what a date field holds). The
 * server checks days in the helpline's zone, so neither UTC (toISOString: yesterday until
 * 01:00 in Brussels) nor the browser's own zone will do.
 */
export function helplineDay(date, timeZone) {
  const parts = {};
  new Intl.DateTimeFormat('en', { timeZone: timeZone, year: 'numeric', month: '2-digit',
                                  day: '2-digit' })
    .formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
  return parts.year + '-' + parts.month + '-' + parts.day;
}

/**
 * The role word shown after one's name, or '' when the name is that role already (the
 * first account is called "Supervisor": never "Supervisor Supervisor", nor "Supervisor
 * superviseur" in French). `role` is the key, `word` its label in the page's language.
 */
export function roleAfterName(name, role, word) {
  const plainName = String(name || '').trim().toLowerCase();
  if (!word || plainName === String(role || '').toLowerCase() || plainName === word.toLowerCase()) return '';
  return word;
}

/**
 * "Follow-up of a registration of 3 December[, agreed with Anna]" for a returning
 * chatter's chat (the view's `follow_up`), or '' for any other chat. `day` formats the
 * registration's date (YYYY-MM-DD) in the page's language.
 */
export function followUpText(followUp, strings, format, day) {
  if (!followUp) return '';
  const base = followUp.of ? format(strings.follow_up_of, { date: day(followUp.of) }) : strings.follow_up_earlier;
  return followUp.agreed_with ? format(strings.follow_up_agreed, { follow_up: base, name: followUp.agreed_with }) : base;
}

/** "3 December" for a date (YYYY-MM-DD) in `lang`; the date itself when Intl cannot. */
export function dayLabel(iso, lang) {
  try {
    return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', timeZone: 'UTC' })
      .format(new Date(iso + 'T00:00:00Z'));
  } catch (e) {
    return iso;
  }
}
