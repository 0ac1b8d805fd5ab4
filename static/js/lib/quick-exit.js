/* Quick exit (GOV.UK "Exit this page"), the same on every page a chatter or writer sees:
 * the button, or Shift three times within 5 seconds with no other key between. Clears the
 * tab's storage, blanks the page and its title, and leaves for a neutral site without
 * leaving this page in the tab's history (location.replace). */

const ACK_MS = 300;
let exitUrl = null;
let before = null;
let exiting = false;
let shiftPresses = [];

/* True once the exit started (nothing more should be stored or sent). */
export function leaving() { return exiting; }

export function quickExit(event) {
  if (event) event.preventDefault();
  if (exiting) return;
  exiting = true;
  let gone = false;
  const leave = function () {
    if (gone) return;
    gone = true;
    window.location.replace(exitUrl);
  };
  // A page may tell its server first (the chat's socket); then it calls `leave` on the
  // answer, and the page leaves anyway ACK_MS later.
  const waits = before ? before(leave, ACK_MS) : false;
  try { sessionStorage.clear(); } catch (e) { /* nothing stored */ }
  document.title = '';
  document.body.replaceChildren();
  if (waits) setTimeout(leave, ACK_MS + 20);
  else leave();
}

function onKeyDown(event) {
  if (event.key !== 'Shift') { shiftPresses = []; return; }
  if (event.repeat) return;
  const now = Date.now();
  shiftPresses = shiftPresses.filter(function (t) { return now - t < 5000; });
  shiftPresses.push(now);
  if (shiftPresses.length >= 3) quickExit();
}

/**
 * `config`: {exit_url, before?}. `before(leave, ms)`, if given, runs first and returns
 * true when it will call `leave` itself (within `ms`). The button is `#quick-exit` in root.
 */
export function init(root, config) {
  exitUrl = config.exit_url;
  before = config.before || null;
  root.querySelector('#quick-exit').addEventListener('click', quickExit);
  document.addEventListener('keydown', onKeyDown, true);
}
