/* Entry of the supervisors' live overview (templates/admin/overview.html loads it): reads
 * what the template rendered for the scripts and starts the page (overview-page.js). */
import { jsonConfig, pageLocale } from '../lib/common.js';
import { init } from './overview-page.js';

init(document.body, { page: jsonConfig(document, 'page-config'), locale: pageLocale(document) });
