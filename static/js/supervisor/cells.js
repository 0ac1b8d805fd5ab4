/* Building the overview's tables: a text cell, an action button, a live clock cell (text
 * only, never HTML), and filling a section's table. Used by line-table.js, staff-table.js
 * and chats-table.js; nothing here looks anything up when imported. */
import { clock, seconds, show, timeLabel as clockTime } from '../lib/common.js';

/** Append a <td> with `text` (and a class) to `row`; returns it. */
export function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

/** A type="button" button with its text and click handler. */
export function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className || 'secondary';
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

/** "mm:ss" since a Unix time (a number or a numeric string), or "–" without one. */
export function since(ts) {
  const t = seconds(ts);
  return t === null ? '–' : clock(Date.now() / 1000 - t);
}

/** "14:05" for a time from the server; no time: the time it arrives. */
export function timeLabel(ts) {
  const t = seconds(ts);
  return clockTime(t === null ? Date.now() / 1000 : t);
}

/* A live clock cell: data-since is a Unix time; the page's tick keeps the text current. */
export function clockCell(row, ts) {
  const td = cell(row, since(ts), 'clock');
  if (seconds(ts) !== null) td.dataset.since = String(seconds(ts));
  return td;
}

/**
 * A table section's elements, by the ids `<name>-body`, `-count`, `-empty`, `-table`
 * within `root` (sections: line, staff, chats).
 */
export function tableParts(root, name) {
  const $ = (suffix) => root.querySelector('#' + name + '-' + suffix);
  return { body: $('body'), count: $('count'), empty: $('empty'), table: $('table') };
}

/* Put a section's rows in its table, its count in the heading, and show the table or the
   "none" line. */
export function fillTable(parts, items, total) {
  parts.body.replaceChildren.apply(parts.body, items);
  parts.count.textContent = String(typeof total === 'number' ? total : items.length);
  show(parts.empty, items.length === 0);
  show(parts.table, items.length > 0);
}
