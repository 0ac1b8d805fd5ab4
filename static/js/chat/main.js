/* Entry of the chatter's page (templates/chat/chat.html loads it): reads what the template
 * rendered for the scripts and starts the page (page.js). The only module of
 * static/js/chat that does something when it is imported. */
import { jsonConfig, pageLocale } from '../lib/common.js';
import { init } from './page.js';

init(document.body, {
  page: jsonConfig(document, 'page-config'),
  transfer: jsonConfig(document, 'chat-transfer-config'),
  supervision: jsonConfig(document, 'chat-supervision-config'),
  locale: pageLocale(document)
});
