/* Helpers shared by the chatter's page, the therapist console and the supervisors'
 * overview: a native ES module (no build step; the CSP allows our own files only).
 * Pages import what they need: `import { format, show } from '../lib/common.js'`.
 *
 * Only what is the same on every page that uses it lives here; what a page words or does
 * differently stays in that page. Every string is rendered as text (textContent), never
 * as HTML.
 */

/* The page's language (the <html lang> the server set), for dates and times, and the
 * helpline's time zone (every page shows the helpline's wall-clock time, 24-hour). Read
 * from the page by its entry module (pageLocale) and set by the page's init (setLocale):
 * nothing here reads the page when it is imported. */
let lang = 'nl';
let timeZone;

/** What the page says about its language and zone: <html lang> and #locale-config. */
function pageLocale(doc) {
  const node = doc.getElementById('locale-config');
  const locale = node ? JSON.parse(node.textContent) : {};
  return { lang: doc.documentElement.lang || 'nl', timeZone: locale.time_zone || undefined };
}

/** Set by a page's init, before anything is formatted. */
function setLocale(locale) {
  lang = locale.lang || 'nl';
  timeZone = locale.timeZone;
}

/** Date/time options with the helpline's zone and a 24-hour clock added. */
function zoned(options) {
  return Object.assign({ timeZone: timeZone, hour12: false }, options);
}

/** A template's JSON config (<script type="application/json" id=...>), for entry modules. */
function jsonConfig(doc, id) { return JSON.parse(doc.getElementById(id).textContent); }

/**
 * Look up a component's fixed elements by id within its root:
 * `const $ = byId(root); $('conn-state')`. Called in a component's init, never at import.
 */
function byId(root) {
  return function (id) { return root.querySelector('#' + CSS.escape(id)); };
}

/** Show or hide with the `hidden` attribute, so assistive technology follows too. */
function show(node, visible) { node.hidden = !visible; }

/**
 * Fill "{name}" placeholders of a translated string. An unknown placeholder stays as it
 * is, so a translation mistake shows up instead of vanishing. Text only, never markup.
 */
function format(template, values) {
  return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
    return Object.prototype.hasOwnProperty.call(values, key) ? plain(values[key]) : whole;
  });
}

/**
 * A name or other value shown inside a sentence, without bidi controls (embeddings,
 * overrides, isolates, LRM/RLM, ALM): they could show `evil` as `live` or move the time.
 */
function plain(value) {
  return String(value).replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '');
}

/** The length the server counts: code points, so an emoji counts once, as it does there. */
function charCount(text) { return Array.from(text).length; }

/**
 * The same cleaning the server does (line breaks, control and bidi-override characters,
 * outer spaces), so an own message looks the same before its echo and is counted alike.
 */
function cleanText(text) {
  return text.replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- control characters are what it removes
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '')
    .trim();
}

/**
 * Message ids are Redis stream ids "ms-seq": compare numerically, part by part (as
 * strings they would sort "10-0" before "9-0").
 */
function compareIds(a, b) {
  const pa = a.split('-'), pb = b.split('-');
  for (let i = 0; i < 2; i += 1) {
    const x = pa[i] || '0', y = pb[i] || '0';
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Only well-formed messages reach a transcript (server pushes and stored ones alike). */
function validMessage(m) {
  return m && typeof m.id === 'string' && /^\d+-\d+$/.test(m.id) &&
    typeof m.text === 'string' &&
    (m.sender === 'chatter' || m.sender === 'therapist' || m.sender === 'colleague');
}

/** A time sent by the server (Unix seconds, a number or a numeric string), or null. */
function seconds(value) {
  const n = typeof value === 'number' ? value : parseFloat(value);
  return isFinite(n) ? n : null;
}

/** A duration as clock text, "mm:ss" ("h:mm:ss" from an hour on); never negative. */
function clock(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + ':' : '') + String(m).padStart(2, '0') + ':' + String(r).padStart(2, '0');
}

/**
 * "14:05" for a Unix time, in the page's language. Each page decides beforehand what a
 * missing or odd time stands for (they differ), so this takes a number only.
 */
function timeLabel(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  try {
    return new Intl.DateTimeFormat(lang, zoned({ hour: '2-digit', minute: '2-digit' })).format(date);
  } catch (e) {
    return date.toTimeString().slice(0, 5);
  }
}

/**
 * The text for a failed answer: the page's own wording for its code, else (only when
 * `serverMessage` is true: the staff pages) the server's message, else the page's default.
 * The chatter's page passes false: it shows its own wording only.
 */
function errorText(errors, res, serverMessage) {
  const code = res && res.code;
  return (code && errors[code]) || (serverMessage && res && res.message) || errors.default;
}

/**
 * One transcript line: "who · time" above the text. The page words `who` (the chatter
 * sees "You" for themselves, staff see "Chatter") and `time`; all goes in as text.
 */
function messageNode(m, who, time) {
  const item = document.createElement('li');
  item.className = 'msg msg-' + m.sender;
  item.dataset.id = m.id;
  const meta = document.createElement('p');
  meta.className = 'msg-meta';
  const name = document.createElement('bdi');  // the name cannot reorder the time
  name.textContent = plain(who);
  meta.append(name, ' · ' + time);
  const text = document.createElement('p');
  text.className = 'msg-text';
  text.textContent = m.text;
  item.append(meta, text);
  return item;
}

/** An entry of a kept transcript: the id itself, or a record with an `id`. */
function entryId(entry) { return typeof entry === 'string' ? entry : entry.id; }

/**
 * Add message `m` to a transcript once and in id order: after a reconnect or a resume a
 * message can arrive twice, or after a later one. `kept` is {ids: Set, messages: []}
 * (kept in id order), `list` the transcript element, `render(m)` makes its <li>, and
 * `entry(m)` what goes into kept.messages (default the id; the chatter's page keeps a
 * record to store). Returns true when the message was new.
 */
function insertMessage(kept, list, m, render, entry) {
  if (!validMessage(m) || kept.ids.has(m.id)) return false;
  let index = kept.messages.length;
  while (index > 0 && compareIds(entryId(kept.messages[index - 1]), m.id) > 0) index -= 1;
  kept.messages.splice(index, 0, entry ? entry(m) : m.id);
  kept.ids.add(m.id);
  list.insertBefore(render(m), list.children[index] || null);
  return true;
}

/** Enter sends; Shift+Enter is a new line, and an Enter that ends an IME composition is not a send. */
function isSendKey(event) {
  return event.key === 'Enter' && !event.shiftKey && !event.isComposing;
}

/**
 * The composer's counter ("n / max", marked when over) and, while over, the length
 * warning on `error`. The warning is tagged data-kind="length" so it clears itself once
 * the text fits, without wiping another error. `texts` gives `count` and `too_long`.
 */
function updateCounter(input, counter, error, max, texts) {
  const count = charCount(cleanText(input.value));
  const over = count - max;
  counter.textContent = format(texts.count, { n: count, max: max });
  counter.classList.toggle('over', over > 0);
  input.setAttribute('aria-invalid', over > 0 ? 'true' : 'false');
  if (over > 0) {
    error.textContent = format(texts.too_long, { over: over, max: max });
    error.dataset.kind = 'length';
  } else if (error.dataset.kind === 'length') {
    error.textContent = '';
    error.dataset.kind = '';
  }
}

/**
 * Emit with an acknowledgement and a time limit. `done` always gets one shape: the
 * server's answer, or {ok: false, code: 'offline' | 'timeout', message} when the socket
 * is down or no answer came in time. `options`: {timeout (ms), offline, timedOut (texts)}.
 */
function request(socket, event, payload, options, done) {
  if (!socket || !socket.connected) {
    done({ ok: false, code: 'offline', message: options.offline });
    return;
  }
  socket.timeout(options.timeout).emit(event, payload, function (err, res) {
    if (err) res = { ok: false, code: 'timeout', message: options.timedOut };
    done(res || { ok: false });
  });
}

/** Staff pages: the connection line becomes "Signed out." and a link to sign in again. */
function showSignedOut(node, texts, loginUrl) {
  node.textContent = '';
  node.className = 'conn-state down';
  const link = document.createElement('a');
  link.href = loginUrl;
  link.textContent = texts.sign_in_again;
  node.append(document.createTextNode(texts.signed_out + ' '), link);
}

/* ---------- staff session: warn before it ends, let the person stay signed in ---------- */

/**
 * Staff pages: the server says when the session ends (`session` on connect, the
 * `keepalive` ack), every event this page sends counts as activity there, so it does here
 * too. `warn_seconds` before the end the notice (`box`, with its text and the "stay signed
 * in" button) appears; the button sends `keepalive`, which the server counts as activity.
 * At the absolute end no button helps: the notice says so and the button stays hidden.
 */
function watchSession(socket, box, texts) {
  const text = box.querySelector('[data-ref="text"]');
  const stay = box.querySelector('[data-ref="stay"]');
  let idleMs = 0, warnMs = 0, idleEnd = Infinity, lifeEnd = Infinity, shownFor = null;
  const send = socket.emit;

  function hide() { shownFor = null; show(box, false); text.textContent = ''; }
  function update(info) {
    if (!info || typeof info.idle_left !== 'number') return;
    const now = Date.now();
    idleMs = info.idle_seconds * 1000;
    warnMs = info.warn_seconds * 1000;
    idleEnd = now + info.idle_left * 1000;
    lifeEnd = now + info.lifetime_left * 1000;
    hide();
    check();
  }
  function check() {
    const idleFirst = idleEnd < lifeEnd, end = Math.min(idleEnd, lifeEnd);
    const kind = idleFirst ? 'idle' : 'lifetime';
    if (end - Date.now() > warnMs) { if (shownFor) hide(); return; }
    if (shownFor === kind) return;
    shownFor = kind;
    show(box, true);
    show(stay, idleFirst);
    // Set once per warning (a live region that changes every second is only noise).
    text.textContent = format(idleFirst ? texts.session_idle : texts.session_lifetime,
      { time: timeLabel(end / 1000) });
  }
  socket.emit = function () {
    if (idleMs) idleEnd = Date.now() + idleMs;
    if (shownFor === 'idle') hide();
    return send.apply(socket, arguments);
  };
  stay.addEventListener('click', function () { socket.emit('keepalive', {}, update); });
  socket.on('session', update);
  socket.on('disconnect', hide);
  setInterval(check, 1000);
  hide();
}

/* ---------- sound: browsers keep audio suspended until the user interacts ---------- */

let audio = null;

/**
 * Create or resume the page's audio on a click or key press (the only moments a
 * browser allows it), so an alert can sound later without one.
 */
function unlockAudio() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!audio && Ctx) {
    try { audio = new Ctx(); } catch (e) { audio = null; }
  }
  if (audio && audio.state === 'suspended') audio.resume().catch(function () {});
}

/** The unlocked, running audio context, or null: then an alert stays silent (fine). */
function runningAudio() {
  return audio && audio.state === 'running' ? audio : null;
}

export {
  lang,
  timeZone,
  pageLocale,
  setLocale,
  zoned,
  jsonConfig,
  byId,
  show,
  format,
  plain,
  charCount,
  cleanText,
  seconds,
  clock,
  timeLabel,
  errorText,
  messageNode,
  insertMessage,
  isSendKey,
  updateCounter,
  request,
  showSignedOut,
  watchSession,
  unlockAudio,
  runningAudio
};
