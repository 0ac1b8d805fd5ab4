/* Entry of /staff/canned (templates/admin/canned.html loads it): the template's picker
 * config (#canned-config) goes to the "Try it" box. */
import { jsonConfig } from '../lib/common.js';
import { init } from './canned-try.js';

init(document.body, jsonConfig(document, 'canned-config'));
