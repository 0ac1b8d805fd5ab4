/* The supervisors' live overview: the line, who is on duty, the chats, today's counters,
 * risk alerts, and monitoring one chat (read-only, private notes, joining openly). This
 * module holds the socket, today's counters, the risk banner and the clocks, and starts
 * the parts: line-table.js, staff-table.js, chats-table.js (one per table), line-guard.js
 * (the line's abuse state) and monitor.js (the monitor panel); overview.js, the entry the template loads, calls init.
 *
 * The server pushes the whole picture (`overview`) whenever it changes; the page only
 * renders it and keeps the clocks running. Every server string is rendered as text
 * (textContent), never as HTML.
 */
import { byId, clock, errorText as errorWords, format, request as emitWithAck, seconds,
  setLocale, show, showSignedOut, unlockAudio, watchSession } from '../lib/common.js';
import { alarm } from './alarm.js';
import { since, timeLabel } from './cells.js';
import * as lineTable from './line-table.js';
import * as lineGuard from './line-guard.js';
import * as staffTable from './staff-table.js';
import * as chatsTable from './chats-table.js';
import * as monitor from './monitor.js';

const ACK_TIMEOUT_MS = 15000;

let pageRoot = null;
let cfg = null;
let T = null;
let baseTitle = '';
const el = {};
let socket = null;
let pendingAlert = null;      // the risk alert shown in the banner
let ACK = null;               // request(): how long to wait for an ack, the texts of its failures

/* Our wording for a known code, else the server's message. */
function errorText(res) { return errorWords(T.errors, res, true); }

function setError(text) { el.error.textContent = text || ''; }

function setNotice(text) { el.notice.textContent = text || ''; }

function request(event, payload, done) { emitWithAck(socket, event, payload, ACK, done); }

/* ---------- the picture ---------- */

function render(data) {
  if (!data || data.ok === false) return;
  el.open.textContent = data.open ? T.chat_open : T.chat_closed;
  renderToday(data.today || {});
  lineTable.render(data.waiting || [], data.waiting_total);
  lineGuard.render(data.guard);
  staffTable.render(data.staff || []);
  chatsTable.render(data.chats || []);
  monitor.update(data);
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

/* Every second: the live clocks of all three tables (cells with data-since). */
function tick() {
  pageRoot.querySelectorAll('[data-since]').forEach(function (node) {
    node.textContent = since(node.dataset.since);
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

/* ---------- the socket ---------- */

function signedOut() { showSignedOut(el.conn, T, cfg.login_url); }

function setConnected(up) {
  el.conn.textContent = up ? T.connected : T.reconnecting;
  el.conn.className = 'conn-state' + (up ? '' : ' down');
}

function onConnect() {
  setConnected(true);
  request('overview', {}, function (res) {
    if (res.ok) render(res); else setError(errorText(res));
  });
  monitor.reopen();
}

function connect() {
  socket = window.io('/staff', { transports: ['websocket'] });
  socket.on('connect', onConnect);
  socket.on('disconnect', function (reason) {
    if (reason === 'io server disconnect') signedOut(); else setConnected(false);
  });
  socket.on('connect_error', function (err) {
    if (err && err.message === 'not_signed_in') signedOut(); else setConnected(false);
  });
  watchSession(socket, el.sessionNotice, T);
  socket.on('overview', render);
  socket.on('risk_alert', onRiskAlert);
  socket.on('message', monitor.onMessage);
  socket.on('typing', monitor.onTyping);
  socket.on('whisper', monitor.onWhisper);
  socket.on('colleague_joined', monitor.onColleagueJoined);
  socket.on('chat_ended', monitor.onChatEnded);
}

/**
 * Start the overview. `root`: the element holding the page (the body); `config`: {page,
 * locale}, what the template rendered (overview.js reads it).
 */
export function init(root, config) {
  pageRoot = root;
  setLocale(config.locale);
  cfg = config.page;
  T = cfg.strings;
  ACK = { timeout: ACK_TIMEOUT_MS, offline: T.reconnecting, timedOut: T.not_sent };
  baseTitle = document.title;
  const $ = byId(root);
  Object.assign(el, {
    conn: $('conn-state'), open: $('chat-open'), error: $('ov-error'), notice: $('ov-notice'),
    riskBanner: $('risk-banner'), riskText: $('risk-text'), riskMonitor: $('risk-monitor'),
    riskDismiss: $('risk-dismiss'),
    todayDate: $('today-date'), answered: $('today-answered'), missed: $('today-missed'),
    wait: $('today-wait'), duration: $('today-duration'), reasons: $('today-reasons'),
    sessionNotice: $('session-notice')
  });
  const api = { request: request, setError: setError, setNotice: setNotice, errorText: errorText };
  monitor.init(root, { strings: T, me: cfg.me, myName: cfg.my_name, api: api });
  lineTable.init(root, { strings: T, taxonomy: cfg.taxonomy, api: api, monitor: monitor.open });
  lineGuard.init(root, { strings: T, api: api });
  staffTable.init(root, { strings: T });
  chatsTable.init(root, { strings: T, me: cfg.me, monitor: monitor.open,
                          whisper: monitor.openToWhisper, join: monitor.openToJoin });
  document.addEventListener('pointerdown', unlockAudio);
  document.addEventListener('keydown', unlockAudio);
  el.riskDismiss.addEventListener('click', dismissRisk);
  el.riskMonitor.addEventListener('click', function () {
    if (!pendingAlert) return;
    const alert = pendingAlert;
    dismissRisk();
    monitor.open(alert.chat_id, format(T.chat_of, { name: alert.therapist || '–' }));
  });
  setInterval(tick, 1000);
  connect();
}
