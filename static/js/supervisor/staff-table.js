/* The overview's staff on duty: name, load ("1 of 2") and, while free, how long idle. */
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

export function render(rows) {
  const items = rows.map(function (s) {
    const row = document.createElement('tr');
    row.dataset.staffId = s.staff_id;
    cell(row, plain(s.name));
    cell(row, format(T.load, { load: s.load, capacity: s.capacity }));
    clockCell(row, s.load ? null : s.idle_since);
    return row;
  });
  fillTable(parts, items);
}
