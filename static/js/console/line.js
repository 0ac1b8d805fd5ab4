/* The waiting line: its first places (the server sends at most LINE_VIEW_LIMIT) with the
 * intake answers and a live "waiting mm:ss", and its length, announced when it changes.
 */
import { format, show, seconds, clock } from '../lib/common.js';
import { el, T, intakeLabel } from './state.js';

let lastSize = -1;

function row(item) {
  const node = document.createElement('li');
  const pos = document.createElement('span');
  pos.className = 'line-pos';
  pos.textContent = item.position + '.';
  const time = document.createElement('span');
  time.className = 'line-time';
  time.dataset.since = String(seconds(item.waiting_since) || Date.now() / 1000);
  const intake = document.createElement('span');
  intake.className = 'line-intake';
  const parts = [];
  if (item.age_band) parts.push(intakeLabel('age_bands', item.age_band));
  if (item.gender) parts.push(intakeLabel('genders', item.gender));
  intake.textContent = parts.length ? parts.join(' · ') : T.line_none;
  if (item.lang && T.languages[item.lang]) intake.textContent += ' · ' + T.languages[item.lang];
  node.append(pos, time, intake);
  return node;
}

export function renderLine(waiting, total) {
  const rows = Array.isArray(waiting) ? waiting : [];
  const count = typeof total === 'number' ? total : rows.length;
  el.lineList.replaceChildren.apply(el.lineList, rows.map(row));
  el.lineCount.textContent = String(count);
  show(el.lineEmpty, count === 0);
  el.lineMore.textContent = format(T.line_more, { n: count - rows.length });
  show(el.lineMore, count > rows.length);
  if (count !== lastSize) {
    lastSize = count;
    el.lineAnnounce.textContent = format(T.line_count, { n: count });
  }
  tickLine();
}

/** Live clocks of the line, every second. */
export function tickLine() {
  const now = Date.now() / 1000;
  el.lineList.querySelectorAll('.line-time').forEach(function (node) {
    node.textContent = format(T.waiting_for, { time: clock(now - Number(node.dataset.since)) });
  });
}
