/* The chatter's page: intake, waiting line, chat, closing screen, quick exit. This module
 * starts the others (init) and holds the socket, the start and the resume; main.js, the
 * entry the template loads, calls init (see docs/architecture.md, "static/js/chat/").
 *
 * Privacy rules kept here: no cookie, no localStorage. The tab keeps the resume token, the
 * last message id, the rendered messages and the unsent draft in sessionStorage (this tab
 * only), cleared when the chat ends or on quick exit, plus a flag that this tab was already counted as a
 * missed contact (it holds no identifier) and the sound choice. Every server string is
 * rendered as text (textContent), never as HTML. */
import { format, setLocale, show } from '../lib/common.js';
import { init as initState, ACK_TIMEOUT_MS, cfg, ctx, el, T, freshChat, lastId, saveChat, loadChat,
  forgetChat, isCounted, showScreen, setError, errorText } from './state.js';
import { setConnNotice, closeSocket } from './connection.js';
import { init as initProof, prepareProof, takeProof, hasProof, STALE_RETRIES } from '../lib/proof.js';
import { keepPlace } from './keep-place.js';
import { renderStatus, setHandoverNotice, onColleagueJoined, onTransferred, onReassigned,
  keepPlaces, forgetPlace } from './line.js';
import { placeFields } from './places.js';
import { addMessage, setTherapistTyping } from './transcript.js';
import { init as initCompose, stopOwnTyping, updateCounter } from './compose.js';
import { init as initClosing, showClosed, onFollowUpCode, showUnavailable,
  resetClosingCards } from './closing.js';
import { init as initExit } from './exit.js';
import { init as initLanguage, redirectToTabLanguage } from './language.js';
import { readDraft, dropDraft } from './draft.js';
import { init as initAttention, notify } from './attention.js';
import { openingDelay } from './timefmt.js';
import { busyDelay, BUSY_RETRIES } from './backoff.js';

const UNAVAILABLE = { closed: 1, nobody_on_duty: 1, at_capacity: 1 };
const CHAT_LANGUAGES = ['nl', 'en', 'fr'];
/* Errors answered by an ack are handled there; the rest are shown on the error line. */
const ACKED = { start: 1, resume: 1, message: 1, end: 1, quick_exit: 1, where: 1 };
/* The chat's protocol (docs/protocol.md, "Protocol versions"): one `line_moved` packet
   per change of the line, from which the page works out its place and wait (places.js). */
const PROTOCOL = 2;

function connect() {
  if (ctx.socket) return ctx.socket;
  const socket = ctx.socket = window.io('/chat', { transports: ['websocket'],
    query: handshakeQuery({ lang: ctx.lang }) });
  socket.on('connect', onConnect);
  socket.on('disconnect', onDisconnect);
  socket.on('connect_error', function () { if (ctx.chat.token || ctx.pendingStart) setConnNotice(true); });
  socket.on('position', function (data) { if (data) ctx.place.take(data.version, placeFields(data)); });
  socket.on('line_moved', function (packet) { ctx.place.packet(packet); });
  socket.on('assigned', onAssigned);
  socket.on('message', onMessage);
  socket.on('typing', function (data) { setTherapistTyping(Boolean(data && data.typing)); });
  socket.on('ended', function (data) { showClosed(data && data.by, data && data.reason); });
  socket.on('transferred', function (data) {
    onTransferred(data, function () { setTherapistTyping(false); });
    if (ctx.chat.state === 'waiting') keepWaiting(); // handed back to the line
  });
  socket.on('colleague_joined', onColleagueJoined);
  socket.on('assigned', onReassigned);
  socket.on('error', onServerError);
  socket.on('follow_up_code', onFollowUpCode);
  return socket;
}

function onConnect() {
  setConnNotice(false);
  const pending = ctx.pendingStart;
  if (pending && pending.ready && !pending.sent) sendStart();
  else if (ctx.chat.token && ctx.chat.state !== 'ended') sendResume();
}

/* The handshake says whether this page holds a chat (`resume=1`): an overloaded server
   keeps newcomers out, not a chat coming back (docs/protocol.md, "Limits"). */
function handshakeQuery(query) {
  if (ctx.chat.token) query.resume = '1';
  else delete query.resume;
  return query;
}

function onDisconnect(reason) {
  ctx.chat.bound = false;
  handshakeQuery(ctx.socket.io.opts.query); // for the reconnect's handshake
  stopOwnTyping(false);
  if (reason !== 'io client disconnect' && ctx.chat.token) setConnNotice(true);
}

function onServerError(err) {
  if (err && ACKED[err.event]) return;
  if (err && err.code === 'not_joined') return; // a typing signal raced a reconnect
  if (err && err.event === 'typing') return; // e.g. raced the end: the `ended` event says it
  setError(errorText(err));
}

function onMessage(m) {
  if (addMessage(m) && m && m.sender !== 'chatter') notify('message');
}

/* A packet did not follow the version the page holds: where does the chat stand now? The
   answer replaces the place held; packets that came meanwhile are applied after it
   (places.js). True if asked. */
function askWhere() {
  const socket = ctx.socket;
  if (!socket || !socket.connected) return false;
  socket.timeout(ACK_TIMEOUT_MS).emit('where', {}, function (err, res) {
    // No longer waiting, or no answer: the next packet asks again.
    if (err || !res || !res.ok) ctx.place.answered(null, null);
    else ctx.place.answered(res.line_version, placeFields(res));
  });
  return true;
}

/* In the line: prove again every renewal (keep-place.js); each proof's ack says the line's
   version, and a page that holds an older one asks `where` (places.js). */
function keepWaiting() {
  keepPlace(function (version) { ctx.place.versionSeen(version); });
}

function onAssigned(data) {
  forgetPlace();
  ctx.chat.state = 'active';
  ctx.chat.therapist = (data && data.therapist) || null;
  renderStatus();
  if (data && data.follow_up) showReturning(data.follow_up);
  notify('taken');
}

/* A chatter back with a follow-up code: is the therapist who gave it there? (issue 19) */
function showReturning(kind) {
  el.returningNotice.textContent = (kind && T.returning[kind]) || '';
  show(el.returningNotice, Boolean(el.returningNotice.textContent));
}

/* ---------- start ---------- */

function checkedValue(name) {
  const input = el.startForm.querySelector('input[name="' + name + '"]:checked');
  return input && input.value ? input.value : null;
}

function startPayload() {
  const code = ctx.lang.slice(0, 2).toLowerCase();
  const payload = { age_band: checkedValue('age_band'), gender: checkedValue('gender'),
                    protocol: PROTOCOL };
  if (CHAT_LANGUAGES.indexOf(code) !== -1) payload.lang = code;
  if (isCounted()) payload.counted = true;
  const followUp = el.followUpCode.value.trim();
  if (followUp) payload.follow_up_code = followUp;
  return payload;
}

function onStartSubmit(event) {
  event.preventDefault();
  if (ctx.pendingStart) return;
  el.startError.textContent = '';
  show(el.introChannels, false);
  el.startButton.disabled = true;
  const pending = ctx.pendingStart = { payload: startPayload(), sent: false, ready: false, stale: 0,
    busy: 0 };
  connect();
  solveThenStart(pending);
}

function solveThenStart(pending) {
  if (!hasProof()) el.startStatus.textContent = T.preparing; // only if not done yet
  takeProof(function (solution) {
    if (ctx.pendingStart !== pending) return;
    el.startStatus.textContent = '';
    pending.payload.pow = solution; // null if no challenge could be had: the server says so
    pending.ready = true;
    if (ctx.socket && ctx.socket.connected) sendStart();
  });
}

function sendStart() {
  ctx.pendingStart.sent = true;
  const payload = ctx.pendingStart.payload;
  const pending = ctx.pendingStart;
  forgetPlace(); // what comes from now on is this chat's
  ctx.socket.timeout(ACK_TIMEOUT_MS).emit('start', payload, function (err, res) {
    if (!err && res && res.code === 'server_busy' && pending.busy < BUSY_RETRIES) {
      pending.busy += 1; // the server sheds newcomers for a moment: the same proof, later
      retryWhenLessBusy(pending, busyDelay(res.retry_after, pending.busy, Math.random()));
      return;
    }
    el.startStatus.textContent = '';
    if (!err && res && res.code === 'pow_stale' && pending.stale < STALE_RETRIES) {
      pending.stale += 1; // places were taken while solving: solve at the new price
      pending.sent = pending.ready = false;
      solveThenStart(pending);
      return;
    }
    ctx.pendingStart = null;
    el.startButton.disabled = false;
    if (err || !res || !res.ok) {
      prepareProof(); // the next try needs a fresh solution
      startRefused(err ? null : res);
      return;
    }
    ctx.chat = freshChat();
    ctx.chat.token = res.token;
    saveChat();
    clearTranscript();
    enterChat(res);
    el.input.focus();
  });
}

/* Say that the chat is busy and when the page asks again; then ask (or, if the socket is
 * down by then, onConnect asks as soon as it is back). */
function retryWhenLessBusy(pending, seconds) {
  pending.sent = false;
  el.startStatus.textContent = format(T.busy_retry, { n: seconds });
  setTimeout(function () {
    if (ctx.pendingStart !== pending || pending.sent) return;
    if (ctx.socket && ctx.socket.connected) sendStart();
  }, seconds * 1000);
}

/* No chat now (closed, line full, a fault): say why the server gave, show the other ways. */
function startRefused(res) {
  const code = res && res.code;
  if (code && UNAVAILABLE[code]) { showUnavailable(res); return; }
  const known = Boolean(code) && code !== 'internal' && code !== 'bad_payload';
  el.startError.textContent = (code && T.errors[code]) || T.start_failed;
  show(el.introChannels, known);
  closeSocket(); // a fresh socket next time: a half-started chat stays behind and lapses
}

/* ---------- resume (reload, reconnect) ---------- */

function sendResume() {
  const requested = ctx.socket;
  forgetPlace(); // the place held may be from before the drop: the ack (or what follows) says
  requested.timeout(ACK_TIMEOUT_MS).emit('resume',
    { token: ctx.chat.token, last_id: lastId(), lang: ctx.lang, protocol: PROTOCOL },
    function (err, res) {
      if (requested !== ctx.socket) return;
      if (err) { // no answer in time: ask again while this socket is up
        setConnNotice(true);
        setTimeout(function () { if (requested === ctx.socket && requested.connected) sendResume(); }, 2000);
        return;
      }
      if (!res || !res.ok) {
        if (res && res.code === 'unknown_token') { backToIntro(T.previous_gone); return; }
        setError(errorText(res));
        return;
      }
      (res.messages || []).forEach(function (m) { addMessage(m, false); });
      saveChat();
      if (res.state === 'ended') { showClosed(res.ended_by, null); return; }
      enterChat(res);
    });
}

/* The start or resume ack says where the chat stands. */
function enterChat(res) {
  ctx.chat.state = res.state;
  ctx.chat.therapist = res.therapist || ctx.chat.therapist;
  ctx.chat.bound = true;
  setError('');
  showScreen('chat');
  renderStatus();
  if (res.state === 'waiting') {
    ctx.place.take(res.line_version, placeFields(res));
    keepWaiting();
  }
  showReturning(res.follow_up);
  updateCounter();
}

function clearTranscript() {
  ctx.colleagueName = null;
  ctx.lastPosition = null;
  ctx.closedWith = null;
  el.transcript.replaceChildren();
  show(el.colleagueNotice, false);
  showReturning(null);
  setHandoverNotice('');
  setError('');
}

function backToIntro(notice) {
  forgetChat();
  closeSocket();
  ctx.chat = freshChat();
  clearTranscript();
  setConnNotice(false);
  el.input.value = ''; // not at a start: `assigned` may come first and the chatter type
  el.startForm.reset();
  el.startButton.disabled = false;
  resetClosingCards();
  el.startError.textContent = notice || '';
  showScreen('intro');
  prepareProof();
}

/* A closed intro is rendered with the time until the chat opens: then the page asks the
   server again (a reload), so its words and its button never outlive the closing. Only
   while nothing has started: a chat, or a start on its way, is never reloaded. */
function askAgainAtOpening() {
  const delay = openingDelay(cfg.opens_in);
  if (delay === null) return;
  setTimeout(function () {
    if (!el.intro.hidden && !ctx.pendingStart && !ctx.chat.token) window.location.reload();
  }, delay);
}

/* ---------- wiring ---------- */

/**
 * Start the page. `root`: the element holding the page (the body); `config`: {page,
 * transfer, supervision, locale}, what the template rendered (main.js reads it).
 */
export function init(root, config) {
  setLocale(config.locale);
  initState(root, config);
  if (redirectToTabLanguage()) return;
  keepPlaces(askWhere);
  initProof(root, cfg);
  initExit(root);
  initCompose(root, { onEnded: showClosed });
  initClosing(root);
  initLanguage(root, { connect: connect });
  initAttention(root);
  el.startForm.addEventListener('submit', onStartSubmit);
  el.newChat.addEventListener('click', function () { backToIntro(''); });
  el.startButton.disabled = false; // rendered disabled until this script is ready
  askAgainAtOpening();

  const stored = loadChat();
  if (!stored) { dropDraft(sessionStorage); showScreen('intro'); prepareProof(); return; }
  const draft = readDraft(sessionStorage); // kept until sent or the chat ends
  ctx.chat.token = stored.token;
  stored.messages.forEach(function (m) { addMessage(m, false); });
  if (draft) { el.input.value = draft; updateCounter(); }
  showScreen('chat');
  renderStatus();
  connect();
}
