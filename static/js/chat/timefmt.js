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
