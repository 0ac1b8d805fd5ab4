/* An anonymous message's answer box (templates/admin/message.html) gets the console's
 * ready-text picker (lib/canned-picker.js), with the texts of the conversation's language:
 * `config` is the page's picker config (the JSON address with ?lang=, and the words). */
import { attachCannedPicker } from '../lib/canned-picker.js';

export function init(root, config) {
  const box = root.querySelector('#answer-text');
  if (box) attachCannedPicker(box, config);
}
