/* The supervisors' live overview: the line, who is on duty, the chats, today's counters,
 * risk alerts, and monitoring one chat (read-only, private notes, joining openly).
 * Pure parts live beside it: monitor-label.js (which of a therapist's chats is shown),
 * follow.js and monitor-scroll.js (the transcript keeps to its newest message).
 *
 * The server pushes the whole picture (`overview`) whenever it changes; the page only
 * renders it and keeps the clocks running. Every server string is rendered as text
 * (textContent), never as HTML.
 */
import * as H from '../lib/common.js';
import { alarm } from './alarm.js';
import { button, cell } from './cells.js';
import { chatPlace, monitorLabel } from './monitor-label.js';
import { moreWaiting, optionLabel } from './picture.js';
import { followTranscript } from './monitor-scroll.js';

(function () {

  const ACK_TIMEOUT_MS = 15000;
  const TYPING_SHOWN_MAX_MS = 15000;

  const $ = H.$, show = H.show, format = H.format, seconds = H.seconds, clock = H.clock;
  const unlockAudio = H.unlockAudio;

  const cfg = JSON.parse(document.getElementById('page-config').textContent);
  const T = cfg.strings;
  const lang = H.lang;
  const baseTitle = document.title;

  const el = {
    conn: $('conn-state'), open: $('chat-open'), error: $('ov-error'), notice: $('ov-notice'),
    riskBanner: $('risk-banner'), riskText: $('risk-text'), riskMonitor: $('risk-monitor'),
    riskDismiss: $('risk-dismiss'),
    todayDate: $('today-date'), answered: $('today-answered'), missed: $('today-missed'),
    wait: $('today-wait'), duration: $('today-duration'), reasons: $('today-reasons'),
    lineCount: $('line-count'), lineEmpty: $('line-empty'), lineBody: $('line-body'),
    lineMore: $('line-more'),
    lineTable: $('line-table'),
    staffCount: $('staff-count'), staffEmpty: $('staff-empty'), staffBody: $('staff-body'),
    staffTable: $('staff-table'),
    chatsCount: $('chats-count'), chatsEmpty: $('chats-empty'), chatsBody: $('chats-body'),
    chatsTable: $('chats-table'),
    panel: $('monitor-panel'), title: $('monitor-title'), state: $('monitor-state'),
    transcript: $('monitor-transcript'), typing: $('monitor-typing'), notes: $('monitor-notes'),
    whisperForm: $('whisper-form'), whisperText: $('whisper-text'), whisperError: $('whisper-error'),
    joinArea: $('join-area'), joinButton: $('join-button'), joinConfirm: $('join-confirm'),
    joinYes: $('join-yes'), joinNo: $('join-no'),
    colleagueForm: $('colleague-form'), colleagueText: $('colleague-text'),
    colleagueError: $('colleague-error'), unmonitor: $('unmonitor-button'),
    newMessages: $('monitor-new')
  };
  const follow = followTranscript(el.transcript, el.newMessages, function (n) {
    return format(n === 1 ? T.new_message : T.new_messages, { n: n });
  });

  let socket = null;
  let picture = null;           // the last overview
  let watched = null;           // {id, ids:Set, messages:[], joined, state, label}
  let pendingAlert = null;      // the risk alert shown in the banner
  let typingTimer = null;

  /* ---------- small helpers ---------- */

  function since(ts) {
    const t = seconds(ts);
    return t === null ? '–' : clock(Date.now() / 1000 - t);
  }

  /* No time from the server: the time it arrives. */
  function timeLabel(ts) {
    const t = seconds(ts);
    return H.timeLabel(t === null ? Date.now() / 1000 : t);
  }

  function label(section, key) {
    return optionLabel(cfg.taxonomy[section], key, lang, T.not_given);
  }

  /* A live clock cell: data-since is a Unix time; tick() keeps the text current. */
  function clockCell(row, ts) {
    const td = cell(row, since(ts), 'clock');
    if (seconds(ts) !== null) td.dataset.since = String(seconds(ts));
    return td;
  }

  /* Our wording for a known code, else the server's message. */
  function errorText(res) { return H.errorText(T.errors, res, true); }

  function setError(text) { el.error.textContent = text || ''; }

  function setNotice(text) { el.notice.textContent = text || ''; }

  /* request(): how long to wait for an ack, and the texts of its own two failures. */
  const ACK = { timeout: ACK_TIMEOUT_MS, offline: T.reconnecting, timedOut: T.not_sent };

  function request(event, payload, done) { H.request(socket, event, payload, ACK, done); }

  /* ---------- the picture ---------- */

  function render(data) {
    if (!data || data.ok === false) return;
    picture = data;
    el.open.textContent = data.open ? T.chat_open : T.chat_closed;
    renderToday(data.today || {});
    renderLine(data.waiting || [], data.waiting_total);
    renderStaff(data.staff || []);
    renderChats(data.chats || []);
    if (watched) renderWatchedState();
  }

  function renderToday(today) {
    el.todayDate.textContent = today.date ? '(' + today.date + ')' : '';
    el.answered.textContent = String(today.answered || 0);
    el.missed.textContent = String(today.missed_total || 0);
    const w = seconds(today.average_wait_seconds), d = seconds(today.average_duration_seconds);
    el.wait.textContent = w === null ? '–' : clock(w);
    el.duration.textContent = d === null ? '–' : clock(d);
    const missed = today.missed || {};
    const items = cfg.reasons.map(function (pair) {
      const item = document.createElement('li');
      item.dataset.reason = pair[0];
      item.textContent = pair[1] + ': ' + String(missed[pair[0]] || 0);
      return item;
    });
    el.reasons.replaceChildren.apply(el.reasons, items);
  }

  function renderLine(rows, total) {
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
    fillTable('line', items, total);
    const more = moreWaiting(total, rows.length);
    el.lineMore.textContent = format(T.line_more, { n: more });
    show(el.lineMore, more > 0);
  }

  /* Put a section's rows in its table, its count in the heading, and show the table
     or the "none" line (sections: line, staff, chats). */
  function fillTable(section, items, total) {
    el[section + 'Body'].replaceChildren.apply(el[section + 'Body'], items);
    el[section + 'Count'].textContent = String(typeof total === 'number' ? total : items.length);
    show(el[section + 'Empty'], items.length === 0);
    show(el[section + 'Table'], items.length > 0);
  }

  function renderStaff(rows) {
    const items = rows.map(function (s) {
      const row = document.createElement('tr');
      row.dataset.staffId = s.staff_id;
      cell(row, H.plain(s.name));
      cell(row, format(T.load, { load: s.load, capacity: s.capacity }));
      clockCell(row, s.load ? null : s.idle_since);
      return row;
    });
    fillTable('staff', items);
  }

  function renderChats(rows) {
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
      const actions = cell(row, '', 'actions');
      if (c.state === 'active') {
        const what = format(T.chat_of, { name: c.therapist || '–' });
        actions.appendChild(button(T.monitor, 'secondary', function () { monitor(c.chat_id, what); }));
        actions.appendChild(button(T.whisper, 'secondary', function () {
          monitor(c.chat_id, what, function () { el.whisperText.focus(); });
        }));
        if (String(c.staff_id) !== cfg.me) {
          actions.appendChild(button(T.join, 'secondary', function () {
            monitor(c.chat_id, what, function () { setJoinConfirm(true); });
          }));
        }
      }
      return row;
    });
    fillTable('chats', items);
  }

  function tick() {
    document.querySelectorAll('[data-since]').forEach(function (node) {
      node.textContent = since(node.dataset.since);
    });
  }

  /* ---------- triage ---------- */

  function triage(chatId) {
    request('triage', { chat_id: chatId }, function (res) {
      if (res.ok) { setError(''); setNotice(T.moved); } else setError(errorText(res));
    });
  }

  /* Take a waiting chat (a bot holding a place) out of the line; its token stops working. */
  function removeWaiting(w) {
    if (!window.confirm(format(T.confirm_remove, { n: w.position }))) return;
    request('remove_waiting', { chat_id: w.chat_id }, function (res) {
      if (res.ok) { setError(''); setNotice(T.removed); } else setError(errorText(res));
    });
  }

  /* ---------- risk alerts ---------- */

  function onRiskAlert(alert) {
    if (!alert || !alert.chat_id) return;
    pendingAlert = alert;
    el.riskText.textContent = format(T.risk_alert, {
      therapist: alert.therapist || '–', time: timeLabel(alert.at)
    });
    show(el.riskBanner, true);
    document.title = '(!) ' + T.title_risk + ' – ' + baseTitle;
    alarm();
  }

  function dismissRisk() {
    pendingAlert = null;
    show(el.riskBanner, false);
    document.title = baseTitle;
  }

  /* ---------- monitoring one chat ---------- */

  function messageNode(m) {
    const who = m.sender === 'chatter' ? T.chatter
      : (m.sender === 'colleague' ? format(T.colleague, { name: m.name || '' }) : (m.name || ''));
    return H.messageNode(m, who, timeLabel(m.ts));
  }

  function addMessage(m) {
    if (!watched || !H.insertMessage(watched, el.transcript, m, messageNode)) return;
    follow.added();
    if (m.sender === 'chatter') setTyping(false);
  }

  function addNote(text, className, id) {
    if (id && watched && watched.notes.has(id)) return;
    if (id && watched) watched.notes.add(id);
    const item = document.createElement('li');
    item.className = 'private-note ' + (className || '');
    item.textContent = text;
    el.notes.appendChild(item);
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    el.typing.textContent = on ? T.typing : '';
    if (on) typingTimer = setTimeout(function () { setTyping(false); }, TYPING_SHOWN_MAX_MS);
  }

  /* The title names the therapist and which of their chats this is ("Anna: chat 2 of 3"). */
  function renderTitle() {
    const place = picture ? chatPlace(picture.chats, watched.id) : null;
    if (place) watched.label = monitorLabel(place, T, format, timeLabel);
    el.title.textContent = watched.label;
  }

  function renderWatchedState() {
    renderTitle();
    const row = picture && (picture.chats || []).filter(function (c) { return c.chat_id === watched.id; })[0];
    if (row && watched.state !== 'ended') watched.state = row.state;
    const active = watched.state === 'active';
    el.state.textContent = watched.state === 'ended' ? T.ended : (T['state_' + watched.state] || '');
    show(el.whisperForm, active);
    show(el.joinArea, active && !watched.joined && !watched.own);
    show(el.colleagueForm, active && watched.joined);
  }

  function setJoinConfirm(open) {
    show(el.joinConfirm, open);
    show(el.joinButton, !open);
    if (open) el.joinNo.focus();
  }

  function resetPanel() {
    el.transcript.replaceChildren();
    follow.reset();
    el.notes.replaceChildren();
    el.whisperError.textContent = '';
    el.colleagueError.textContent = '';
    setTyping(false);
    setJoinConfirm(false);
  }

  /* Open a chat read-only; the server records it and answers with the history. */
  function monitor(chatId, what, then) {
    const same = watched && watched.id === chatId;
    if (watched && !same) request('unmonitor', { chat_id: watched.id }, function () {});
    request('monitor', { chat_id: chatId }, function (res) {
      if (!res.ok) { setError(errorText(res)); return; }
      setError('');
      const view = res.chat || {};
      if (!same) {
        resetPanel();
        watched = { id: chatId, ids: new Set(), messages: [], notes: new Set(), joined: false };
      }
      watched.label = what || watched.label || '';
      watched.state = view.state;
      watched.own = String(view.staff_id) === cfg.me;
      watched.joined = (view.colleagues || []).some(function (c) { return String(c.staff_id) === cfg.me; });
      show(el.panel, true);
      (view.messages || []).forEach(addMessage);
      renderWatchedState();
      el.panel.scrollIntoView({ block: 'start' });
      if (!same) follow.reset();
      if (then) then();
    });
  }

  function stopMonitoring() {
    if (!watched) return;
    request('unmonitor', { chat_id: watched.id }, function () {});
    watched = null;
    resetPanel();
    show(el.panel, false);
  }

  function sendWhisper(event) {
    event.preventDefault();
    if (!watched) return;
    const text = el.whisperText.value.trim();
    if (!text) return;
    request('whisper', { chat_id: watched.id, text: text }, function (res) {
      if (!res.ok) { el.whisperError.textContent = errorText(res); return; }
      el.whisperError.textContent = '';
      el.whisperText.value = '';
    });
  }

  function join() {
    setJoinConfirm(false);
    if (!watched) return;
    request('join', { chat_id: watched.id }, function (res) {
      if (!res.ok) { setError(errorText(res)); return; }
      watched.joined = true;
      addNote(T.you_joined, 'joined');
      renderWatchedState();
      el.colleagueText.focus();
    });
  }

  function sendColleagueMessage(event) {
    event.preventDefault();
    if (!watched) return;
    const text = el.colleagueText.value.trim();
    if (!text) return;
    const chatId = watched.id;
    request('colleague_message', { chat_id: chatId, text: text }, function (res) {
      if (!res.ok) { el.colleagueError.textContent = errorText(res); return; }
      el.colleagueError.textContent = '';
      el.colleagueText.value = '';
      if (watched && watched.id === chatId) {
        addMessage({ id: res.id, sender: 'colleague', text: text, ts: Date.now() / 1000, name: cfg.my_name || '' });
      }
    });
  }

  /* ---------- events of the watched chat ---------- */

  function forWatched(data) { return watched && data && data.chat_id === watched.id; }

  function onMessage(data) { if (forWatched(data)) addMessage(data); }

  function onTyping(data) { if (forWatched(data)) setTyping(Boolean(data.typing)); }

  function onWhisper(data) {
    if (!forWatched(data)) return;
    addNote(format(T.whisper_from, { name: data.from || '' }) + ' · ' + timeLabel(data.ts) + ': ' +
      String(data.text), 'whisper', data.id);
  }

  function onColleagueJoined(data) {
    if (!forWatched(data) || String(data.staff_id) === cfg.me) return;
    addNote(format(T.colleague_joined, { name: data.name || '' }), 'joined');
  }

  function onChatEnded(data) {
    if (!forWatched(data)) return;
    watched.state = 'ended';
    setTyping(false);
    renderWatchedState();
  }

  /* ---------- the socket ---------- */

  function signedOut() { H.showSignedOut(el.conn, T, cfg.login_url); }

  function setConnected(up) {
    el.conn.textContent = up ? T.connected : T.reconnecting;
    el.conn.className = 'conn-state' + (up ? '' : ' down');
  }

  function onConnect() {
    setConnected(true);
    request('overview', {}, function (res) {
      if (res.ok) render(res); else setError(errorText(res));
    });
    // Rooms do not survive a reconnect: open the watched chat again (recorded again).
    if (watched) monitor(watched.id, watched.label);
  }

  function connect() {
    socket = io('/staff', { transports: ['websocket'] });
    socket.on('connect', onConnect);
    socket.on('disconnect', function (reason) {
      if (reason === 'io server disconnect') signedOut(); else setConnected(false);
    });
    socket.on('connect_error', function (err) {
      if (err && err.message === 'not_signed_in') signedOut(); else setConnected(false);
    });
    H.watchSession(socket, document.getElementById('session-notice'), T);
    socket.on('overview', render);
    socket.on('risk_alert', onRiskAlert);
    socket.on('message', onMessage);
    socket.on('typing', onTyping);
    socket.on('whisper', onWhisper);
    socket.on('colleague_joined', onColleagueJoined);
    socket.on('chat_ended', onChatEnded);
  }

  function init() {
    document.addEventListener('pointerdown', unlockAudio);
    document.addEventListener('keydown', unlockAudio);
    el.riskDismiss.addEventListener('click', dismissRisk);
    el.riskMonitor.addEventListener('click', function () {
      if (!pendingAlert) return;
      const alert = pendingAlert;
      dismissRisk();
      monitor(alert.chat_id, format(T.chat_of, { name: alert.therapist || '–' }));
    });
    el.whisperForm.addEventListener('submit', sendWhisper);
    el.colleagueForm.addEventListener('submit', sendColleagueMessage);
    el.joinButton.addEventListener('click', function () { setJoinConfirm(true); });
    el.joinNo.addEventListener('click', function () { setJoinConfirm(false); el.joinButton.focus(); });
    el.joinYes.addEventListener('click', join);
    el.unmonitor.addEventListener('click', stopMonitoring);
    [el.whisperText, el.colleagueText].forEach(function (box) {
      box.addEventListener('keydown', function (event) {
        if (H.isSendKey(event)) {
          event.preventDefault();
          box.form.requestSubmit();
        }
      });
    });
    show(el.lineTable, false);
    show(el.staffTable, false);
    show(el.chatsTable, false);
    setInterval(tick, 1000);
    connect();
  }

  init();
}());
