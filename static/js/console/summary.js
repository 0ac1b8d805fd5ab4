/* The identity-free summary that closes a chat: the form (its end reason shown, intake
 * and risk prefilled), checks with their messages at the fields themselves (aria-invalid,
 * aria-describedby) and listed at the top, the scrubber's confirmation, follow-up codes,
 * and the one-click "no conversation" registration for a chat the chatter never wrote in.
 */
import { format, show, charCount, errorText as errorWords, lang, timeZone } from '../lib/common.js';
import { cfg, T, el, labels, instantiate, span, request, errorText, setNotice, chats, chatLabel,
  endedText } from './state.js';
import { summaryProblems, serverProblems, chatterWrote, helplineDay } from './logic.js';
import { prefillRisk } from './supervision.js';
import { applyPresence } from './presence.js';

let removeChat = null;

/** `config.removeChat(chat)` takes a chat out of the console (once its summary is filed). */
export function init(root, config) {
  removeChat = config.removeChat;
}

export function buildSummary(chat) {
  const built = instantiate(el.tplSummary, chat.suffix);
  const form = built.root;
  const s = { form: form, refs: built.refs, pending: null, busy: false, shown: false, invalid: [] };
  chat.summary = s;
  const v = chat.view;
  s.refs.wait.textContent = span(v.created_at, v.assigned_at);
  s.refs.duration.textContent = span(v.assigned_at, v.ended_at);
  s.refs.endReason.textContent = endedText(v.ended_by, v.end_reason);
  form.elements.age_band.value = labels.age_bands[v.age_band] ? v.age_band : 'unknown';
  form.elements.gender.value = labels.genders[v.gender] ? v.gender : 'unknown';
  prefillRisk(form, v);
  show(s.refs.noConversation, !chat.chatterWrote && !chatterWrote(v.messages));
  s.refs.noConversationButton.addEventListener('click', function () { fileNoConversation(chat); });
  s.refs.group.addEventListener('change', function () { fillSubcategories(s); });
  form.addEventListener('change', function () { updateReferral(s); });
  s.refs.note.addEventListener('input', function () { updateNoteCount(s); onNoteEdited(s); });
  form.addEventListener('input', function () { recheck(s); });
  form.addEventListener('change', function () { recheck(s); });
  form.addEventListener('submit', function (event) { event.preventDefault(); submitSummary(chat, null); });
  s.refs.confirm.addEventListener('click', function () { confirmScrub(chat); });
  s.refs.followUpDate.value = helplineDay(new Date(), timeZone);
  s.refs.followUpIssue.addEventListener('click', function () { issueFollowUp(chat); });
  updateNoteCount(s);
  chat.refs.summarySlot.appendChild(form);
  chat.refs.columns.classList.add('with-summary');
}

/** A follow-up code for this chat: pushed to the chatter's screen, shown here once. */
function issueFollowUp(chat) {
  const s = chat.summary;
  const days = parseInt(s.refs.followUpWindow.value, 10);
  const payload = { chat_id: chat.id, date: s.refs.followUpDate.value, window_days: isNaN(days) ? 3 : days };
  request('follow_up_code', payload, function (res) {
    if (!res.ok) { s.refs.followUpCode.textContent = errorWords(T.errors, res, false); return; }
    s.refs.followUpCode.textContent = format(T.follow_up_issued, { code: res.code, from: res.from, until: res.until });
    const appointment = s.form.querySelector('input[name="follow_up"][value="follow_up_appointment"]');
    if (appointment) appointment.checked = true;
  });
}

function fillSubcategories(s) {
  const key = s.refs.group.value;
  const group = cfg.taxonomy.target_groups.filter(function (g) { return g.key === key; })[0];
  const select = s.refs.sub;
  const options = [select.options[0]];
  if (group) {
    group.subcategories.forEach(function (sub) {
      const option = document.createElement('option');
      option.value = sub.key;
      option.textContent = sub['label_' + lang] || sub.label;
      options.push(option);
    });
  }
  select.replaceChildren.apply(select, options);
  select.value = group && group.subcategories.length === 1 ? group.subcategories[0].key : '';
  select.disabled = !group;
}

function updateReferral(s) {
  const referral = checkedValues(s.form, 'help_given').indexOf('referral') !== -1;
  show(s.refs.referral, referral);
  s.form.elements.referral_target.required = referral;
  s.form.elements.referral_region.required = referral;
}

function updateNoteCount(s) {
  const count = charCount(s.refs.note.value);
  s.refs.noteCount.textContent = format(T.count, { n: count, max: cfg.note_max });
  s.refs.noteCount.classList.toggle('over', count > cfg.note_max);
}

function checkedValues(form, name) {
  return Array.from(form.querySelectorAll('input[name="' + name + '"]:checked'))
    .map(function (input) { return input.value; });
}

function collectValues(s) {
  const f = s.form.elements;
  const help = checkedValues(s.form, 'help_given');
  const referral = help.indexOf('referral') !== -1;
  return {
    target_group: f.target_group.value || null,
    subcategory: f.subcategory.value || null,
    help_given: help,
    referral_target: referral ? (f.referral_target.value || null) : null,
    referral_region: referral ? (f.referral_region.value || null) : null,
    follow_up: checkedValues(s.form, 'follow_up')[0] || null,
    risk: checkedValues(s.form, 'risk')[0] || null,
    age_band: f.age_band.value || 'unknown',
    gender: f.gender.value || 'unknown',
    note: s.refs.note.value.trim(),
    contacted_before: f.contacted_before.value || 'unknown',
    said_helpful: f.said_helpful.checked,
    referral_accepted: referral ? f.referral_accepted.checked : null
  };
}

/* ---------- problems at the fields and in the list ---------- */

/** The controls of a field (a select, or every box of a group). */
function controls(s, field) {
  const found = s.form.elements[field];
  if (!found) return [];
  return found.tagName ? [found] : Array.from(found);
}

/** The label of a field, for the list at the top. */
function fieldLabel(s, field) {
  const first = controls(s, field)[0];
  if (!first) return field;
  let label = first.type !== 'checkbox' && first.type !== 'radio' && first.labels && first.labels[0];
  if (!label) { const box = first.closest('fieldset'); label = box && box.querySelector('legend'); }
  return label ? label.firstChild.textContent.trim() : field;
}

function clearFieldErrors(s) {
  s.invalid.forEach(function (item) {
    item.error.textContent = '';
    show(item.error, false);
    item.controls.forEach(function (c) {
      c.removeAttribute('aria-invalid');
      const ids = (c.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) { return id && id !== item.error.id; });
      if (ids.length) c.setAttribute('aria-describedby', ids.join(' ')); else c.removeAttribute('aria-describedby');
    });
  });
  s.invalid = [];
}

/** Each problem {field, text}: at its field (when the form has a place for it) and listed. */
function showProblems(s, problems) {
  clearFieldErrors(s);
  const items = problems.map(function (p) {
    const error = p.field && s.refs['err_' + p.field];
    if (error) {
      const boxes = controls(s, p.field);
      error.textContent = p.text;
      show(error, true);
      boxes.forEach(function (c) {
        c.setAttribute('aria-invalid', 'true');
        const ids = (c.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        if (ids.indexOf(error.id) === -1) ids.push(error.id);
        c.setAttribute('aria-describedby', ids.join(' '));
      });
      s.invalid.push({ error: error, controls: boxes });
    }
    const item = document.createElement('li');
    item.textContent = p.field ? fieldLabel(s, p.field) + ': ' + p.text : p.text;
    return item;
  });
  s.refs.errors.replaceChildren.apply(s.refs.errors, items);
  s.shown = problems.length > 0;
}

/** The page's wording of the local checks. */
function localProblems(s, values) {
  return summaryProblems(values, charCount(values.note), cfg.note_max).map(function (p) {
    const text = p.code === 'note_too_long' ? format(T.note_too_long, { over: p.over, max: cfg.note_max }) : T[p.code];
    return { field: p.field, text: text };
  });
}

/** Once problems are shown, they follow the form as it is corrected. */
function recheck(s) {
  if (s.shown) showProblems(s, localProblems(s, collectValues(s)));
}

function focusFirst(s, problems) {
  const first = problems[0] && problems[0].field && controls(s, problems[0].field)[0];
  if (first) first.focus(); else s.refs.errors.scrollIntoView({ block: 'nearest' });
}

/* ---------- sending ---------- */

/** A note edited after the scrub step needs a fresh check: back to "File summary". */
function onNoteEdited(s) {
  if (!s.pending || s.refs.note.value === s.pending.note) return;
  s.pending = null;
  show(s.refs.scrub, false);
  show(s.refs.submit, true);
}

function setBusy(s, busy) {
  s.busy = busy;
  s.refs.submit.disabled = busy;
  s.refs.confirm.disabled = busy;
  s.refs.noConversationButton.disabled = busy;
}

function submitSummary(chat, confirmed) {
  const s = chat.summary;
  if (s.busy) return;
  const values = collectValues(s);
  const problems = localProblems(s, values);
  s.refs.formError.textContent = '';
  showProblems(s, problems);
  if (problems.length) { focusFirst(s, problems); return; }
  if (confirmed !== null && s.pending && values.note === s.pending.note) {
    values.note = s.pending.original; // the server checks the note it cleaned itself
  }
  const payload = { chat_id: chat.id, values: values };
  if (confirmed !== null) payload.confirmed_note = confirmed;
  setBusy(s, true);
  request('summary', payload, function (res) {
    setBusy(s, false);
    onSummaryAnswer(chat, values, res);
  });
}

/** One click: a chat that ended before the chatter wrote anything (the server checks it). */
function fileNoConversation(chat) {
  const s = chat.summary;
  if (s.busy) return;
  setBusy(s, true);
  request('summary', { chat_id: chat.id, no_conversation: true }, function (res) {
    setBusy(s, false);
    if (res.ok) { filed(chat, res, T.no_conversation_filed); return; }
    s.refs.formError.textContent = errorText(res);
    if (res.code === 'conversation_held') show(s.refs.noConversation, false);
  });
}

function filed(chat, res, text) {
  setNotice(format(text, { chat: chatLabel(chat) }));
  applyPresence(res); // a cool-down may start now
  removeChat(chat);
}

function onSummaryAnswer(chat, values, res) {
  const s = chat.summary;
  if (res.ok) { filed(chat, res, T.summary_filed); return; }
  if (res.code === 'confirm_scrub') { showScrub(s, values.note, res); return; }
  if (res.code === 'invalid_summary') {
    const problems = serverProblems(res.message);
    showProblems(s, problems);
    focusFirst(s, problems);
    return;
  }
  s.refs.formError.textContent = errorText(res);
}

function showScrub(s, original, res) {
  s.pending = { original: original, note: String(res.note || '') };
  const items = (res.removed || []).map(function (x) {
    const item = document.createElement('li');
    const kind = document.createElement('span');
    kind.className = 'removed-kind';
    kind.textContent = String(x.label || x.kind) + ': ';
    const text = document.createElement('span');
    text.textContent = String(x.text);
    item.append(kind, text);
    return item;
  });
  s.refs.removed.replaceChildren.apply(s.refs.removed, items);
  s.refs.cleanNote.textContent = s.pending.note;
  s.refs.note.value = s.pending.note;
  updateNoteCount(s);
  show(s.refs.scrub, true);
  show(s.refs.submit, false);
  s.refs.confirm.focus();
}

function confirmScrub(chat) {
  const s = chat.summary;
  if (s.pending) submitSummary(chat, s.pending.note);
}

export function onSummaryMissing(data) {
  const chat = data && chats.get(data.chat_id);
  if (!chat) return;
  setNotice(format(T.summary_missing, { chat: chatLabel(chat) }));
  removeChat(chat);
}
