/* The half-typed message across a reload (or a language switch that reloads): kept in
 * sessionStorage only (this tab; never localStorage or a cookie) while it is typed, removed
 * when it is sent, when the chat ends and on quick exit (which clears the tab's storage),
 * so a draft never outlives its chat. Takes the storage as a parameter (no DOM: tested
 * with node --test). */

export const DRAFT_KEY = 'helpline.draft';

/** Keep what is in the box; an empty box keeps nothing. */
export function keepDraft(storage, text) {
  try {
    if (text) storage.setItem(DRAFT_KEY, text);
    else storage.removeItem(DRAFT_KEY);
  } catch (e) { /* lost: fine */ }
}

/** The kept draft, or null; it stays kept until it is sent or the chat ends. */
export function readDraft(storage) {
  try { return storage.getItem(DRAFT_KEY); } catch (e) { return null; }
}

export function dropDraft(storage) {
  try { storage.removeItem(DRAFT_KEY); } catch (e) { /* nothing kept */ }
}
