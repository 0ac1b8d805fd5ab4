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

  var cfg = JSON.parse(document.getElementById('page-config').textContent);
  var T = cfg.strings;
  var lang = document.documentElement.lang || 'en';
  var baseTitle = document.title;

  function $(id) { return document.getElementById(id); }

  var el = {
    name: $('me-name'), role: $('me-role'), duty: $('duty-toggle'), dutyState: $('duty-state'),
    capacity: $('capacity'), load: $('load'), conn: $('conn-state'),
    error: $('console-error'), notice: $('console-notice'),
    lineCount: $('line-count'), lineEmpty: $('line-empty'), lineList: $('line-list'),
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

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function show(node, visible) { node.hidden = !visible; }

  function charCount(text) { return Array.from(text).length; }

  function cleanText(text) {
    return text.replace(/\r\n?/g, '\n')
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
      .trim();
  }

  function compareIds(a, b) {
    var pa = a.split('-'), pb = b.split('-');
    for (var i = 0; i < 2; i += 1) {
      var x = pa[i] || '0', y = pb[i] || '0';
      if (x.length !== y.length) return x.length - y.length;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }

  function seconds(value) {
    var n = typeof value === 'number' ? value : parseFloat(value);
    return isFinite(n) ? n : null;
  }

  function clock(totalSeconds) {
    var s = Math.max(0, Math.floor(totalSeconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ':' : '') + String(m).padStart(2, '0') + ':' + String(r).padStart(2, '0');
  }

  function span(from, to) {
    var a = seconds(from), b = seconds(to);
    return a === null || b === null ? '–' : clock(b - a);
  }

  function timeLabel(ts) {
    var date = new Date((seconds(ts) || Date.now() / 1000) * 1000);
    try {
      return date.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
    } catch (e) {
      return date.toTimeString().slice(0, 5);
    }
  }

  function errorText(res) {
    if (res && res.code && T.errors[res.code]) return T.errors[res.code];
    return (res && res.message) || T.errors.default;
  }

  function setError(text) { el.error.textContent = text || ''; }

  function setNotice(text) { el.notice.textContent = text || ''; }

  /* Taxonomy labels by section and key, in the page's language. */
  var labels = (function () {
    var out = {};
    Object.keys(cfg.taxonomy).forEach(function (section) {
      out[section] = {};
      cfg.taxonomy[section].forEach(function (option) {
        out[section][option.key] = lang === 'nl' ? option.label_nl : option.label;
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

  var audio = null;
  var unseen = 0;

  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) {
      try { audio = new Ctx(); } catch (e) { audio = null; }
    }
    if (audio && audio.state === 'suspended') audio.resume().catch(function () {});
  }

  function tone(frequency, start, length) {
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
    if (!audio || audio.state !== 'running') return; // blocked until a first click: fine
    var now = audio.currentTime;
    tone(880, now, 0.18);
    if (twice) tone(1175, now + 0.22, 0.22);
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

  function renderPresence() {
    el.duty.checked = me.onDuty;
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
    request('duty', { on: wanted, capacity: Number(el.capacity.value) }, function (res) {
      el.duty.disabled = false;
      if (res.ok) applyPresence(res); else renderPresence();
    });
  }

  function onCapacityChange() {
    request('capacity', { capacity: Number(el.capacity.value) }, function (res) {
      if (res.ok) applyPresence(res); else renderPresence();
    });
  }

  /* Emit with an ack; failures (and a timeout) show on the error line. */
  function request(event, payload, done) {
    if (!socket || !socket.connected) {
      setError(T.reconnecting);
      done({ ok: false, code: 'offline', message: T.reconnecting });
      return;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, function (err, res) {
      if (err) res = { ok: false, code: 'timeout', message: T.not_sent };
      res = res || { ok: false };
      if (res.ok) setError('');
      done(res);
    });
  }

  /* ---------- waiting line ---------- */

  function renderLine(waiting) {
    var rows = Array.isArray(waiting) ? waiting : [];
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
      item.append(pos, time, intake);
      return item;
    });
    el.lineList.replaceChildren.apply(el.lineList, items);
    el.lineCount.textContent = String(rows.length);
    show(el.lineEmpty, rows.length === 0);
    if (rows.length !== lastLineSize) {
      lastLineSize = rows.length;
      el.lineAnnounce.textContent = format(T.line_count, { n: rows.length });
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

    wireCompose(chat);
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
    return chat;
  }

  function renderIntake(chat) {
    var v = chat.view;
    chat.refs.age.textContent = intakeLabel('age_bands', v.age_band);
    chat.refs.gender.textContent = intakeLabel('genders', v.gender);
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

  function validMessage(m) {
    return m && typeof m.id === 'string' && /^\d+-\d+$/.test(m.id) &&
      typeof m.text === 'string' && (m.sender === 'chatter' || m.sender === 'therapist');
  }

  function messageNode(m) {
    var item = document.createElement('li');
    item.className = 'msg msg-' + m.sender;
    item.dataset.id = m.id;
    var meta = document.createElement('p');
    meta.className = 'msg-meta';
    var who = m.sender === 'chatter' ? T.chatter : (m.name || T.you);
    meta.textContent = who + ' · ' + timeLabel(m.ts);
    var text = document.createElement('p');
    text.className = 'msg-text';
    text.textContent = m.text;
    item.append(meta, text);
    return item;
  }

  /* Add a message once, in id order; returns true when it was new. */
  function addMessage(chat, m) {
    if (!validMessage(m) || chat.ids.has(m.id)) return false;
    var index = chat.messages.length;
    while (index > 0 && compareIds(chat.messages[index - 1], m.id) > 0) index -= 1;
    chat.messages.splice(index, 0, m.id);
    chat.ids.add(m.id);
    var list = chat.refs.transcript;
    list.insertBefore(messageNode(m), list.children[index] || null);
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
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
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
    var count = charCount(cleanText(r.input.value));
    var over = count - cfg.max_chars;
    r.counter.textContent = format(T.count, { n: count, max: cfg.max_chars });
    r.counter.classList.toggle('over', over > 0);
    r.input.setAttribute('aria-invalid', over > 0 ? 'true' : 'false');
    if (over > 0) {
      r.composeError.textContent = format(T.too_long, { over: over, max: cfg.max_chars });
      r.composeError.dataset.kind = 'length';
    } else if (r.composeError.dataset.kind === 'length') {
      r.composeError.textContent = '';
      r.composeError.dataset.kind = '';
    }
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
    if (reason || !wasEnded) {
      r.endedNote.textContent = endedText(by || chat.view.ended_by, reason || chat.view.end_reason);
    }
    show(r.endedNote, true);
    setChatterConnection(chat, false);
    renderIntake(chat);
    if (!chat.summary) buildSummary(chat);
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
    s.refs.group.addEventListener('change', function () { fillSubcategories(s); });
    form.addEventListener('change', function () { updateReferral(s); });
    s.refs.note.addEventListener('input', function () { updateNoteCount(s); onNoteEdited(s); });
    form.addEventListener('input', function () { recheck(s); });
    form.addEventListener('change', function () { recheck(s); });
    form.addEventListener('submit', function (event) { event.preventDefault(); submitSummary(chat, null); });
    s.refs.confirm.addEventListener('click', function () { confirmScrub(chat); });
    updateNoteCount(s);
    chat.refs.summarySlot.appendChild(form);
    chat.refs.columns.classList.add('with-summary');
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
        option.textContent = lang === 'nl' ? sub.label_nl : sub.label;
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
      note: s.refs.note.value.trim()
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
    el.name.textContent = state.name || el.name.textContent;
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
    renderLine(state.waiting);
    renderEmptyState();
  }

  function onChatAssigned(view) {
    var isNew = view && !chats.has(view.chat_id);
    var chat = upsertChat(view);
    if (!chat || !isNew) return;
    if (chat.id !== selectedId) { chat.unread += 1; renderTab(chat); }
    attention('chat');
  }

  function onChatterConnection(data) {
    var chat = data && chats.get(data.chat_id);
    if (chat) setChatterConnection(chat, Boolean(data.connected));
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

  function signedOut() {
    el.conn.textContent = '';
    el.conn.className = 'conn-state down';
    var text = document.createTextNode(T.signed_out + ' ');
    var link = document.createElement('a');
    link.href = cfg.login_url;
    link.textContent = T.sign_in_again;
    el.conn.append(text, link);
  }

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
    socket.on('state', onState);
    socket.on('line', function (data) { renderLine(data && data.waiting); });
    socket.on('chat_assigned', onChatAssigned);
    socket.on('message', onMessage);
    socket.on('typing', onTyping);
    socket.on('chatter_connection', onChatterConnection);
    socket.on('chat_ended', onChatEnded);
    socket.on('summary_missing', onSummaryMissing);
    socket.on('error', onServerError);
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
