/* Pure time wording for the chatter's page (no DOM: tested with node --test). */

/** "Thursday 26 November, 19:00" for an ISO time, in `zone` (the helpline's), or null. */
export function formatOpening(iso, zone, lang) {
  const date = new Date(iso);
  if (typeof iso !== 'string' || isNaN(date.getTime())) return null;
  const options = { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit',
                  minute: '2-digit', hour12: false };
  if (zone) options.timeZone = zone;
  try {
    return date.toLocaleString(lang, options);
  } catch (e) {
    return iso.slice(0, 16).replace('T', ' '); // the helpline's wall-clock time
  }
}

/** "22:00" for an ISO time in `zone`, or null. */
export function formatClock(iso, zone, lang) {
  const date = new Date(iso);
  if (typeof iso !== 'string' || isNaN(date.getTime())) return null;
  const options = { hour: '2-digit', minute: '2-digit', hour12: false };
  if (zone) options.timeZone = zone;
  try {
    return date.toLocaleTimeString(lang, options);
  } catch (e) {
    return iso.slice(11, 16);
  }
}

/** "6 december 2026" for a calendar day ("2026-12-06") in the page's language, or null.
 * A day has no zone: it is read and written in UTC so no machine zone shifts it. */
export function formatDay(iso, lang) {
  const m = typeof iso === 'string' && /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (isNaN(date.getTime())) return null;
  try {
    return date.toLocaleDateString(lang, { day: 'numeric', month: 'long', year: 'numeric',
                                           timeZone: 'UTC' });
  } catch (e) {
    return iso;
  }
}

/* setTimeout's longest delay (about 24.8 days); a longer one would fire at once. */
const LONGEST_TIMER_MS = 2147483647;

/** Milliseconds until a closed intro asks again, from the server's "opens in" seconds
 * (never the browser's clock); at least a second, null when unknown or too far off. */
export function openingDelay(opensIn) {
  if (typeof opensIn !== 'number' || !isFinite(opensIn) || opensIn < 0) return null;
  const ms = Math.max(1000, Math.ceil(opensIn) * 1000 + 1000);
  return ms <= LONGEST_TIMER_MS ? ms : null;
}

/** Why the chat ended, as a key of the page's strings. */
export function closingKey(by, reason) {
  if (reason === 'left_line') return 'ended_left_line';
  if (reason === 'connection_lost') return 'ended_connection_lost';
  if (reason === 'removed') return 'ended_removed';
  if (reason === 'place_lapsed') return 'ended_place_lapsed';
  if (by === 'therapist') return 'ended_therapist';
  if (by === 'chatter') return 'ended_chatter';
  return 'ended_system';
}
