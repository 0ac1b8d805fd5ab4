/* Pure wording of the place in line and the expected wait (no DOM: tested with node --test).
 * `T` is the page's strings, `format` fills "{n}" placeholders (lib/common.js's format). */

/** A [low, high] pair of whole minutes, or null when the server sent none usable. */
export function waitRange(info) {
  const r = info && info.expected_wait_range;
  if (!Array.isArray(r) || r.length !== 2) return null;
  const low = Number(r[0]), high = Number(r[1]);
  if (!isFinite(low) || !isFinite(high) || low < 0 || high < low) return null;
  return [Math.round(low), Math.round(high)];
}

/** "You are next in line." / "You are number 3 in line." / '' without a place. */
export function positionText(pos, T, format) {
  if (typeof pos !== 'number') return '';
  return pos <= 1 ? T.position_next : format(T.position, { n: pos });
}

/** The expected wait: a range when the server gave one, else the old single figure. */
export function waitText(info, T, format) {
  const range = waitRange(info);
  const wait = info ? info.expected_wait_minutes : null;
  if (range) {
    if (range[1] < 1) return T.wait_less;
    if (range[0] === range[1]) return range[1] === 1 ? T.wait_one : format(T.wait_many, { n: range[1] });
    if (range[0] < 1) return format(T.wait_upto, { high: range[1] });
    return format(T.wait_range, { low: range[0], high: range[1] });
  }
  if (typeof wait !== 'number') return T.wait_unknown;
  if (wait < 1) return T.wait_less;
  if (wait === 1) return T.wait_one;
  return format(T.wait_many, { n: wait });
}

/** Both lines of the waiting status, and whether nobody can answer (the channels card). */
export function positionStatus(info, T, format) {
  const nobody = info.expected_wait_minutes === null && info.staff_on_duty === false;
  const closedNow = nobody && info.open === false;
  let detail;
  if (closedNow) detail = T.closed_while_waiting;
  else if (nobody) detail = T.no_staff;
  else detail = waitText(info, T, format) + ' ' + T.waiting_hint;
  return { main: positionText(info.position, T, format), detail: detail, nobody: nobody };
}
