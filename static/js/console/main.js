/* Entry of the therapist console (templates/admin/console.html loads it): reads what the
 * template rendered for the scripts and starts the console (page.js). The only module of
 * static/js/console that does something when it is imported. */
import { jsonConfig, pageLocale } from '../lib/common.js';
import { init } from './page.js';

init(document.body, {
  page: jsonConfig(document, 'page-config'),
  supervision: jsonConfig(document, 'supervision-config'),
  transfer: jsonConfig(document, 'transfer-config'),
  locale: pageLocale(document)
});
