/* Transfer: to an on-duty colleague with room, or back to the front of the line, with an
 * optional handover note for the colleague only. A chat handed over leaves the console
 * through init's `removeChat` (chatview.js's, passed in by page.js).
 */
import { format, show, charCount, cleanText } from '../lib/common.js';
import { T, TR, ACKED, request, errorText, setNotice, chats, chatLabel } from './state.js';

let removeChat = null;

/** `config.removeChat(chat)` takes a chat out of the console. */
export function init(root, config) {
  removeChat = config.removeChat;
  ACKED.transfer = 1;
  ACKED.colleagues = 1;
}

export function wireTransfer(chat) {
  const r = chat.refs;
  r.transferButton.addEventListener('click', function () {
    if (r.transferForm.hidden) openTransfer(chat); else closeTransfer(chat, true);
  });
  r.transferCancel.addEventListener('click', function () { closeTransfer(chat, true); });
  r.transferNote.addEventListener('input', function () { updateCount(chat); });
  r.transferForm.addEventListener('submit', function (event) {
    event.preventDefault();
    submitTransfer(chat);
  });
  updateCount(chat);
}

function updateCount(chat) {
  const count = charCount(chat.refs.transferNote.value);
  chat.refs.transferCount.textContent = format(T.count, { n: count, max: TR.note_max });
  chat.refs.transferCount.classList.toggle('over', count > TR.note_max);
}

function option(value, text, disabled) {
  const node = document.createElement('option');
  node.value = value;
  node.textContent = text;
  node.disabled = Boolean(disabled);
  return node;
}

/** Ask the server who is on duty with room right now, then show the form. */
function openTransfer(chat) {
  const r = chat.refs;
  r.transferError.textContent = '';
  r.transferTo.replaceChildren(option('', TR.loading, true));
  show(r.transferForm, true);
  r.transferButton.setAttribute('aria-expanded', 'true');
  request('colleagues', {}, function (res) {
    const list = res.ok && Array.isArray(res.colleagues) ? res.colleagues : [];
    const options = list.map(function (c) {
      const full = !(c.free > 0);
      return option(String(c.id), format(full ? TR.colleague_full : TR.colleague_option,
        { name: c.name, free: c.free }), full);
    });
    options.push(option('line', TR.line_option, false));
    r.transferTo.replaceChildren.apply(r.transferTo, options);
    const first = options.filter(function (o) { return !o.disabled; })[0];
    r.transferTo.value = first ? first.value : 'line';
    if (!res.ok) r.transferError.textContent = errorText(res);
    else if (!list.some(function (c) { return c.free > 0; })) r.transferError.textContent = TR.no_colleagues;
    r.transferTo.focus();
  });
}

export function closeTransfer(chat, focusButton) {
  const r = chat.refs;
  show(r.transferForm, false);
  r.transferButton.setAttribute('aria-expanded', 'false');
  r.transferError.textContent = '';
  if (focusButton) r.transferButton.focus();
}

function submitTransfer(chat) {
  const r = chat.refs;
  const note = cleanText(r.transferNote.value);
  const over = charCount(note) - TR.note_max;
  if (over > 0) {
    r.transferError.textContent = format(TR.note_too_long, { over: over, max: TR.note_max });
    r.transferNote.focus();
    return;
  }
  const target = r.transferTo.value;
  if (!target) return;
  const payload = { chat_id: chat.id, to: target === 'line' ? 'line' : Number(target) };
  if (note) payload.note = note;
  r.transferSubmit.disabled = true;
  request('transfer', payload, function (res) {
    r.transferSubmit.disabled = false;
    if (res.ok) { handedOver(chat, res.to || null); return; }
    r.transferError.textContent = (res.code && TR.errors[res.code]) || errorText(res);
    if (res.code === 'no_capacity' || res.code === 'unknown_staff') openTransfer(chat);
  });
}

/** The chat left this console (this tab or another console of ours transferred it). */
function handedOver(chat, toName) {
  const label = chatLabel(chat);
  setNotice(toName ? format(TR.transferred_to, { chat: label, name: toName })
    : format(TR.transferred_line, { chat: label }));
  removeChat(chat);
}

export function onChatTransferred(data) {
  const chat = data && chats.get(data.chat_id);
  if (chat) handedOver(chat, data.to || null);
}

/** The private note from the colleague who handed the chat over: shown only here. */
export function showHandover(chat, handover) {
  const r = chat.refs;
  const from = String(handover.from || '');
  const text = String(handover.text || '');
  r.handoverFrom.textContent = format(text ? TR.handover_from : TR.handover_from_no_note, { name: from });
  r.handoverText.textContent = text;
  show(r.handoverText, Boolean(text));
  show(r.handover, true);
}
