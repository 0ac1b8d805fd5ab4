/* Search and ranking of canned responses: pure functions, no DOM, so `node --test` can
 * check them (tests/js/canned-search.test.mjs). Used by static/js/lib/canned-picker.js. */

/** Lower case without accents, so "reference" finds "référence" and "CAW" finds "caw". */
export function normalise(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** The search words of a query (spaces separate them; a leading "/" is the shortcut). */
export function terms(query) {
  return normalise(query).replace(/^\//, '').split(/\s+/).filter(Boolean);
}

function words(text) { return normalise(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean); }

/** How well one word of the query fits one response; 0 means not at all. */
function termScore(term, item) {
  const title = normalise(item.title);
  if (title.startsWith(term)) return 8;
  if (words(item.title).some((w) => w.startsWith(term))) return 6;
  const tags = (item.tags || []).map(normalise);
  if (tags.includes(term)) return 5;
  if (tags.some((t) => t.startsWith(term))) return 4;
  if (title.includes(term)) return 3;
  if (words(item.text).some((w) => w.startsWith(term))) return 2;
  return normalise(item.text).includes(term) ? 1 : 0;
}

/** Score of a response for all words (every word must fit somewhere), 0 if one does not. */
export function score(item, queryTerms) {
  let total = 0;
  for (const term of queryTerms) {
    const one = termScore(term, item);
    if (!one) return 0;
    total += one;
  }
  return total;
}

/**
 * The responses that fit the query, best first; ties keep the server's order (by title).
 * An empty query lists them all as they came.
 */
export function rank(responses, query) {
  const queryTerms = terms(query);
  if (!queryTerms.length) return responses.slice();
  return responses
    .map((item, index) => ({ item, index, value: score(item, queryTerms) }))
    .filter((entry) => entry.value > 0)
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .map((entry) => entry.item);
}

/** The next option index for a key in a listbox of `count` options (wraps around). */
export function moveIndex(current, key, count) {
  if (!count) return -1;
  if (key === 'ArrowDown') return current < 0 ? 0 : (current + 1) % count;
  if (key === 'ArrowUp') return current <= 0 ? count - 1 : current - 1;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return current;
}

/**
 * The message box after inserting `text` over the selection [start, end): the value and
 * where the caret goes (after the inserted text), so the therapist can edit on.
 */
export function insertAt(value, start, end, text) {
  const before = value.slice(0, start);
  const after = value.slice(end);
  return { value: before + text + after, caret: before.length + text.length };
}
