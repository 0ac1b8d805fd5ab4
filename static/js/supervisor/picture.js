/* Pure helpers for rendering the overview's picture, no DOM, tested with `node --test`
 * (tests/js/overview-picture.test.mjs). */

/** A taxonomy option's label in the page's language (English label as fallback), the key
 *  itself when unknown, `fallback` when there is no key. */
export function optionLabel(options, key, lang, fallback) {
  if (!key) return fallback;
  const option = (options || []).find((o) => o.key === key);
  return option ? (option['label_' + lang] || option.label) : key;
}

/** How many waiting chatters are not listed (the server sends the first few and a total). */
export function moreWaiting(total, shown) {
  return Math.max(0, (typeof total === 'number' ? total : shown) - shown);
}
