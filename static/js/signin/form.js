/* The staff sign-in form (templates/admin/login.html): a proof of work is solved in the
 * background while the person types (lib/proof.js, at the sign-in's fixed price) and put
 * in the form's `pow` field when it is sent. The server counts a proved sign-in like one
 * from a remembered browser: it is checked past the global ceiling, ahead of unproved ones
 * in the hashing queue, so the right password gets in while failed sign-ins flood the
 * helpline (docs/operations.md, "Staff sign-in"). The form is posted by the browser as a
 * plain form; without this script it is posted without a proof. */
import { init as initProof, prepareProof, takeProof } from '../lib/proof.js';

/* How long a sign-in waits for a proof still being solved before it goes without one. */
const WAIT_MS = 8000;

let sending = false;

function send(form, status, strings) {
  if (sending) return;
  sending = true;
  const field = form.querySelector('input[name="pow"]');
  let sent = false;
  const go = function (solution) {
    if (sent) return;
    sent = true;
    field.value = solution ? JSON.stringify(solution) : '';
    form.submit();
  };
  status.textContent = strings.preparing;
  takeProof(go);
  setTimeout(function () { go(null); }, WAIT_MS);
}

/** `config`: {challenge_url, pow_worker, pow_fresh_seconds, strings: {preparing}}. */
export function init(root, config) {
  const form = root.querySelector('form.login-form');
  if (!form) return;
  const status = form.querySelector('.status-line');
  initProof(root, config);
  prepareProof();
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    send(form, status, config.strings);
  });
}
