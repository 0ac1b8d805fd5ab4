/* The therapist console: duty and capacity, the waiting line, the chats held, and the
 * identity-free summary that closes each chat.
 *
 * The server's `state` (sent on every connect) is the truth: the console is rebuilt
 * from it, so a reload or a reconnect loses nothing. Chat text and every server string
 * are rendered as text (textContent), never as HTML.
 */
(function () {
  'use strict';

  var ACK_TIMEOUT_MS = 15000;
  var TYPING_REPEAT_MS = 2000;
  var TYPING_IDLE_MS = 3000;
  var TYPING_SHOWN_MAX_MS = 15000;

  var H = window.HelplineCommon; // shared helpers: static/js/lib/common.js
  var $ = H.$, show = H.show, format = H.format, charCount = H.charCount, cleanText = H.cleanText;
  var seconds = H.seconds, clock = H.clock, unlockAudio = H.unlockAudio;

  var cfg = JSON.parse(document.getElementById('page-config').textContent);
  var T = cfg.strings;
  var lang = H.lang;
  var baseTitle = document.title;

  var el = {
    name: $('me-name'), role: $('me-role'), duty: $('duty-toggle'), dutyState: $('duty-state'),
    capacity: $('capacity'), load: $('load'), conn: $('conn-state'),
    error: $('console-error'), notice: $('console-notice'),
    lineCount: $('line-count'), lineEmpty: $('line-empty'), lineList: $('line-list'),
    lineMore: $('line-more'),
    lineAnnounce: $('line-announce'),
    tabs: $('chat-tabs'), panels: $('chat-panels'), noChats: $('no-chats'),
    tplPanel: $('tpl-chat-panel'), tplSummary: $('tpl-summary')
  };

  var me = { onDuty: false, capacity: 1 };
  var chats = new Map();      // chat_id -> Chat (one panel and one tab each)
  var selectedId = null;
  var chatNumber = 0;
  var lastLineSize = -1;
  var socket = null;

  /* ---------- small helpers ---------- */

  function span(from, to) {
    var a = seconds(from), b = seconds(to);
    return a === null || b === null ? '–' : clock(b - a);
  }

  /* No time (or 0) from the server: the time it arrives. */
  function timeLabel(ts) {
    return H.timeLabel(seconds(ts) || Date.now() / 1000);
  }

  /* Our wording for a known code, else the server's message. */
  function errorText(res) { return H.errorText(T.errors, res, true); }

  function setError(text) { el.error.textContent = text || ''; }

  function setNotice(text) { el.notice.textContent = text || ''; }

  /* Taxonomy labels by section and key, in the page's language. */
  var labels = (function () {
    var out = {};
    Object.keys(cfg.taxonomy).forEach(function (section) {
      out[section] = {};
      cfg.taxonomy[section].forEach(function (option) {
        out[section][option.key] = option['label_' + lang] || option.label;
      });
    });
    return out;
  }());

  function intakeLabel(section, key) {
    return (key && labels[section][key]) || T.not_given;
  }

  /* Clone a <template>, give its ids a suffix (labels keep pointing at their fields),
   * and collect the elements marked data-ref. */
  function instantiate(template, suffix) {
    var fragment = template.content.cloneNode(true);
    var withIds = fragment.querySelectorAll('[id]');
    withIds.forEach(function (node) { node.id = node.id + '-' + suffix; });
    ['for', 'aria-describedby', 'aria-labelledby', 'aria-controls'].forEach(function (attr) {
      fragment.querySelectorAll('[' + attr + ']').forEach(function (node) {
        var ids = node.getAttribute(attr).split(/\s+/).map(function (id) { return id + '-' + suffix; });
        node.setAttribute(attr, ids.join(' '));
      });
    });
    var refs = {};
    fragment.querySelectorAll('[data-ref]').forEach(function (node) { refs[node.dataset.ref] = node; });
    return { root: fragment.firstElementChild, refs: refs };
  }

  /* ---------- attention: sound and title ---------- */

  var unseen = 0;

  function tone(audio, frequency, start, length) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start(start);
    osc.stop(start + length + 0.02);
  }

  function beep(twice) {
    var audio = H.runningAudio();
    if (!audio) return; // blocked until a first click: fine
    var now = audio.currentTime;
    tone(audio, 880, now, 0.18);
    if (twice) tone(audio, 1175, now + 0.22, 0.22);
  }

  function attention(kind) {
    beep(kind === 'chat');
    if (document.hidden || !document.hasFocus()) {
      unseen += 1;
      var what = kind === 'chat' ? T.title_new_chat : T.title_new_message;
      document.title = '(' + unseen + ') ' + what + ' – ' + baseTitle;
    }
  }

  function seen() {
    unseen = 0;
    document.title = baseTitle;
  }

  /* ---------- header: duty, capacity, load ---------- */

  var dutyPending = false;  // a duty change awaiting its ack: a state push must not undo the click

  function renderPresence() {
    if (!dutyPending) el.duty.checked = me.onDuty;
    el.dutyState.textContent = me.onDuty ? T.on_duty_state : T.off_duty_state;
    el.capacity.value = String(me.capacity);
    el.load.textContent = format(T.load, { load: chats.size, capacity: me.capacity });
  }

  function applyPresence(res) {
    if (!res) return;
    if (typeof res.on_duty === 'boolean') me.onDuty = res.on_duty;
    if (typeof res.capacity === 'number') me.capacity = res.capacity;
    renderPresence();
  }

  function onDutyChange() {
    var wanted = el.duty.checked;
    el.duty.disabled = true;
    dutyPending = true;
    request('duty', { on: wanted, capacity: Number(el.capacity.value) }, function (res) {
      dutyPending = false;
      el.duty.disabled = false;
      if (res.ok) applyPresence(res); else renderPresence();
    });
  }

  function onCapacityChange() {
    request('capacity', { capacity: Number(el.capacity.value) }, function (res) {
      if (res.ok) applyPresence(res); else renderPresence();
    });
  }

  /* request(): how long to wait for an ack, and the texts of its own two failures. */
  var ACK = { timeout: ACK_TIMEOUT_MS, offline: T.reconnecting, timedOut: T.not_sent };

  /* Emit with an ack; failures (and a timeout) show on the error line. */
  function request(event, payload, done) {
    if (!socket || !socket.connected) setError(T.reconnecting);
    H.request(socket, event, payload, ACK, function (res) {
      if (res.ok) setError('');
      done(res);
    });
  }

  /* ---------- waiting line ---------- */

  /* The first places of the line (the server sends at most LINE_VIEW_LIMIT) and its length. */
  function renderLine(waiting, total) {
    var rows = Array.isArray(waiting) ? waiting : [];
    var count = typeof total === 'number' ? total : rows.length;
    var items = rows.map(function (row) {
      var item = document.createElement('li');
      var pos = document.createElement('span');
      pos.className = 'line-pos';
      pos.textContent = row.position + '.';
      var time = document.createElement('span');
      time.className = 'line-time';
      time.dataset.since = String(seconds(row.waiting_since) || Date.now() / 1000);
      var intake = document.createElement('span');
      intake.className = 'line-intake';
      var parts = [];
      if (row.age_band) parts.push(intakeLabel('age_bands', row.age_band));
      if (row.gender) parts.push(intakeLabel('genders', row.gender));
      intake.textContent = parts.length ? parts.join(' · ') : T.line_none;
      if (row.lang && T.languages[row.lang]) intake.textContent += ' · ' + T.languages[row.lang];
      item.append(pos, time, intake);
      return item;
    });
    el.lineList.replaceChildren.apply(el.lineList, items);
    el.lineCount.textContent = String(count);
    show(el.lineEmpty, count === 0);
    el.lineMore.textContent = format(T.line_more, { n: count - rows.length });
    show(el.lineMore, count > rows.length);
    if (count !== lastLineSize) {
      lastLineSize = count;
      el.lineAnnounce.textContent = format(T.line_count, { n: count });
    }
    tickLine();
  }

  function tickLine() {
    var now = Date.now() / 1000;
    el.lineList.querySelectorAll('.line-time').forEach(function (node) {
      node.textContent = format(T.waiting_for, { time: clock(now - Number(node.dataset.since)) });
    });
  }

  /* ---------- tabs ---------- */

  function renderTab(chat) {
    chat.tabName.textContent = format(T.chat_n, { n: chat.number });
    chat.tabState.textContent = chat.state === 'ended' ? ' (' + T.summary_due + ')' : '';
    chat.badge.textContent = chat.unread ? format(T.new_badge, { n: chat.unread }) : '';
    show(chat.badge, chat.unread > 0);
  }

  function selectChat(chatId, focusTab) {
    selectedId = chats.has(chatId) ? chatId : null;
    chats.forEach(function (chat, id) {
      var on = id === selectedId;
      chat.tab.setAttribute('aria-selected', on ? 'true' : 'false');
      chat.tab.tabIndex = on ? 0 : -1;
      show(chat.panel, on);
      if (on) { chat.unread = 0; renderTab(chat); }
    });
    if (focusTab && selectedId) chats.get(selectedId).tab.focus();
  }

  function onTabKey(event) {
    var ids = Array.from(chats.keys());
    var index = ids.indexOf(selectedId);
    var next = null;
    if (event.key === 'ArrowRight') next = ids[(index + 1) % ids.length];
    else if (event.key === 'ArrowLeft') next = ids[(index - 1 + ids.length) % ids.length];
    else if (event.key === 'Home') next = ids[0];
    else if (event.key === 'End') next = ids[ids.length - 1];
    if (next) { event.preventDefault(); selectChat(next, true); }
  }

  function renderEmptyState() {
    show(el.noChats, chats.size === 0);
    renderPresence();
  }

  /* ---------- one chat ---------- */

  function createChat(view) {
    chatNumber += 1;
    var suffix = 'c' + chatNumber;
    var built = instantiate(el.tplPanel, suffix);
    var chat = {
      id: view.chat_id, number: chatNumber, suffix: suffix, state: null, view: view,
      panel: built.root, refs: built.refs, ids: new Set(), messages: [], unread: 0,
      summary: null, typingOut: { on: false, lastSent: 0, idleTimer: null }, typingInTimer: null
    };
    chat.panel.id = 'panel-' + suffix;
    chat.refs.title.textContent = format(T.chat_n, { n: chat.number });

    chat.tab = document.createElement('button');
    chat.tab.type = 'button';
    chat.tab.className = 'chat-tab';
    chat.tab.id = 'tab-' + suffix;
    chat.tab.setAttribute('role', 'tab');
    chat.tab.setAttribute('aria-controls', chat.panel.id);
    chat.panel.setAttribute('aria-labelledby', chat.tab.id);
    chat.tabName = document.createElement('span');
    chat.tabState = document.createElement('span');
    chat.tabState.className = 'tab-state';
    chat.badge = document.createElement('span');
    chat.badge.className = 'badge';
    chat.tab.append(chat.tabName, chat.tabState, chat.badge);
    chat.tab.addEventListener('click', function () { selectChat(chat.id, false); });
    chat.tab.addEventListener('keydown', onTabKey);

    wireRisk(chat);
    wireCompose(chat);
    wireTransfer(chat);
    chats.set(chat.id, chat);
    el.tabs.appendChild(chat.tab);
    el.panels.appendChild(chat.panel);
    renderTab(chat);
    if (!selectedId) selectChat(chat.id, false); else show(chat.panel, false);
    renderEmptyState();
    return chat;
  }

  /* Create or update a chat from a ChatView (state, chat_assigned). */
  function upsertChat(view) {
    if (!view || !view.chat_id) return null;
    var chat = chats.get(view.chat_id) || createChat(view);
    chat.view = Object.assign({}, chat.view, view);
    (view.messages || []).forEach(function (m) { addMessage(chat, m); });
    renderIntake(chat);
    if (view.state === 'ended') {
      markEnded(chat, view.ended_by, view.end_reason);
    } else {
      chat.state = view.state;
      setChatterConnection(chat, view.chatter_connected !== false);
    }
    renderTab(chat);
    renderRisk(chat);
    return chat;
  }

  function renderIntake(chat) {
    var v = chat.view;
    chat.refs.age.textContent = intakeLabel('age_bands', v.age_band);
    chat.refs.gender.textContent = intakeLabel('genders', v.gender);
    chat.refs.lang.textContent = (v.lang && T.languages[v.lang]) || v.lang || '–';
    chat.refs.waited.textContent = span(v.created_at, v.assigned_at);
    var end = v.ended_at || Date.now() / 1000;
    chat.refs.duration.textContent = span(v.assigned_at, end);
  }

  function setChatterConnection(chat, connected) {
    var node = chat.refs.conn;
    if (chat.state === 'ended') { node.textContent = ''; return; }
    node.textContent = connected ? T.chatter_connected : T.chatter_disconnected;
    node.className = 'chatter-conn ' + (connected ? 'connected' : 'disconnected');
  }

  function removeChat(chat) {
    clearTimeout(chat.typingOut.idleTimer);
    clearTimeout(chat.typingInTimer);
    chat.tab.remove();
    chat.panel.remove();
    chats.delete(chat.id);
    if (selectedId === chat.id) {
      selectedId = null;
      var first = chats.keys().next();
      if (!first.done) selectChat(first.value, false);
    }
    renderEmptyState();
  }

  /* ---------- messages ---------- */

  function messageNode(m) {
    var who = m.sender === 'chatter' ? T.chatter : (m.name || T.you);
    if (m.sender === 'colleague') who = format(SV.colleague, { name: m.name || '' });
    return H.messageNode(m, who, timeLabel(m.ts));
  }

  /* Add a message once, in id order; returns true when it was new. */
  function addMessage(chat, m) {
    var list = chat.refs.transcript;
    if (!H.insertMessage(chat, list, m, messageNode)) return false;
    if (m.sender === 'chatter') setChatterTyping(chat, false);
    var last = list.lastElementChild;
    if (last && !chat.panel.hidden && last.scrollIntoView) last.scrollIntoView({ block: 'nearest' });
    return true;
  }

  function setChatterTyping(chat, on) {
    clearTimeout(chat.typingInTimer);
    chat.refs.typing.textContent = on ? T.typing : '';
    if (on) chat.typingInTimer = setTimeout(function () { setChatterTyping(chat, false); }, TYPING_SHOWN_MAX_MS);
  }

  function onMessage(data) {
    var chat = data && chats.get(data.chat_id);
    if (!chat || !addMessage(chat, data)) return;
    if (data.sender !== 'chatter') return;
    if (chat.id !== selectedId) { chat.unread += 1; renderTab(chat); }
    attention('message');
  }

  /* ---------- composing and sending ---------- */

  function wireCompose(chat) {
    var r = chat.refs;
    updateCounter(chat);
    r.compose.addEventListener('submit', function (event) { event.preventDefault(); sendMessage(chat); });
    r.input.addEventListener('keydown', function (event) {
      if (H.isSendKey(event)) {
        event.preventDefault();
        sendMessage(chat);
      }
    });
    r.input.addEventListener('input', function () { updateCounter(chat); onTypingInput(chat); });
    r.endButton.addEventListener('click', function () { setEndConfirm(chat, true); });
    r.endNo.addEventListener('click', function () { setEndConfirm(chat, false); r.endButton.focus(); });
    r.endYes.addEventListener('click', function () { endChat(chat); });
  }

  function updateCounter(chat) {
    var r = chat.refs;
    H.updateCounter(r.input, r.counter, r.composeError, cfg.max_chars, T);
  }

  function sendMessage(chat) {
    var r = chat.refs;
    var raw = r.input.value;
    var text = cleanText(raw);
    if (!text || chat.state === 'ended') return;
    var over = charCount(text) - cfg.max_chars;
    if (over > 0) return;
    r.input.value = '';
    updateCounter(chat);
    stopOwnTyping(chat, true);
    request('message', { chat_id: chat.id, text: text }, function (res) {
      if (!res.ok) {
        if (!r.input.value) { r.input.value = raw; updateCounter(chat); }
        r.composeError.dataset.kind = 'server';
        r.composeError.textContent = errorText(res);
        return;
      }
      r.composeError.textContent = '';
      addMessage(chat, { id: res.id, sender: 'therapist', text: text, ts: Date.now() / 1000, name: el.name.textContent });
    });
  }

  function emitTyping(chat, on) {
    if (socket && socket.connected && chat.state === 'active') {
      socket.emit('typing', { chat_id: chat.id, typing: on });
    }
  }

  function onTypingInput(chat) {
    var t = chat.typingOut;
    clearTimeout(t.idleTimer);
    if (chat.state !== 'active') return;
    if (!chat.refs.input.value.trim()) { stopOwnTyping(chat, true); return; }
    var now = Date.now();
    if (!t.on || now - t.lastSent >= TYPING_REPEAT_MS) {
      t.on = true;
      t.lastSent = now;
      emitTyping(chat, true);
    }
    t.idleTimer = setTimeout(function () { stopOwnTyping(chat, true); }, TYPING_IDLE_MS);
  }

  function stopOwnTyping(chat, tell) {
    var t = chat.typingOut;
    clearTimeout(t.idleTimer);
    if (t.on && tell) emitTyping(chat, false);
    t.on = false;
  }

  /* ---------- ending ---------- */

  function setEndConfirm(chat, open) {
    show(chat.refs.endConfirm, open);
    show(chat.refs.endButton, !open);
    if (open) chat.refs.endNo.focus();
  }

  function endChat(chat) {
    setEndConfirm(chat, false);
    request('end', { chat_id: chat.id }, function (res) {
      if (res.ok || res.code === 'chat_ended') {
        markEnded(chat, 'therapist', res.ok ? 'therapist_ended' : null);
        return;
      }
      chat.refs.composeError.textContent = errorText(res);
    });
  }

  function endedText(by, reason) {
    if (reason && T['ended_' + reason]) return T['ended_' + reason];
    if (reason === 'chatter_ended' || by === 'chatter') return T.ended_chatter;
    if (reason === 'therapist_ended' || by === 'therapist') return T.ended_therapist;
    return T.ended_system;
  }

  function onChatEnded(data) {
    var chat = data && chats.get(data.chat_id);
    if (!chat) return;
    chat.view.ended_at = chat.view.ended_at || Date.now() / 1000;
    markEnded(chat, data.by, data.reason);
  }

  /* The chat is over: the composer goes, the summary form comes (once). */
  function markEnded(chat, by, reason) {
    var r = chat.refs;
    var wasEnded = chat.state === 'ended';
    chat.state = 'ended';
    if (!chat.view.ended_at) chat.view.ended_at = Date.now() / 1000;
    stopOwnTyping(chat, false);
    setChatterTyping(chat, false);
    show(r.compose, false);
    show(r.endArea, false);
    closeTransfer(chat, false);
    show(r.transferArea, false);
    if (reason || !wasEnded) {
      r.endedNote.textContent = endedText(by || chat.view.ended_by, reason || chat.view.end_reason);
    }
    show(r.endedNote, true);
    setChatterConnection(chat, false);
    renderIntake(chat);
    if (!chat.summary) buildSummary(chat);
    renderRisk(chat);
    renderTab(chat);
  }

  /* ---------- the summary form ---------- */

  function buildSummary(chat) {
    var built = instantiate(el.tplSummary, chat.suffix);
    var form = built.root;
    var s = { form: form, refs: built.refs, pending: null, busy: false };
    chat.summary = s;
    var v = chat.view;
    s.refs.wait.textContent = span(v.created_at, v.assigned_at);
    s.refs.duration.textContent = span(v.assigned_at, v.ended_at);
    form.elements.age_band.value = labels.age_bands[v.age_band] ? v.age_band : 'unknown';
    form.elements.gender.value = labels.genders[v.gender] ? v.gender : 'unknown';
    prefillRisk(form, v);
    s.refs.group.addEventListener('change', function () { fillSubcategories(s); });
    form.addEventListener('change', function () { updateReferral(s); });
    s.refs.note.addEventListener('input', function () { updateNoteCount(s); onNoteEdited(s); });
    form.addEventListener('input', function () { recheck(s); });
    form.addEventListener('change', function () { recheck(s); });
    form.addEventListener('submit', function (event) { event.preventDefault(); submitSummary(chat, null); });
    s.refs.confirm.addEventListener('click', function () { confirmScrub(chat); });
    s.refs.followUpDate.value = new Date().toISOString().slice(0, 10);
    s.refs.followUpIssue.addEventListener('click', function () { issueFollowUp(chat); });
    updateNoteCount(s);
    chat.refs.summarySlot.appendChild(form);
    chat.refs.columns.classList.add('with-summary');
  }

  /* A follow-up code for this chat: pushed to the chatter's screen, shown here once. */
  function issueFollowUp(chat) {
    var s = chat.summary;
    var days = parseInt(s.refs.followUpWindow.value, 10);
    var payload = { chat_id: chat.id, date: s.refs.followUpDate.value,
                    window_days: isNaN(days) ? 3 : days };
    request('follow_up_code', payload, function (res) {
      if (!res.ok) { s.refs.followUpCode.textContent = H.errorText(T.errors, res, false); return; }
      s.refs.followUpCode.textContent = format(T.follow_up_issued,
        { code: res.code, from: res.from, until: res.until });
      var appointment = s.form.querySelector('input[name="follow_up"][value="follow_up_appointment"]');
      if (appointment) appointment.checked = true;
    });
  }

  function fillSubcategories(s) {
    var key = s.refs.group.value;
    var group = cfg.taxonomy.target_groups.filter(function (g) { return g.key === key; })[0];
    var select = s.refs.sub;
    var first = select.options[0];
    var options = [first];
    if (group) {
      group.subcategories.forEach(function (sub) {
        var option = document.createElement('option');
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
    var referral = checkedValues(s.form, 'help_given').indexOf('referral') !== -1;
    show(s.refs.referral, referral);
    s.form.elements.referral_target.required = referral;
    s.form.elements.referral_region.required = referral;
  }

  function updateNoteCount(s) {
    var count = charCount(s.refs.note.value);
    s.refs.noteCount.textContent = format(T.count, { n: count, max: cfg.note_max });
    s.refs.noteCount.classList.toggle('over', count > cfg.note_max);
  }

  function checkedValues(form, name) {
    return Array.from(form.querySelectorAll('input[name="' + name + '"]:checked'))
      .map(function (input) { return input.value; });
  }

  function collectValues(s) {
    var f = s.form.elements;
    var help = checkedValues(s.form, 'help_given');
    var referral = help.indexOf('referral') !== -1;
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

  /* Problems found before sending: [message, element to focus]. */
  function checkValues(s, values) {
    var f = s.form.elements;
    var problems = [];
    if (!values.target_group) problems.push([T.need_group, f.target_group]);
    else if (!values.subcategory) problems.push([T.need_sub, f.subcategory]);
    if (!values.help_given.length) problems.push([T.need_help, s.refs.help.querySelector('input')]);
    else if (values.help_given.indexOf('referral') !== -1 &&
             (!values.referral_target || !values.referral_region)) {
      problems.push([T.need_referral, values.referral_target ? f.referral_region : f.referral_target]);
    }
    if (!values.follow_up) problems.push([T.need_follow_up, s.refs.followUp.querySelector('input')]);
    if (!values.risk) problems.push([T.need_risk, s.refs.risk.querySelector('input')]);
    var over = charCount(values.note) - cfg.note_max;
    if (over > 0) problems.push([format(T.note_too_long, { over: over, max: cfg.note_max }), s.refs.note]);
    return problems;
  }

  function showProblems(s, messages) {
    var items = messages.map(function (text) {
      var item = document.createElement('li');
      item.textContent = text;
      return item;
    });
    s.refs.errors.replaceChildren.apply(s.refs.errors, items);
    s.shown = messages.length > 0;
  }

  /* Once problems are shown, the list follows the form as it is corrected. */
  function recheck(s) {
    if (!s.shown) return;
    showProblems(s, checkValues(s, collectValues(s)).map(function (p) { return p[0]; }));
  }

  /* The server names fields by key ("follow_up: This field is required."): show labels. */
  function fieldLabel(s, key) {
    var field = s.form.elements[key];
    if (!field) return key;
    var label = field.labels && field.labels[0];
    if (!label) {
      var first = field.length !== undefined && !field.tagName ? field[0] : field;
      var box = first && first.closest('fieldset');
      label = box && box.querySelector('legend');
    }
    return label ? label.firstChild.textContent.trim() : key;
  }

  function serverProblems(s, message) {
    return String(message || '').split('; ').filter(Boolean).map(function (part) {
      var match = /^(\w+): (.*)$/.exec(part);
      return match ? fieldLabel(s, match[1]) + ': ' + match[2] : part;
    });
  }

  /* A note edited after the scrub step needs a fresh check: back to "File summary". */
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
  }

  function submitSummary(chat, confirmed) {
    var s = chat.summary;
    if (s.busy) return;
    var values = collectValues(s);
    var problems = checkValues(s, values);
    s.refs.formError.textContent = '';
    showProblems(s, problems.map(function (p) { return p[0]; }));
    if (problems.length) {
      if (problems[0][1]) problems[0][1].focus();
      return;
    }
    if (confirmed !== null && s.pending && values.note === s.pending.note) {
      values.note = s.pending.original; // the server checks the note it cleaned itself
    }
    var payload = { chat_id: chat.id, values: values };
    if (confirmed !== null) payload.confirmed_note = confirmed;
    setBusy(s, true);
    request('summary', payload, function (res) {
      setBusy(s, false);
      onSummaryAnswer(chat, values, res);
    });
  }

  function onSummaryAnswer(chat, values, res) {
    var s = chat.summary;
    if (res.ok) {
      setNotice(format(T.summary_filed, { chat: format(T.chat_n, { n: chat.number }) }));
      removeChat(chat);
      return;
    }
    if (res.code === 'confirm_scrub') { showScrub(s, values.note, res); return; }
    if (res.code === 'invalid_summary') {
      showProblems(s, serverProblems(s, res.message));
      s.refs.errors.scrollIntoView({ block: 'nearest' });
      return;
    }
    s.refs.formError.textContent = errorText(res);
  }

  function showScrub(s, original, res) {
    s.pending = { original: original, note: String(res.note || '') };
    var items = (res.removed || []).map(function (x) {
      var item = document.createElement('li');
      var kind = document.createElement('span');
      kind.className = 'removed-kind';
      kind.textContent = String(x.kind) + ': ';
      var text = document.createElement('span');
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
    var s = chat.summary;
    if (s.pending) submitSummary(chat, s.pending.note);
  }

  function onSummaryMissing(data) {
    var chat = data && chats.get(data.chat_id);
    if (!chat) return;
    setNotice(format(T.summary_missing, { chat: format(T.chat_n, { n: chat.number }) }));
    removeChat(chat);
  }

  /* ---------- the server's picture ---------- */

  function onState(state) {
    if (!state || state.ok === false) return;
    el.name.textContent = H.plain(state.name || el.name.textContent);
    if (state.role) el.role.textContent = T.roles[state.role] || state.role;
    applyPresence(state);
    var seenIds = new Set();
    var views = (state.chats || []).slice().sort(function (a, b) {
      return (seconds(a.assigned_at) || 0) - (seconds(b.assigned_at) || 0);
    });
    views.forEach(function (view) {
      if (upsertChat(view)) seenIds.add(view.chat_id);
    });
    Array.from(chats.values()).forEach(function (chat) {
      if (!seenIds.has(chat.id)) removeChat(chat);
    });
    renderLine(state.waiting, state.waiting_total);
    renderEmptyState();
  }

  function onChatAssigned(view) {
    var isNew = view && !chats.has(view.chat_id);
    var chat = upsertChat(view);
    if (chat && view.handover_note) showHandover(chat, view.handover_note);
    if (!chat || !isNew) return;
    if (chat.id !== selectedId) { chat.unread += 1; renderTab(chat); }
    attention('chat');
  }

  function onChatterConnection(data) {
    var chat = data && chats.get(data.chat_id);
    if (!chat) return;
    setChatterConnection(chat, Boolean(data.connected));
    if (data.lang && data.lang !== chat.view.lang) { // the chatter switched language
      chat.view.lang = data.lang;
      renderIntake(chat);
    }
  }

  function onTyping(data) {
    var chat = data && chats.get(data.chat_id);
    if (chat && chat.state === 'active') setChatterTyping(chat, Boolean(data.typing));
  }

  /* Errors answered by an ack are shown next to what failed; the rest go on the error line. */
  var ACKED = { duty: 1, capacity: 1, message: 1, end: 1, summary: 1 };

  function onServerError(err) {
    if (err && ACKED[err.event]) return;
    if (err && err.code === 'not_signed_in') { signedOut(); return; }
    setError(errorText(err));
  }

  /* ---------- transfer: to a colleague with room, or back to the line ---------- */

  var TR = JSON.parse(document.getElementById('transfer-config').textContent);
  ACKED.transfer = 1;
  ACKED.colleagues = 1;

  function wireTransfer(chat) {
    var r = chat.refs;
    r.transferButton.addEventListener('click', function () {
      if (r.transferForm.hidden) openTransfer(chat); else closeTransfer(chat, true);
    });
    r.transferCancel.addEventListener('click', function () { closeTransfer(chat, true); });
    r.transferNote.addEventListener('input', function () { updateTransferCount(chat); });
    r.transferForm.addEventListener('submit', function (event) {
      event.preventDefault();
      submitTransfer(chat);
    });
    updateTransferCount(chat);
  }

  function updateTransferCount(chat) {
    var count = charCount(chat.refs.transferNote.value);
    chat.refs.transferCount.textContent = format(T.count, { n: count, max: TR.note_max });
    chat.refs.transferCount.classList.toggle('over', count > TR.note_max);
  }

  function option(value, text, disabled) {
    var node = document.createElement('option');
    node.value = value;
    node.textContent = text;
    node.disabled = Boolean(disabled);
    return node;
  }

  /* Ask the server who is on duty with room right now, then show the form. */
  function openTransfer(chat) {
    var r = chat.refs;
    r.transferError.textContent = '';
    r.transferTo.replaceChildren(option('', TR.loading, true));
    show(r.transferForm, true);
    r.transferButton.setAttribute('aria-expanded', 'true');
    request('colleagues', {}, function (res) {
      var list = res.ok && Array.isArray(res.colleagues) ? res.colleagues : [];
      var options = list.map(function (c) {
        var full = !(c.free > 0);
        return option(String(c.id), format(full ? TR.colleague_full : TR.colleague_option,
          { name: c.name, free: c.free }), full);
      });
      options.push(option('line', TR.line_option, false));
      r.transferTo.replaceChildren.apply(r.transferTo, options);
      var first = options.filter(function (o) { return !o.disabled; })[0];
      r.transferTo.value = first ? first.value : 'line';
      if (!res.ok) r.transferError.textContent = errorText(res);
      else if (!list.some(function (c) { return c.free > 0; })) r.transferError.textContent = TR.no_colleagues;
      r.transferTo.focus();
    });
  }

  function closeTransfer(chat, focusButton) {
    var r = chat.refs;
    show(r.transferForm, false);
    r.transferButton.setAttribute('aria-expanded', 'false');
    r.transferError.textContent = '';
    if (focusButton) r.transferButton.focus();
  }

  function submitTransfer(chat) {
    var r = chat.refs;
    var note = cleanText(r.transferNote.value);
    var over = charCount(note) - TR.note_max;
    if (over > 0) {
      r.transferError.textContent = format(TR.note_too_long, { over: over, max: TR.note_max });
      r.transferNote.focus();
      return;
    }
    var target = r.transferTo.value;
    if (!target) return;
    var payload = { chat_id: chat.id, to: target === 'line' ? 'line' : Number(target) };
    if (note) payload.note = note;
    r.transferSubmit.disabled = true;
    request('transfer', payload, function (res) {
      r.transferSubmit.disabled = false;
      if (res.ok) { chatHandedOver(chat, res.to || null); return; }
      r.transferError.textContent = (res.code && TR.errors[res.code]) || errorText(res);
      if (res.code === 'no_capacity' || res.code === 'unknown_staff') openTransfer(chat);
    });
  }

  /* The chat left this console (this tab or another console of ours transferred it). */
  function chatHandedOver(chat, toName) {
    var label = format(T.chat_n, { n: chat.number });
    setNotice(toName ? format(TR.transferred_to, { chat: label, name: toName })
      : format(TR.transferred_line, { chat: label }));
    removeChat(chat);
  }

  function onChatTransferred(data) {
    var chat = data && chats.get(data.chat_id);
    if (chat) chatHandedOver(chat, data.to || null);
  }

  /* The private note from the colleague who handed the chat over: shown only here. */
  function showHandover(chat, handover) {
    var r = chat.refs;
    var from = String(handover.from || '');
    var text = String(handover.text || '');
    r.handoverFrom.textContent = format(text ? TR.handover_from : TR.handover_from_no_note,
      { name: from });
    r.handoverText.textContent = text;
    show(r.handoverText, Boolean(text));
    show(r.handover, true);
  }

  /* Signed out by a supervisor or by our own sign-out elsewhere: the socket closes next. */
  function onSignedOut(data) {
    var reason = data && data.reason;
    setError(TR.signed_out[reason] || TR.signed_out.default);
    Array.from(chats.values()).forEach(function (chat) {
      if (chat.state !== 'ended') removeChat(chat);
    });
    me.onDuty = false;
    renderPresence();
    signedOut();
  }

  function signedOut() { H.showSignedOut(el.conn, T, cfg.login_url); }

  function setConnected(up) {
    el.conn.textContent = up ? T.connected : T.reconnecting;
    el.conn.className = 'conn-state' + (up ? '' : ' down');
    el.duty.disabled = !up;
    el.capacity.disabled = !up;
  }

  function connect() {
    socket = io('/staff', { transports: ['websocket'] });
    socket.on('connect', function () { setConnected(true); });
    socket.on('disconnect', function (reason) {
      if (reason === 'io server disconnect') signedOut(); else setConnected(false);
      chats.forEach(function (chat) { stopOwnTyping(chat, false); });
    });
    socket.on('connect_error', function (err) {
      if (err && err.message === 'not_signed_in') signedOut(); else setConnected(false);
    });
    H.watchSession(socket, document.getElementById('session-notice'), T);
    socket.on('state', onState);
    socket.on('line', function (data) { renderLine(data && data.waiting, data && data.total); });
    socket.on('chat_assigned', onChatAssigned);
    socket.on('message', onMessage);
    socket.on('typing', onTyping);
    socket.on('chatter_connection', onChatterConnection);
    socket.on('chat_ended', onChatEnded);
    socket.on('summary_missing', onSummaryMissing);
    socket.on('error', onServerError);
    socket.on('chat_transferred', onChatTransferred);
    socket.on('signed_out', onSignedOut);
    socket.on('risk', onRisk);
    socket.on('risk_alert', onRiskAlert);
    socket.on('whisper', onWhisper);
    socket.on('colleague_joined', onColleagueJoined);
  }

  /* ---------- supervision: the risk flag, private notes, colleagues, risk alerts ---------- */

  var SV = JSON.parse(document.getElementById('supervision-config').textContent);
  ACKED.risk_flag = 1;

  function wireRisk(chat) {
    chat.refs.riskButton.addEventListener('click', function () { toggleRisk(chat); });
  }

  function renderRisk(chat) {
    var b = chat.refs.riskButton;
    var on = Boolean(chat.view && chat.view.risk);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.textContent = on ? SV.risk_on : SV.risk_off;
    show(b, chat.state === 'active');
  }

  function setRisk(chat, on) {
    chat.view.risk = Boolean(on);
    renderRisk(chat);
  }

  /* Raise or lower the flag: supervisors are alerted, the summary starts at potential risk. */
  function toggleRisk(chat) {
    var wanted = !(chat.view && chat.view.risk);
    var b = chat.refs.riskButton;
    b.disabled = true;
    request('risk_flag', { chat_id: chat.id, on: wanted }, function (res) {
      b.disabled = false;
      if (!res.ok) { chat.refs.composeError.textContent = errorText(res); return; }
      setRisk(chat, res.risk);
      setNotice(format(res.risk ? SV.risk_raised : SV.risk_lowered,
        { chat: format(T.chat_n, { n: chat.number }) }));
    });
  }

  /* Another console of ours changed the flag. */
  function onRisk(data) {
    var chat = data && chats.get(data.chat_id);
    if (chat) setRisk(chat, data.risk);
  }

  function prefillRisk(form, view) {
    if (!view.risk) return;
    var input = form.querySelector('input[name="risk"][value="potential_risk"]');
    if (input) input.checked = true;
  }

  /* Whispers and "a colleague joined": in the chat's panel, marked private, never stored. */
  function addPrivateNote(chat, heading, text, kind, id) {
    chat.noteIds = chat.noteIds || new Set();
    if (id && chat.noteIds.has(id)) return false;
    if (id) chat.noteIds.add(id);
    var item = document.createElement('li');
    item.className = 'private-note ' + kind;
    var label = document.createElement('span');
    label.className = 'private-label';
    label.textContent = heading;
    item.appendChild(label);
    if (text) item.appendChild(document.createTextNode(text));
    chat.refs.notes.appendChild(item);
    return true;
  }

  function onWhisper(data) {
    var chat = data && chats.get(data.chat_id);
    if (!chat || typeof data.text !== 'string') return;
    var heading = format(SV.whisper_from, { name: data.from || '' }) + ' · ' + timeLabel(data.ts) + ':';
    if (!addPrivateNote(chat, heading, ' ' + data.text, 'whisper', data.id)) return;
    if (chat.id !== selectedId) { chat.unread += 1; renderTab(chat); }
    attention('message');
  }

  function onColleagueJoined(data) {
    var chat = data && chats.get(data.chat_id);
    if (!chat) return;
    addPrivateNote(chat, format(SV.colleague_joined, { name: data.name || '' }), '', 'joined');
    chat.view.colleagues = (chat.view.colleagues || []).concat([{ staff_id: data.staff_id, name: data.name }]);
  }

  /* Supervisors' consoles: a potential-risk flag in anyone's chat. */
  function onRiskAlert(data) {
    var node = document.getElementById('risk-alert');
    if (!node || !data) return;
    node.textContent = format(SV.risk_alert, { therapist: data.therapist || '', time: timeLabel(data.at) });
    beep(true);
    if (document.hidden || !document.hasFocus()) document.title = '(!) ' + SV.title_risk + ' – ' + baseTitle;
  }

  /* Live clocks: time in line, chat durations. */
  function tick() {
    tickLine();
    chats.forEach(function (chat) { if (chat.state !== 'ended') renderIntake(chat); });
  }

  function init() {
    el.duty.addEventListener('change', onDutyChange);
    el.capacity.addEventListener('change', onCapacityChange);
    document.addEventListener('pointerdown', unlockAudio);
    document.addEventListener('keydown', unlockAudio);
    window.addEventListener('focus', seen);
    document.addEventListener('visibilitychange', function () { if (!document.hidden) seen(); });
    el.duty.disabled = true;
    el.capacity.disabled = true;
    renderPresence();
    renderEmptyState();
    setInterval(tick, 1000);
    connect();
  }

  init();
}());
