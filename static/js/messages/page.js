/* The writer's pages of anonymous messages (templates/messages/): quick exit on every
 * page; on a page with forms, the proof of work solved early (lib/proof.js) and each
 * form's sending (send.js); the code page's copy button and the end's confirmation
 * (keep.js). Nothing is stored in the browser: no cookie, no storage of the code or text. */
import { setLocale } from '../lib/common.js';
import { init as initQuickExit } from '../lib/quick-exit.js';
import { init as initProof, prepareProof } from '../lib/proof.js';
import { init as initSend } from './send.js';
import { init as initKeep } from './keep.js';

/**
 * Start the page. `root`: the element holding the page (the body); `config`: {page,
 * locale}, what the template rendered (main.js reads it).
 */
export function init(root, config) {
  const page = config.page;
  setLocale(config.locale);
  initQuickExit(root, { exit_url: page.exit_url });
  initKeep(root, page);
  if (!root.querySelector('form[data-proof]')) return;
  initProof(root, page);
  initSend(root, page);
  prepareProof();
}
