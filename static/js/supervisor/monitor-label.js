/* Which of a therapist's chats the monitor panel shows: pure functions over the overview's
 * `chats` rows (the server sends them ordered by assignment), no DOM, tested with
 * `node --test` (tests/js/overview-monitor.test.mjs). */

/** The therapist's chats with a therapist (active or summary due), in assignment order. */
export function therapistChats(chats, staffId) {
  return (chats || []).filter((c) => c.staff_id != null && String(c.staff_id) === String(staffId)
    && c.state !== 'waiting');
}

/**
 * Where a chat stands among its therapist's chats: {name, n, count, assignedAt}, or null
 * when the overview does not list it (ended and filed, or not yet assigned).
 */
export function chatPlace(chats, chatId) {
  const row = (chats || []).find((c) => c.chat_id === chatId);
  if (!row || row.staff_id == null) return null;
  const own = therapistChats(chats, row.staff_id);
  return { name: row.therapist || '', n: own.findIndex((c) => c.chat_id === chatId) + 1,
    count: own.length, assignedAt: row.assigned_at || null };
}

/**
 * The panel's title: "Anna: chat 2 of 3, since 19:04" (one chat: "chat of Anna, since
 * 19:04"), or `fallback` when the chat is not in the overview. `strings` carries
 * chat_of_since and chat_n_of with {name} {n} {count} {time}; `time` formats a timestamp.
 */
export function monitorLabel(place, strings, format, time, fallback) {
  if (!place) return fallback || '';
  const values = { name: place.name, n: place.n, count: place.count,
    time: place.assignedAt ? time(place.assignedAt) : '–' };
  return format(place.count > 1 ? strings.chat_n_of : strings.chat_of_since, values);
}
