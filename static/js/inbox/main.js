/* Entry of a staff conversation page (templates/admin/message.html): the picker config
 * (#canned-config) goes to the answer box. */
import { jsonConfig } from '../lib/common.js';
import { init } from './answer.js';

init(document.body, jsonConfig(document, 'canned-config'));
