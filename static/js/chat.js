/* The anonymous chatter's page: intake, waiting line, chat, closing screen, quick exit.
 *
 * Privacy rules kept here: no cookie, no localStorage. The only thing kept is the
 * resume token, the last message id and the rendered messages, in sessionStorage
 * (this tab only), and it is cleared when the chat ends or on quick exit. One more
 * flag, also in sessionStorage: this tab was already counted as a missed contact
 * (turned away, or left the line unanswered), so later attempts send `counted: true`
 * and the helpline counts the tab once; it holds no identifier.
 * Every server string is rendered as text (textContent), never as HTML.
 */
(function () {
  'use strict';

  var STORE_KEY = 'helpline.chat';
  var COUNTED_KEY = 'helpline.counted';
  var UNAVAILABLE = { closed: 1, nobody_on_duty: 1, at_capacity: 1 };
  var QUICK_EXIT_ACK_MS = 300;
  var ACK_TIMEOUT_MS = 10000;
  var TYPING_REPEAT_MS = 2000;
  var TYPING_IDLE_MS = 3000;
  var TYPING_SHOWN_MAX_MS = 15000;

  var H = window.HelplineCommon; // shared helpers: static/js/lib/common.js
  var $ = H.$, show = H.show, format = H.format, charCount = H.charCount, cleanText = H.cleanText;

  /* ---------- language: ?lang= wins, else this tab's earlier choice (sessionStorage) ---------- */
  var LANG_KEY = 'helpline.lang', DRAFT_KEY = 'helpline.draft';
  var urlLang = new URLSearchParams(window.location.search).get('lang');
  try {
    if (urlLang) {
      sessionStorage.setItem(LANG_KEY, document.documentElement.lang);
    } else if (sessionStorage.getItem(LANG_KEY) &&
               sessionStorage.getItem(LANG_KEY) !== document.documentElement.lang) {
      window.location.replace('?lang=' + encodeURIComponent(sessionStorage.getItem(LANG_KEY)));
      return;
    }
  } catch (e) { /* storage blocked: the browser's language it is */ }

  var cfg = JSON.parse(document.getElementById('page-config').textContent);
  var T = cfg.strings;
  var lang = H.lang; // changes when the chatter switches language (switchLanguage)
  var CHAT_LANGUAGES = ['nl', 'en', 'fr'];

  var el = {
    connNotice: $('conn-notice'),
    intro: $('screen-intro'), chat: $('screen-chat'), closed: $('screen-closed'),
    unavailable: $('screen-unavailable'), unavailableHeading: $('unavailable-heading'),
    unavailableReason: $('unavailable-reason'), unavailableHours: $('unavailable-hours'),
    unavailableChannels: $('unavailable-channels'),
    startForm: $('start-form'), startButton: $('start-button'), startError: $('start-error'),
    startStatus: $('start-status'),
    introChannels: $('intro-channels'),
    chatHeading: $('chat-heading'), statusMain: $('status-main'), statusDetail: $('status-detail'),
    noStaff: $('no-staff'), transcript: $('transcript'), typing: $('typing'),
    compose: $('compose'), input: $('message'), counter: $('char-count'),
    sendButton: $('send-button'), error: $('chat-error'),
    endButton: $('end-button'), endConfirm: $('end-confirm'), endConfirmText: $('end-confirm-text'),
    endYes: $('end-yes'), endNo: $('end-no'),
    closedHeading: $('closed-heading'), closedReason: $('closed-reason'), newChat: $('new-chat'),
    quickExit: $('quick-exit')
  };

  /* ---------- small helpers ---------- */

  /* Only this page's own wording: never the server's message text. */
  function errorText(res) { return H.errorText(T.errors, res, false); }

  /* ---------- the tab's memory (sessionStorage only) ---------- */

  var chat = freshChat();

  function freshChat() {
    return {
      token: null, state: null, therapist: null, bound: false, endedShown: false,
      messages: [], ids: new Set()
    };
  }

  function lastId() {
    return chat.messages.length ? chat.messages[chat.messages.length - 1].id : null;
  }

  function saveChat() {
    if (!chat.token) return;
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify({
        token: chat.token, lastId: lastId(), messages: chat.messages
      }));
    } catch (e) { /* storage full or blocked: the chat still works, a reload loses it */ }
  }

  function loadChat() {
    try {
      var data = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
      if (data && typeof data.token === 'string' && Array.isArray(data.messages)) return data;
    } catch (e) { /* unreadable: start afresh */ }
    return null;
  }

  function forgetChat() {
    try { sessionStorage.removeItem(STORE_KEY); } catch (e) { /* nothing stored */ }
  }

  /* This tab is in the missed-contact ledger already: count it once. After a quick
     exit nothing at all is kept, not even this flag. */
  function markCounted() {
    if (exiting) return;
    try { sessionStorage.setItem(COUNTED_KEY, '1'); } catch (e) { /* blocked: counted again */ }
  }

  function isCounted() {
    try { return sessionStorage.getItem(COUNTED_KEY) === '1'; } catch (e) { return false; }
  }

  /* ---------- screens ---------- */

  function showScreen(name) {
    show(el.intro, name === 'intro');
    show(el.chat, name === 'chat');
    show(el.closed, name === 'closed');
    show(el.unavailable, name === 'unavailable');
  }

  /* `kind` marks an error the page clears by itself (the length warning). */
  function setError(text, kind) {
    el.error.textContent = text || '';
    el.error.dataset.kind = text ? (kind || '') : '';
  }

  /* While the socket is down: the chat is kept for the grace period, then it ends. */
  function setConnNotice(visible) {
    if (visible) {
      var grace = Number(cfg.grace_seconds) || 0;
      var text = T.reconnecting;
      if (chat.token && grace >= 120) text = format(T.kept_minutes, { n: Math.floor(grace / 60) });
      else if (chat.token && grace > 0) text = format(T.kept_seconds, { n: grace });
      el.connNotice.textContent = text;
    }
    show(el.connNotice, visible);
  }

  function renderStatus() {
    setEndConfirm(false);
    if (chat.state === 'active') {
      var name = chat.therapist || T.therapist;
      el.chatHeading.textContent = format(T.chat_heading, { name: name });
      el.statusMain.textContent = format(T.talking_with, { name: name });
      el.statusDetail.textContent = '';
      show(el.noStaff, false);
      el.endButton.textContent = T.end;
    } else if (chat.state === 'waiting') {
      el.chatHeading.textContent = T.waiting_heading;
      el.endButton.textContent = T.leave;
    } else {
      el.chatHeading.textContent = T.waiting_heading;
      el.statusMain.textContent = T.resuming;
      el.statusDetail.textContent = '';
    }
  }

  var lastPosition = null; // the last place in line, to word it again after a switch

  function renderPosition(info) {
    if (chat.state !== 'waiting' || !info) return;
    lastPosition = info;
    var pos = info.position;
    var wait = info.expected_wait_minutes;
    var nobody = wait === null && info.staff_on_duty === false;
    var closedNow = nobody && info.open === false;
    var main = '';
    if (typeof pos === 'number') main = pos <= 1 ? T.position_next : format(T.position, { n: pos });
    var detail;
    if (closedNow) detail = T.closed_while_waiting;
    else if (nobody) detail = T.no_staff;
    else if (typeof wait !== 'number') detail = T.wait_unknown;
    else if (wait < 1) detail = T.wait_less;
    else if (wait === 1) detail = T.wait_one;
    else detail = format(T.wait_many, { n: wait });
    el.statusMain.textContent = main;
    el.statusDetail.textContent = closedNow ? detail : detail + ' ' + T.waiting_hint;
    show(el.noStaff, nobody);
  }

  /* ---------- transcript ---------- */

  /* A message without a numeric time is shown at the time it arrives. */
  function timeLabel(ts) {
    return H.timeLabel(typeof ts === 'number' ? ts : Date.now() / 1000);
  }

  function messageNode(m) {
    var who = m.sender === 'chatter' ? T.you : (m.name || chat.therapist || T.therapist);
    if (m.sender === 'colleague') who = format(SUPERVISION.colleague, { name: m.name || '' });
    return H.messageNode(m, who, timeLabel(m.ts));
  }

  /* What the tab keeps of a message (sessionStorage): what the transcript shows. */
  function storedRecord(m) {
    return { id: m.id, sender: m.sender, text: m.text, ts: m.ts, name: m.name || '' };
  }

  /* Add one message once, in id order; returns true when it was new. */
  function addMessage(m, persist) {
    if (!H.insertMessage(chat, el.transcript, m, messageNode, storedRecord)) return false;
    if (m.sender === 'therapist') setTherapistTyping(false);
    if (persist !== false) saveChat();
    scrollToEnd();
    return true;
  }

  function scrollToEnd() {
    var last = el.transcript.lastElementChild;
    if (last && last.scrollIntoView) last.scrollIntoView({ block: 'nearest' });
  }

  var typingHideTimer = null;

  function setTherapistTyping(on) {
    clearTimeout(typingHideTimer);
    el.typing.textContent = on ? format(T.typing, { name: chat.therapist || T.therapist }) : '';
    if (on) typingHideTimer = setTimeout(function () { setTherapistTyping(false); }, TYPING_SHOWN_MAX_MS);
  }

  /* ---------- the socket ---------- */

  var socket = null;
  var pendingStart = null;

  function connect() {
    if (socket) return socket;
    socket = io('/chat', { transports: ['websocket'], query: { lang: lang } });
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('connect_error', function () { if (chat.token || pendingStart) setConnNotice(true); });
    socket.on('position', renderPosition);
    socket.on('assigned', onAssigned);
    socket.on('message', function (m) { addMessage(m); });
    socket.on('typing', function (data) { setTherapistTyping(Boolean(data && data.typing)); });
    socket.on('ended', onEnded);
    socket.on('transferred', onTransferred);
    socket.on('colleague_joined', onColleagueJoined);
    socket.on('assigned', onReassigned);
    socket.on('error', onServerError);
    socket.on('follow_up_code', onFollowUpCode);
    return socket;
  }

  function closeSocket() {
    if (!socket) return;
    socket.off();
    socket.disconnect();
    socket = null;
  }

  function onConnect() {
    setConnNotice(false);
    if (pendingStart && pendingStart.ready && !pendingStart.sent) sendStart();
    else if (chat.token && chat.state !== 'ended') sendResume();
  }

  function onDisconnect(reason) {
    chat.bound = false;
    stopOwnTyping(false);
    if (reason !== 'io client disconnect' && chat.token) setConnNotice(true);
  }

  /* Errors answered by an ack are handled there; the rest are shown on the error line. */
  var ACKED = { start: 1, resume: 1, message: 1, end: 1, quick_exit: 1 };

  function onServerError(err) {
    if (err && ACKED[err.event]) return;
    if (err && err.code === 'not_joined') return; // a typing signal raced a reconnect
    if (err && err.event === 'typing') return; // e.g. raced the end: the `ended` event says it
    setError(errorText(err));
  }

  /* ---------- start ---------- */

  function checkedValue(name) {
    var input = el.startForm.querySelector('input[name="' + name + '"]:checked');
    return input && input.value ? input.value : null;
  }

  function onStartSubmit(event) {
    event.preventDefault();
    if (pendingStart) return;
    el.startError.textContent = '';
    show(el.introChannels, false);
    el.startButton.disabled = true;
    var code = lang.slice(0, 2).toLowerCase();
    var payload = { age_band: checkedValue('age_band'), gender: checkedValue('gender') };
    if (CHAT_LANGUAGES.indexOf(code) !== -1) payload.lang = code;
    if (isCounted()) payload.counted = true;
    var followUp = $('follow-up-code').value.trim();
    if (followUp) payload.follow_up_code = followUp;
    var pending = pendingStart = { payload: payload, sent: false, ready: false };
    connect();
    if (!proof.solution) el.startStatus.textContent = T.preparing; // only if not done yet
    takeProof(function (solution) {
      if (pendingStart !== pending) return;
      el.startStatus.textContent = '';
      pending.payload.pow = solution; // null if no challenge could be had: the server says so
      pending.ready = true;
      if (socket && socket.connected) sendStart();
    });
  }

  /* ---------- proof of work: solved in the background while the chatter reads ---------- */

  var proof = { solution: null, worker: null, waiting: null, readyAt: 0 };

  /* Fetch a challenge (GET /challenge) and solve it in static/js/pow-worker.js. */
  function prepareProof() {
    if (proof.worker || proof.solution) return;
    var worker;
    try { worker = new Worker(cfg.pow_worker); } catch (e) { finishProof(null, null); return; }
    proof.worker = worker;
    worker.onmessage = function (e) {
      finishProof(worker, e.data && !e.data.error ? e.data : null);
    };
    worker.onerror = function () { finishProof(worker, null); };
    fetch(cfg.challenge_url, { cache: 'no-store', credentials: 'omit' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('challenge')); })
      .then(function (challenge) { worker.postMessage(challenge); })
      .catch(function () { finishProof(worker, null); });
  }

  function finishProof(worker, solution) {
    if (worker !== proof.worker) return;
    if (worker) worker.terminate();
    proof.worker = null;
    proof.solution = solution;
    proof.readyAt = Date.now();
    var waiting = proof.waiting;
    if (!waiting) return;
    proof.waiting = null;
    proof.solution = null; // a solution opens one start only
    waiting(solution);
  }

  /* Hand the ready solution over (once), or wait until it is ready. */
  function takeProof(callback) {
    if (proof.solution && Date.now() - proof.readyAt > cfg.pow_fresh_seconds * 1000) {
      proof.solution = null; // its challenge is about to expire: solve a fresh one
    }
    if (proof.solution) {
      var solution = proof.solution;
      proof.solution = null;
      callback(solution);
      return;
    }
    proof.waiting = callback;
    if (!proof.worker) prepareProof();
  }

  function sendStart() {
    pendingStart.sent = true;
    var payload = pendingStart.payload;
    socket.timeout(ACK_TIMEOUT_MS).emit('start', payload, function (err, res) {
      pendingStart = null;
      el.startButton.disabled = false;
      if (err || !res || !res.ok) {
        prepareProof(); // the next try needs a fresh solution
        startRefused(err ? null : res);
        return;
      }
      chat = freshChat();
      chat.token = res.token;
      saveChat();
      clearTranscript();
      enterChat(res);
      el.input.focus();
    });
  }

  /* No chat now (closed, line full, a fault): say why the server gave, show the other ways. */
  function startRefused(res) {
    var code = res && res.code;
    if (code && UNAVAILABLE[code]) {
      showUnavailable(res);
      return;
    }
    var known = Boolean(code) && code !== 'internal' && code !== 'bad_payload';
    var reason = (code && T.errors[code]) || (known && res.message) || T.start_failed;
    el.startError.textContent = reason;
    show(el.introChannels, known);
    closeSocket(); // a fresh socket next time: a half-started chat stays behind and lapses
  }

  /* ---------- no new chat now: closed, nobody on duty, line full ---------- */

  /* "Thursday 26 November, 19:00" in the helpline's own time zone (the zone of its hours). */
  function formatOpening(iso, zone) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return null;
    var options = { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit',
                    minute: '2-digit', hour12: false };
    if (zone) options.timeZone = zone;
    try {
      return date.toLocaleString(lang, options);
    } catch (e) {
      return iso.slice(0, 16).replace('T', ' '); // the helpline's wall-clock time
    }
  }

  function safeLink(url) {
    return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
  }

  function channelItem(kind, href, text, detail) {
    var item = document.createElement('li');
    var label = document.createElement('span');
    label.className = 'channel-kind';
    label.textContent = kind;
    item.appendChild(label);
    var link = document.createElement('a');
    link.href = href;
    link.textContent = text;
    if (/^https?:/i.test(href)) link.rel = 'noreferrer noopener';
    item.appendChild(link);
    if (detail) {
      var hours = document.createElement('span');
      hours.className = 'hint';
      hours.textContent = detail;
      item.appendChild(hours);
    }
    return item;
  }

  function showUnavailable(res) {
    var U = T.unavailable;
    var code = res.code;
    markCounted();
    closeSocket();
    var when = res.next_opening ? formatOpening(res.next_opening, res.time_zone) : null;
    el.unavailableHeading.textContent = U[code + '_heading'] || U.closed_heading;
    if (code === 'closed') {
      el.unavailableReason.textContent = when ? format(U.closed, { when: when }) : U.closed_unknown;
    } else {
      el.unavailableReason.textContent = U[code] || res.message || '';
    }
    var hours = [];
    if (code !== 'closed' && when) hours.push(format(U.next_opening, { when: when }));
    if (res.chat_hours) hours.push(format(U.chat_hours, { hours: res.chat_hours }));
    el.unavailableHours.textContent = hours.join(' ');
    var items = [];
    (Array.isArray(res.channels) ? res.channels : []).forEach(function (c) {
      if (!c || typeof c.contact !== 'string' || !c.contact) return;
      var detail = typeof c.hours === 'string' ? c.hours : '';
      if (c.open_now === true && c.channel === 'phone') detail += ' (' + U.open_now + ')';
      if (c.channel === 'phone') {
        items.push(channelItem(U.phone, 'tel:' + c.contact.replace(/[^0-9+]/g, ''), c.contact, detail));
      } else if (c.channel === 'email') {
        items.push(channelItem(U.email, 'mailto:' + c.contact, c.contact, detail));
      }
    });
    var selfHelp = safeLink(res.self_help_url);
    if (selfHelp) items.push(channelItem(U.self_help, selfHelp, U.self_help_link, ''));
    el.unavailableChannels.replaceChildren.apply(el.unavailableChannels, items);
    showScreen('unavailable');
    el.unavailableHeading.focus();
  }

  /* ---------- resume (reload, reconnect) ---------- */

  function sendResume() {
    var requested = socket;
    socket.timeout(ACK_TIMEOUT_MS).emit('resume', { token: chat.token, last_id: lastId(), lang: lang },
      function (err, res) {
        if (requested !== socket) return;
        if (err) { // no answer in time: ask again while this socket is up
          setConnNotice(true);
          setTimeout(function () { if (requested === socket && socket.connected) sendResume(); }, 2000);
          return;
        }
        if (!res || !res.ok) {
          if (res && res.code === 'unknown_token') { backToIntro(T.previous_gone); return; }
          setError(errorText(res));
          return;
        }
        (res.messages || []).forEach(function (m) { addMessage(m, false); });
        saveChat();
        if (res.state === 'ended') {
          showClosed(res.ended_by, null);
          return;
        }
        enterChat(res);
      });
  }

  /* The start or resume ack says where the chat stands. */
  function enterChat(res) {
    chat.state = res.state;
    chat.therapist = res.therapist || chat.therapist;
    chat.bound = true;
    setError('');
    showScreen('chat');
    renderStatus();
    if (res.state === 'waiting') renderPosition(res);
    updateCounter();
  }

  /* ---------- transfer: another therapist continues, or back to the line ---------- */

  var TRANSFER = JSON.parse(document.getElementById('chat-transfer-config').textContent);
  var handoverNotice = $('handover-notice');

  /* A supervisor joined the chat openly: say so plainly (their messages are marked too). */
  var SUPERVISION = JSON.parse(document.getElementById('chat-supervision-config').textContent);
  var colleagueNotice = $('colleague-notice');

  var colleagueName = null; // kept to word the notice again after a language switch

  function onColleagueJoined(data) {
    colleagueName = data && typeof data.name === 'string' ? data.name : '';
    colleagueNotice.textContent = format(SUPERVISION.colleague_joined, { name: colleagueName });
    show(colleagueNotice, true);
  }

  /* The notice is kept as a TRANSFER key and its values, so a language switch rewords it. */
  var handoverShown = null;

  function setHandoverNotice(key, values) {
    handoverShown = key ? { key: key, values: values || {} } : null;
    handoverNotice.textContent = key ? format(TRANSFER[key], handoverShown.values) : '';
    show(handoverNotice, Boolean(key));
  }

  /* {therapist: name} another therapist took over; {therapist: null} back in the line. */
  function onTransferred(data) {
    var name = data && typeof data.therapist === 'string' ? data.therapist : null;
    setTherapistTyping(false);
    if (name) {
      chat.state = 'active';
      chat.therapist = name;
      chat.handedBack = false;
      renderStatus();
      setHandoverNotice('transferred_to', { name: name });
      return;
    }
    chat.state = 'waiting';
    chat.therapist = null;
    chat.handedBack = true;
    renderStatus();
    el.statusMain.textContent = T.position_next;
    el.statusDetail.textContent = '';
    setHandoverNotice('transferred_line');
  }

  /* After being handed back to the line, the next therapist is announced the same way. */
  function onReassigned(data) {
    if (!chat.handedBack) return;
    chat.handedBack = false;
    var name = data && typeof data.therapist === 'string' ? data.therapist : '';
    setHandoverNotice(name ? 'transferred_to' : '', { name: name });
  }

  function onAssigned(data) {
    chat.state = 'active';
    chat.therapist = (data && data.therapist) || null;
    renderStatus();
  }

  /* ---------- sending ---------- */

  function updateCounter() {
    H.updateCounter(el.input, el.counter, el.error, cfg.max_chars, T);
  }

  function onComposeSubmit(event) {
    event.preventDefault();
    sendMessage();
  }

  function onComposeKey(event) {
    if (H.isSendKey(event)) {
      event.preventDefault();
      sendMessage();
    }
  }

  function sendMessage() {
    var raw = el.input.value;
    var text = cleanText(raw);
    if (!text) return;
    var over = charCount(text) - cfg.max_chars;
    if (over > 0) {
      setError(format(T.too_long, { over: over, max: cfg.max_chars }), 'length');
      return;
    }
    if (!socket || !socket.connected || !chat.bound) {
      setError(T.not_connected);
      return;
    }
    el.input.value = '';
    updateCounter();
    stopOwnTyping(true);
    socket.timeout(ACK_TIMEOUT_MS).emit('message', { text: text }, function (err, res) {
      if (err || !res || !res.ok) {
        if (!el.input.value) { el.input.value = raw; updateCounter(); }
        setError(err ? T.not_sent : errorText(res));
        return;
      }
      setError('');
      addMessage({ id: res.id, sender: 'chatter', text: text, ts: Date.now() / 1000 });
    });
  }

  /* ---------- own typing signal: only the fact, never the draft ---------- */

  var typing = { on: false, lastSent: 0, idleTimer: null };

  function emitTyping(on) {
    if (socket && socket.connected && chat.bound && chat.state === 'active') {
      socket.emit('typing', { typing: on });
    }
  }

  function onInput() {
    updateCounter();
    if (chat.state !== 'active') return;
    clearTimeout(typing.idleTimer);
    if (!el.input.value.trim()) { stopOwnTyping(true); return; }
    var now = Date.now();
    if (!typing.on || now - typing.lastSent >= TYPING_REPEAT_MS) {
      typing.on = true;
      typing.lastSent = now;
      emitTyping(true);
    }
    typing.idleTimer = setTimeout(function () { stopOwnTyping(true); }, TYPING_IDLE_MS);
  }

  function stopOwnTyping(tell) {
    clearTimeout(typing.idleTimer);
    if (typing.on && tell) emitTyping(false);
    typing.on = false;
  }

  /* ---------- ending ---------- */

  function setEndConfirm(open) {
    show(el.endConfirm, open);
    show(el.endButton, !open);
    if (!open) return;
    var waiting = chat.state !== 'active';
    el.endConfirmText.textContent = waiting ? T.confirm_leave : T.confirm_end;
    el.endYes.textContent = waiting ? T.yes_leave : T.yes_end;
    el.endNo.focus();
  }

  function endChat() {
    setEndConfirm(false);
    var reason = chat.state === 'active' ? 'chatter_ended' : 'left_line';
    if (!socket || !socket.connected || !chat.bound) {
      setError(T.not_connected);
      return;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit('end', {}, function (err, res) {
      if (err) { setError(T.errors.default); return; }
      if (res && (res.ok || res.code === 'chat_ended' || res.code === 'not_joined')) {
        showClosed('chatter', reason);
        return;
      }
      setError(errorText(res));
    });
  }

  function onEnded(data) {
    showClosed(data && data.by, data && data.reason);
  }

  function closingText(by, reason) {
    if (reason === 'left_line') return T.ended_left_line;
    if (reason === 'connection_lost') return T.ended_connection_lost;
    if (reason === 'removed') return T.ended_removed;
    if (by === 'therapist') return T.ended_therapist;
    if (by === 'chatter') return T.ended_chatter;
    return T.ended_system;
  }

  var closedWith = null; // why the closing screen shows, to word it again after a switch

  function showClosed(by, reason) {
    if (chat.endedShown) return;
    chat.endedShown = true;
    if (chat.state === 'waiting') markCounted(); // left the line unanswered: counted
    chat.state = 'ended';
    forgetChat();
    stopOwnTyping(false);
    setTherapistTyping(false);
    keepForClosing();
    setConnNotice(false);
    closedWith = { by: by, reason: reason };
    el.closedReason.textContent = closingText(by, reason);
    showScreen('closed');
    el.closedHeading.focus();
  }

  /* The closing screen keeps the socket (no chat on it any more) for a follow-up code the
     therapist may still send and for the feedback card; leaving the screen closes it. */
  function keepForClosing() {
    if (!socket) return;
    socket.off('disconnect');
    socket.off('connect_error');
    socket.off('connect');
    socket.io.reconnection(false);
  }

  function onFollowUpCode(data) {
    if (!data || typeof data.code !== 'string') return;
    $('follow-up-code-text').textContent = data.code;
    $('follow-up-when').textContent = format(T.follow_up_when, { from: data.from, until: data.until });
    show($('follow-up-card'), true);
    var notice = $('follow-up-notice');
    notice.textContent = format(T.follow_up_notice, { code: data.code });
    show(notice, chat.state !== 'ended');
  }

  function onFeedbackSubmit(event) {
    event.preventDefault();
    var form = $('feedback-form');
    var pick = function (name) {
      var input = form.querySelector('input[name="' + name + '"]:checked');
      return input ? input.value : null;
    };
    var status = $('feedback-status');
    var answers = { helped: pick('helped'), again: pick('again') };
    if (!socket || (!answers.helped && !answers.again)) { status.textContent = T.feedback_failed; return; }
    socket.timeout(ACK_TIMEOUT_MS).emit('feedback', answers, function (err, res) {
      if (err || !res || !res.ok) { status.textContent = T.feedback_failed; return; }
      status.textContent = T.feedback_thanks;
      Array.from(form.elements).forEach(function (input) { input.disabled = true; });
    });
  }

  function clearTranscript() {
    colleagueName = null;
    lastPosition = null;
    closedWith = null;
    el.transcript.replaceChildren();
    show(colleagueNotice, false);
    setHandoverNotice('');
    el.input.value = '';
    setError('');
  }

  function backToIntro(notice) {
    forgetChat();
    closeSocket();
    chat = freshChat();
    clearTranscript();
    setConnNotice(false);
    el.startForm.reset();
    el.startButton.disabled = false;
    resetClosingCards();
    el.startError.textContent = notice || '';
    showScreen('intro');
    prepareProof();
  }

  function resetClosingCards() {
    var form = $('feedback-form');
    form.reset();
    Array.from(form.elements).forEach(function (input) { input.disabled = false; });
    $('feedback-status').textContent = '';
    show($('follow-up-card'), false);
    show($('follow-up-notice'), false);
  }

  /* ---------- quick exit ---------- */

  var exiting = false;

  function quickExit(event) {
    if (event) event.preventDefault();
    if (exiting) return;
    exiting = true;
    var gone = false;
    var leave = function () {
      if (gone) return;
      gone = true;
      window.location.replace(cfg.exit_url);
    };
    var live = socket && socket.connected;
    if (live) socket.timeout(QUICK_EXIT_ACK_MS).emit('quick_exit', {}, leave);
    try { sessionStorage.clear(); } catch (e) { /* nothing stored */ }
    document.title = '';
    document.body.replaceChildren();
    if (live) setTimeout(leave, QUICK_EXIT_ACK_MS + 20);
    else leave();
  }

  /* GOV.UK "Exit this page": Shift three times within 5 seconds, no other key between. */
  var shiftPresses = [];

  function onKeyDown(event) {
    if (event.key !== 'Shift') { shiftPresses = []; return; }
    if (event.repeat) return;
    var now = Date.now();
    shiftPresses = shiftPresses.filter(function (t) { return now - t < 5000; });
    shiftPresses.push(now);
    if (shiftPresses.length >= 3) quickExit();
  }

  /* ---------- language switch, in place: the chat, the place in line and the draft stay ---------- */

  /* Elements whose text this script writes: the switch rewords them from state instead. */
  var DYNAMIC = ['conn-notice', 'start-error', 'chat-heading', 'status-main', 'status-detail',
    'handover-notice', 'colleague-notice', 'transcript', 'typing', 'char-count', 'message',
    'chat-error', 'end-button', 'end-confirm-text', 'closed-reason', 'unavailable-heading',
    'unavailable-reason', 'unavailable-hours', 'unavailable-channels'];
  var SWITCHED_ATTRS = ['aria-label', 'title', 'placeholder'];

  /* The same page in the new language is fetched (no cookie, nothing of the chat sent),
   * its strings replace ours and its static texts are copied over node by node. If that
   * fails, the page reloads in the new language: the resume token brings the chat back
   * and the draft waits in sessionStorage. */
  function switchLanguage(event) {
    var code = event.currentTarget.dataset.lang;
    event.preventDefault();
    if (code === lang || switching) return;
    switching = true;
    try { sessionStorage.setItem(LANG_KEY, code); } catch (e) { /* the link still works */ }
    var onUnavailable = !el.unavailable.hidden; // its texts came from the server: reload
    var page = onUnavailable ? Promise.reject(new Error('reload')) :
      fetch('?lang=' + encodeURIComponent(code), { credentials: 'omit', cache: 'no-store' })
        .then(function (r) { if (!r.ok) throw new Error('status'); return r.text(); });
    page.then(function (html) {
      applyLanguage(code, new DOMParser().parseFromString(html, 'text/html'));
    }).catch(function () {
      try { if (el.input.value) sessionStorage.setItem(DRAFT_KEY, el.input.value); } catch (e) { /* lost */ }
      saveChat();
      window.location.replace('?lang=' + encodeURIComponent(code));
    }).then(function () { switching = false; });
  }
  var switching = false;

  function applyLanguage(code, doc) {
    var config = function (id) { return JSON.parse(doc.getElementById(id).textContent); };
    replaceStrings(T, config('page-config').strings);
    replaceStrings(TRANSFER, config('chat-transfer-config'));
    replaceStrings(SUPERVISION, config('chat-supervision-config'));
    copyTexts(document.body, doc.body);
    document.title = doc.title;
    document.documentElement.lang = code;
    lang = code;
    document.querySelectorAll('.lang-switch a').forEach(function (a) {
      if (a.dataset.lang === code) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    });
    try { window.history.replaceState(null, '', '?lang=' + encodeURIComponent(code)); } catch (e) { /* fine */ }
    reword();
    // The socket carries the language (server messages, the chat's language for the
    // therapist): a new one, which resumes the chat like any reconnect.
    if (pendingStart) return; // a start on its way keeps its socket; the next one has the language
    closeSocket();
    if (chat.token && chat.state !== 'ended') connect();
  }

  /* Strings are replaced inside the same objects, so every reference sees the new ones. */
  function replaceStrings(target, source) {
    Object.keys(source).forEach(function (key) {
      if (source[key] && typeof source[key] === 'object' && target[key]) {
        replaceStrings(target[key], source[key]);
      } else {
        target[key] = source[key];
      }
    });
  }

  /* Walk both trees together; text nodes and a few attributes are copied where the
   * structure matches. What the script builds or writes (DYNAMIC) is left alone. */
  function copyTexts(mine, theirs) {
    if (mine.id && DYNAMIC.indexOf(mine.id) !== -1) return;
    if (mine.tagName === 'SCRIPT') return;
    SWITCHED_ATTRS.forEach(function (name) {
      if (theirs.hasAttribute(name)) mine.setAttribute(name, theirs.getAttribute(name));
    });
    var a = mine.childNodes, b = theirs.childNodes;
    if (a.length !== b.length) return;
    for (var i = 0; i < a.length; i += 1) {
      if (a[i].nodeType === 3 && b[i].nodeType === 3) a[i].nodeValue = b[i].nodeValue;
      else if (a[i].nodeType === 1 && b[i].nodeType === 1 && a[i].tagName === b[i].tagName) {
        copyTexts(a[i], b[i]);
      }
    }
  }

  /* Everything the script wrote, written again from the chat's state in the new words. */
  function reword() {
    renderStatus();
    if (chat.state === 'waiting' && lastPosition) renderPosition(lastPosition);
    Array.prototype.forEach.call(el.transcript.children, function (node, i) {
      if (chat.messages[i]) el.transcript.replaceChild(messageNode(chat.messages[i]), node);
    });
    setHandoverNotice(handoverShown && handoverShown.key, handoverShown && handoverShown.values);
    if (colleagueName !== null) {
      colleagueNotice.textContent = format(SUPERVISION.colleague_joined, { name: colleagueName });
    }
    if (closedWith) el.closedReason.textContent = closingText(closedWith.by, closedWith.reason);
    if (!el.connNotice.hidden) setConnNotice(true);
    setTherapistTyping(false);
    setError('');
    el.startError.textContent = '';
    updateCounter();
  }

  /* The draft saved by switchLanguage, removed from the tab as it is read. */
  function takeDraft() {
    try {
      var draft = sessionStorage.getItem(DRAFT_KEY);
      sessionStorage.removeItem(DRAFT_KEY);
      return draft;
    } catch (e) { return null; }
  }

  /* ---------- wiring ---------- */

  function init() {
    el.quickExit.addEventListener('click', quickExit);
    document.addEventListener('keydown', onKeyDown, true);
    el.startForm.addEventListener('submit', onStartSubmit);
    el.compose.addEventListener('submit', onComposeSubmit);
    el.input.addEventListener('keydown', onComposeKey);
    el.input.addEventListener('input', onInput);
    el.endButton.addEventListener('click', function () { setEndConfirm(true); });
    el.endNo.addEventListener('click', function () { setEndConfirm(false); el.endButton.focus(); });
    el.endYes.addEventListener('click', endChat);
    el.newChat.addEventListener('click', function () { backToIntro(''); });
    document.querySelectorAll('.lang-switch a').forEach(function (a) {
      a.addEventListener('click', switchLanguage);
    });
    $('feedback-form').addEventListener('submit', onFeedbackSubmit);

    var stored = loadChat();
    var draft = takeDraft(); // taken either way: a draft never outlives its chat
    if (!stored) { showScreen('intro'); prepareProof(); return; }
    chat.token = stored.token;
    stored.messages.forEach(function (m) { addMessage(m, false); });
    if (draft) {
      el.input.value = draft;
      updateCounter();
    }
    showScreen('chat');
    renderStatus();
    connect();
  }

  init();
}());
