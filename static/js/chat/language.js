/* The language switch, in place: the chat, the place in line and the draft stay. The same
 * page in the new language is fetched (no cookie, nothing of the chat sent), its strings
 * replace ours and its static texts are copied over node by node. If that fails, the page
 * reloads in the new language: the resume token brings the chat back and the draft waits
 * in sessionStorage (draft.js). */
import { format } from '../lib/common.js';
import { ctx, el, T, TRANSFER, SUPERVISION, saveChat, setError } from './state.js';
import { keepDraft } from './draft.js';
import { renderStatus, renderPosition, setHandoverNotice } from './line.js';
import { rewordTranscript, setTherapistTyping } from './transcript.js';
import { updateCounter, wordComposeHelp } from './compose.js';
import { closingText, wordFollowUp } from './closing.js';
import { titleChanged } from './attention.js';
import { closeSocket, setConnNotice } from './connection.js';

const LANG_KEY = 'helpline.lang';

/* Elements whose text the scripts write: the switch rewords them from state instead. */
const DYNAMIC = ['conn-notice', 'start-error', 'chat-heading', 'status-main', 'status-detail',
  'handover-notice', 'colleague-notice', 'transcript', 'typing', 'char-count', 'message',
  'compose-help', 'chat-error', 'end-button', 'end-confirm-text', 'closed-reason',
  'follow-up-when', 'follow-up-notice',
  'unavailable-heading', 'unavailable-reason', 'unavailable-hours', 'unavailable-channels'];
/* href: links carry the page's language (the anonymous message's, issue 20). */
const SWITCHED_ATTRS = ['aria-label', 'title', 'placeholder', 'href'];
let switching = false;
let connect = null;  // page.js's: a new socket in the new language
let switchLinks = [];

/** ?lang= wins, else this tab's earlier choice. True when the page reloads to apply it. */
export function redirectToTabLanguage() {
  const urlLang = new URLSearchParams(window.location.search).get('lang');
  try {
    const kept = sessionStorage.getItem(LANG_KEY);
    if (urlLang) {
      sessionStorage.setItem(LANG_KEY, document.documentElement.lang);
    } else if (kept && kept !== document.documentElement.lang) {
      window.location.replace('?lang=' + encodeURIComponent(kept));
      return true;
    }
  } catch (e) { /* storage blocked: the browser's language it is */ }
  return false;
}

function switchLanguage(event) {
  const code = event.currentTarget.dataset.lang;
  event.preventDefault();
  if (code === ctx.lang || switching) return;
  switching = true;
  try { sessionStorage.setItem(LANG_KEY, code); } catch (e) { /* the link still works */ }
  const onUnavailable = !el.unavailable.hidden; // its texts came from the server: reload
  const page = onUnavailable ? Promise.reject(new Error('reload')) :
    fetch('?lang=' + encodeURIComponent(code), { credentials: 'omit', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('status'); return r.text(); });
  page.then(function (html) {
    applyLanguage(code, new DOMParser().parseFromString(html, 'text/html'));
  }).catch(function () {
    keepDraft(sessionStorage, el.input.value);
    saveChat();
    window.location.replace('?lang=' + encodeURIComponent(code));
  }).then(function () { switching = false; });
}

function applyLanguage(code, doc) {
  const config = function (id) { return JSON.parse(doc.getElementById(id).textContent); };
  replaceStrings(T, config('page-config').strings);
  replaceStrings(TRANSFER, config('chat-transfer-config'));
  replaceStrings(SUPERVISION, config('chat-supervision-config'));
  copyTexts(document.body, doc.body);
  document.title = doc.title;
  titleChanged();
  document.documentElement.lang = code;
  ctx.lang = code;
  switchLinks.forEach(function (a) {
    if (a.dataset.lang === code) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  });
  try { window.history.replaceState(null, '', '?lang=' + encodeURIComponent(code)); } catch (e) { /* fine */ }
  reword();
  // The socket carries the language (server messages, the chat's language for the
  // therapist): a new one, which resumes the chat like any reconnect.
  if (ctx.pendingStart) return; // a start on its way keeps its socket; the next one has the language
  closeSocket();
  if (ctx.chat.token && ctx.chat.state !== 'ended') connect();
}

/* Strings are replaced inside the same objects, so every reference sees the new ones. */
function replaceStrings(target, source) {
  Object.keys(source).forEach(function (key) {
    if (source[key] && typeof source[key] === 'object' && target[key]) replaceStrings(target[key], source[key]);
    else target[key] = source[key];
  });
}

/* Walk both trees together; text nodes and a few attributes are copied where the
 * structure matches. What the scripts build or write (DYNAMIC) is left alone. */
function copyTexts(mine, theirs) {
  if (mine.id && DYNAMIC.indexOf(mine.id) !== -1) return;
  if (mine.tagName === 'SCRIPT') return;
  SWITCHED_ATTRS.forEach(function (name) {
    if (theirs.hasAttribute(name)) mine.setAttribute(name, theirs.getAttribute(name));
  });
  const a = mine.childNodes, b = theirs.childNodes;
  if (a.length !== b.length) return;
  for (let i = 0; i < a.length; i += 1) {
    if (a[i].nodeType === 3 && b[i].nodeType === 3) a[i].nodeValue = b[i].nodeValue;
    else if (a[i].nodeType === 1 && b[i].nodeType === 1 && a[i].tagName === b[i].tagName) copyTexts(a[i], b[i]);
  }
}

/* Everything the scripts wrote, written again from the chat's state in the new words. */
function reword() {
  renderStatus();
  if (ctx.chat.state === 'waiting' && ctx.lastPosition) renderPosition(ctx.lastPosition);
  rewordTranscript();
  setHandoverNotice(ctx.handoverShown && ctx.handoverShown.key, ctx.handoverShown && ctx.handoverShown.values);
  if (ctx.colleagueName !== null) {
    el.colleagueNotice.textContent = format(SUPERVISION.colleague_joined, { name: ctx.colleagueName });
  }
  if (ctx.closedWith) el.closedReason.textContent = closingText(ctx.closedWith.by, ctx.closedWith.reason);
  wordFollowUp();
  if (!el.connNotice.hidden) setConnNotice(true);
  setTherapistTyping(false);
  setError('');
  el.startError.textContent = '';
  wordComposeHelp();
  updateCounter();
}

/** `config.connect()` opens the page's socket again (it carries the language). */
export function init(root, config) {
  connect = config.connect;
  switchLinks = root.querySelectorAll('.lang-switch a');
  switchLinks.forEach(function (a) {
    a.addEventListener('click', switchLanguage);
  });
}
