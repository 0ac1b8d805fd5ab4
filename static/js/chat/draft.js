/* Keeping the draft across a reload for a language switch: in sessionStorage only (this
 * tab), read once and removed as it is read, so a draft never outlives its chat. Takes
 * the storage as a parameter (no DOM: tested with node --test). */

export const DRAFT_KEY = 'helpline.draft';

export function keepDraft(storage, text) {
  try { if (text) storage.setItem(DRAFT_KEY, text); } catch (e) { /* lost: fine */ }
}

export function takeDraft(storage) {
  try {
    const draft = storage.getItem(DRAFT_KEY);
    storage.removeItem(DRAFT_KEY);
    return draft;
  } catch (e) { return null; }
}
