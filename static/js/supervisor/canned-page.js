/* /staff/canned: the "Try it" box uses the console's own picker, so supervisors see their
 * texts exactly as therapists will. Words and the JSON address come from the page. */
import { attachCannedPicker } from '../console/canned.js';

const config = JSON.parse(document.getElementById('canned-config').textContent);
attachCannedPicker(document.getElementById('try-message'), config);
