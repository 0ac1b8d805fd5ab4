/* What the code page and the conversation page do with what they hold: the copy button,
 * the end's confirmation, and forgetting. A page holding the code is never kept for the
 * back button: when the browser puts it in its back/forward cache the code and the
 * conversation are blanked first, and a page brought back from that cache goes to the
 * "I have a code" form instead (the server sends every page no-store as well). */
import { show } from '../lib/common.js';

let cfg = null;

function forget(root) {
  root.querySelectorAll('[data-forget]').forEach(function (node) {
    if (node.tagName === 'INPUT') node.value = '';
    else node.replaceChildren();
  });
}

/* Copy the code (the Clipboard API needs a secure context); else select it for the
   person to copy themselves. */
function copyCode(root) {
  const code = root.querySelector('#message-code');
  const status = root.querySelector('#copy-status');
  const selectIt = function () {
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    status.textContent = cfg.strings.copy_failed;
  };
  if (!navigator.clipboard || !window.isSecureContext) { selectIt(); return; }
  navigator.clipboard.writeText(code.textContent.trim()).then(function () {
    status.textContent = cfg.strings.copied;
  }, selectIt);
}

function wireEnd(root) {
  const button = root.querySelector('#end-button');
  const form = root.querySelector('#end-form');
  if (!button || !form) return;
  button.addEventListener('click', function () {
    show(button, false);
    show(form, true);
    root.querySelector('#end-yes').focus();
  });
  root.querySelector('#end-no').addEventListener('click', function () {
    show(form, false);
    show(button, true);
    button.focus();
  });
  button.disabled = false; // rendered disabled: a click before this would do nothing
}

/** `config`: the page's config (code_url, strings). */
export function init(root, config) {
  cfg = config;
  const copy = root.querySelector('#copy-code');
  if (copy) {
    copy.addEventListener('click', function () { copyCode(root); });
    show(copy, true); // rendered hidden: it needs this script
  }
  wireEnd(root);
  if (!root.querySelector('[data-forget]')) return;
  window.addEventListener('pagehide', function (event) { if (event.persisted) forget(root); });
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) window.location.replace(cfg.code_url);
  });
}
