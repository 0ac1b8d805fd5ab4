/* Entry of the staff sign-in page (templates/admin/login.html): reads the config the
 * template rendered (#signin-config) and starts the form (form.js). */
import { jsonConfig } from '../lib/common.js';
import { init } from './form.js';

init(document.body, jsonConfig(document, 'signin-config'));
