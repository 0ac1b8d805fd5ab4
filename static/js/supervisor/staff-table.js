/* The overview's staff on duty: name, load ("1 of 2", and "paused" or the cool-down after a
   summary, when they take no new chat for now) and, while free, how long idle. */
import { format, plain, show } from '../lib/common.js';
import { cell, clockCell, fillTable, tableParts } from './cells.js';

let T = null;
let parts = null;

/** `config`: {strings} (overview-page.js passes them). */
export function init(root, config) {
  T = config.strings;
  parts = tableParts(root, 'staff');
  show(parts.table, false);
}

/** "1 of 2", or why the free places take nobody for now (as of the overview's picture). */
export function loadText(s, strings) {
  const values = { load: s.load, capacity: s.capacity, seconds: s.cooldown };
  if (s.paused) return format(strings.load_paused, values);
  if (s.cooldown > 0) return format(strings.load_cooldown, values);
  return format(strings.load, values);
}

export function render(rows) {
  const items = rows.map(function (s) {
    const row = document.createElement('tr');
    row.dataset.staffId = s.staff_id;
    cell(row, plain(s.name));
    cell(row, loadText(s, T));
    clockCell(row, s.load ? null : s.idle_since);
    return row;
  });
  fillTable(parts, items);
}
