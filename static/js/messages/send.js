/* Sending a writer's form (templates/messages/: write, code, reply, end): the form is
 * posted by the browser as a plain form, with the proof of work put in its `pow` field
 * first (lib/proof.js), so the answer is a whole no-store page and the code never goes
 * through a script's request or a URL. The message box has the same counter and length
 * warning as the chat's. */
import { charCount, cleanText, format, updateCounter } from '../lib/common.js';
import { takeProof } from '../lib/proof.js';

let cfg = null;
let T = null;
let sending = false;

function parts(form) {
  return {
    input: form.querySelector('textarea[name="message"]'),
    code: form.querySelector('input[name="code"][type="text"]'),
    counter: form.querySelector('.char-count'),
    error: form.querySelector('.error-line'),
    status: form.querySelector('.status-line'),
    button: form.querySelector('button[type="submit"]'),
    pow: form.querySelector('input[name="pow"]')
  };
}

/* Why this form cannot go yet ('' when it can): checked here so the text never
   travels only to come back refused. The server checks it all again. */
function problem(p) {
  if (p.input) {
    const text = cleanText(p.input.value);
    if (!text) return T.empty;
    const over = charCount(text) - cfg.max_chars;
    if (over > 0) return format(T.too_long, { over: over, max: cfg.max_chars });
  }
  if (p.code && !p.code.value.trim()) return T.no_code;
  return '';
}

function onSubmit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const p = parts(form);
  if (sending) return;
  const why = problem(p);
  p.error.textContent = why;
  if (why) { (p.input || p.code || p.button).focus(); return; }
  sending = true;
  p.button.disabled = true;
  p.status.textContent = T.preparing;
  takeProof(function (solution) {
    if (!solution) {
      sending = false;
      p.button.disabled = false;
      p.status.textContent = '';
      p.error.textContent = T.proof_failed;
      return;
    }
    p.pow.value = JSON.stringify(solution);
    form.submit(); // a plain post: the answer replaces the page
  });
}

/** `config`: the page's config (max_chars, strings). Wires every form[data-proof]. */
export function init(root, config) {
  cfg = config;
  T = config.strings;
  root.querySelectorAll('form[data-proof]').forEach(function (form) {
    const p = parts(form);
    form.addEventListener('submit', onSubmit);
    if (p.input && p.counter) {
      const count = function () { updateCounter(p.input, p.counter, p.error, cfg.max_chars, T); };
      p.input.addEventListener('input', count);
      count();
    }
    p.button.disabled = false; // rendered disabled: without this script nothing is sent
  });
}
