/* Supervision in the therapist's console: the potential-risk flag, private notes
 * (whispers, "a colleague joined"), and supervisors' risk alerts from any chat.
 */
import { format, show } from '../lib/common.js';
import { el, SV, ACKED, chats, request, errorText, setNotice, timeLabel, chatLabel } from './state.js';
import { attention, alarm } from './notifications.js';

export function init() {
  ACKED.risk_flag = 1;
}

export function wireRisk(chat) {
  chat.refs.riskButton.addEventListener('click', function () { toggleRisk(chat); });
}

export function renderRisk(chat) {
  const b = chat.refs.riskButton;
  const on = Boolean(chat.view && chat.view.risk);
  b.setAttribute('aria-pressed', on ? 'true' : 'false');
  b.textContent = on ? SV.risk_on : SV.risk_off;
  show(b, chat.state === 'active');
}

function setRisk(chat, on) {
  chat.view.risk = Boolean(on);
  renderRisk(chat);
}

/** Raise or lower the flag: supervisors are alerted, the summary starts at potential risk. */
function toggleRisk(chat) {
  const wanted = !(chat.view && chat.view.risk);
  const b = chat.refs.riskButton;
  b.disabled = true;
  request('risk_flag', { chat_id: chat.id, on: wanted }, function (res) {
    b.disabled = false;
    if (!res.ok) { chat.refs.composeError.textContent = errorText(res); return; }
    setRisk(chat, res.risk);
    setNotice(format(res.risk ? SV.risk_raised : SV.risk_lowered, { chat: chatLabel(chat) }));
  });
}

/** Another console of ours changed the flag. */
export function onRisk(data) {
  const chat = data && chats.get(data.chat_id);
  if (chat) setRisk(chat, data.risk);
}

export function prefillRisk(form, view) {
  if (!view.risk) return;
  const input = form.querySelector('input[name="risk"][value="potential_risk"]');
  if (input) input.checked = true;
}

/** Whispers and "a colleague joined": in the chat's panel, marked private, never stored. */
function addPrivateNote(chat, heading, text, kind, id) {
  chat.noteIds = chat.noteIds || new Set();
  if (id && chat.noteIds.has(id)) return false;
  if (id) chat.noteIds.add(id);
  const item = document.createElement('li');
  item.className = 'private-note ' + kind;
  const label = document.createElement('span');
  label.className = 'private-label';
  label.textContent = heading;
  item.appendChild(label);
  if (text) item.appendChild(document.createTextNode(text));
  chat.refs.notes.appendChild(item);
  return true;
}

/** A whisper gets attention, but it is no unread message of the chatter's. */
export function onWhisper(data) {
  const chat = data && chats.get(data.chat_id);
  if (!chat || typeof data.text !== 'string') return;
  const heading = format(SV.whisper_from, { name: data.from || '' }) + ' · ' + timeLabel(data.ts) + ':';
  if (!addPrivateNote(chat, heading, ' ' + data.text, 'whisper', data.id)) return;
  attention('message', chatLabel(chat));
}

export function onColleagueJoined(data) {
  const chat = data && chats.get(data.chat_id);
  if (!chat) return;
  addPrivateNote(chat, format(SV.colleague_joined, { name: data.name || '' }), '', 'joined');
  chat.view.colleagues = (chat.view.colleagues || []).concat([{ staff_id: data.staff_id, name: data.name }]);
}

/** Supervisors' consoles: a potential-risk flag in anyone's chat. */
export function onRiskAlert(data) {
  const node = el.riskAlert;
  if (!node || !data) return;
  node.textContent = format(SV.risk_alert, { therapist: data.therapist || '', time: timeLabel(data.at) });
  alarm(SV.title_risk);
}
