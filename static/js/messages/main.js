/* Entry of the writer's pages (templates/messages/base.html loads it): reads what the
 * template rendered for the scripts and starts the page (page.js). The only module of
 * static/js/messages that does something when it is imported. */
import { jsonConfig, pageLocale } from '../lib/common.js';
import { init } from './page.js';

init(document.body, {
  page: jsonConfig(document, 'page-config'),
  locale: pageLocale(document)
});
