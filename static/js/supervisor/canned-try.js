/* /staff/canned: the "Try it" box gets the console's own picker (lib/canned-picker.js), so
 * supervisors see their texts exactly as therapists will. `config` is the page's picker
 * config: the words and the JSON address. */
import { attachCannedPicker } from '../lib/canned-picker.js';

export function init(root, config) {
  attachCannedPicker(root.querySelector('#try-message'), config);
}
