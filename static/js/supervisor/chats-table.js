/* The overview's chats: therapist (and colleagues who joined), state, start, duration,
 * last message, risk; "monitor", "whisper" and "join" for a chat in progress. */
import { clock, format, show } from '../lib/common.js';
import { button, cell, clockCell, fillTable, since, tableParts, timeLabel } from './cells.js';

let T = null;
let me = null;
let actions = null;
let parts = null;

/**
 * `config`: {strings, me (this supervisor's staff id, a string), monitor(chatId, what),
 * whisper(chatId, what), join(chatId, what)} (overview-page.js passes them).
 */
export function init(root, config) {
  T = config.strings;
  me = config.me;
  actions = { monitor: config.monitor, whisper: config.whisper, join: config.join };
  parts = tableParts(root, 'chats');
  show(parts.table, false);
}

export function render(rows) {
  const items = rows.map(function (c) {
    const row = document.createElement('tr');
    row.dataset.chatId = c.chat_id;
    if (c.risk) row.className = 'risk';
    let who = c.therapist || '–';
    if (c.colleagues && c.colleagues.length) who += ' + ' + c.colleagues.join(', ');
    cell(row, who);
    cell(row, T['state_' + c.state] || c.state);
    cell(row, c.assigned_at ? timeLabel(c.assigned_at) : '–');
    const duration = cell(row, '', 'clock');
    if (c.state === 'ended') duration.textContent = clock((c.ended_at || 0) - (c.assigned_at || 0));
    else if (c.assigned_at) { duration.dataset.since = String(c.assigned_at); duration.textContent = since(c.assigned_at); }
    clockCell(row, c.state === 'ended' ? null : c.last_message_at);
    const risk = cell(row, c.risk ? T.risk_on : '', c.risk ? 'risk-cell' : '');
    if (c.risk) risk.setAttribute('aria-label', T.risk_on);
    const buttons = cell(row, '', 'actions');
    if (c.state === 'active') {
      const what = format(T.chat_of, { name: c.therapist || '–' });
      buttons.appendChild(button(T.monitor, 'secondary', function () { actions.monitor(c.chat_id, what); }));
      buttons.appendChild(button(T.whisper, 'secondary', function () { actions.whisper(c.chat_id, what); }));
      if (String(c.staff_id) !== me) {
        buttons.appendChild(button(T.join, 'secondary', function () { actions.join(c.chat_id, what); }));
      }
    }
    return row;
  });
  fillTable(parts, items);
}
