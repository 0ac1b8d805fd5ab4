/* The overview's waiting line: place, time waiting, intake answers and language, with
 * "move to front", "monitor" and "remove from line" (a place held by a bot). */
import { format, show, lang } from '../lib/common.js';
import { button, cell, clockCell, fillTable, tableParts } from './cells.js';
import { moreWaiting, optionLabel } from './picture.js';

let T = null;
let taxonomy = null;
let api = null;
let monitor = null;
let parts = null;

/**
 * `config`: {strings, taxonomy, api: {request, setError, setNotice, errorText},
 * monitor(chatId, what)} (overview-page.js passes them).
 */
export function init(root, config) {
  T = config.strings;
  taxonomy = config.taxonomy;
  api = config.api;
  monitor = config.monitor;
  parts = tableParts(root, 'line');
  parts.more = root.querySelector('#line-more');
  show(parts.table, false);
}

function label(section, key) {
  return optionLabel(taxonomy[section], key, lang, T.not_given);
}

export function render(rows, total) {
  const items = rows.map(function (w) {
    const row = document.createElement('tr');
    row.dataset.chatId = w.chat_id;
    cell(row, String(w.position));
    clockCell(row, w.waiting_since);
    cell(row, w.age_band ? label('age_bands', w.age_band) : T.not_given);
    cell(row, w.gender ? label('genders', w.gender) : T.not_given);
    cell(row, (w.lang && T.languages[w.lang]) || w.lang || T.not_given);
    const actions = cell(row, '', 'actions');
    if (w.position > 1) {
      actions.appendChild(button(T.move_front, 'secondary', function () { triage(w.chat_id); }));
    }
    actions.appendChild(button(T.monitor, 'secondary', function () {
      monitor(w.chat_id, format(T.waiting_chat, { n: w.position }));
    }));
    actions.appendChild(button(T.remove, 'danger', function () { removeWaiting(w); }));
    return row;
  });
  fillTable(parts, items, total);
  const more = moreWaiting(total, rows.length);
  parts.more.textContent = format(T.line_more, { n: more });
  show(parts.more, more > 0);
}

function triage(chatId) {
  api.request('triage', { chat_id: chatId }, function (res) {
    if (res.ok) { api.setError(''); api.setNotice(T.moved); } else api.setError(api.errorText(res));
  });
}

/* Take a waiting chat (a bot holding a place) out of the line; its token stops working. */
function removeWaiting(w) {
  if (!window.confirm(format(T.confirm_remove, { n: w.position }))) return;
  api.request('remove_waiting', { chat_id: w.chat_id }, function (res) {
    if (res.ok) { api.setError(''); api.setNotice(T.removed); } else api.setError(api.errorText(res));
  });
}
