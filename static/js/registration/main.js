/* Entry of the registration form (templates/admin/registration_form.html loads it). */
import { init } from './subcategories.js';

init(document.body, {});
