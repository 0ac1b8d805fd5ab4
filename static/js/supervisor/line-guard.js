/* The overview's line guard (helpline/chat/places.py): the price of a place now against
 * the normal one, starts refused in the last 10 minutes, places given back in the last
 * hour, and "clear places with no sign of a person" (never typed, never proved again). */
import { format, show } from '../lib/common.js';

let T = null;
let api = null;
const el = {};

/** `config`: {strings, api: {request, setError, setNotice, errorText}} (overview-page.js). */
export function init(root, config) {
  T = config.strings;
  api = config.api;
  const $ = function (id) { return root.querySelector('#' + id); };
  Object.assign(el, {
    price: $('guard-price'), refused: $('guard-refused'), given: $('guard-given'),
    unproven: $('guard-unproven'), raised: $('guard-raised'), clear: $('guard-clear')
  });
  el.clear.addEventListener('click', clearPlaces);
}

function times(price, normal) {
  return normal ? Math.round((price / normal) * 10) / 10 : 1;
}

export function render(guard) {
  if (!guard) return;
  const factor = times(guard.price, guard.normal_price);
  el.price.textContent = format(T.guard_price, { n: factor.toLocaleString() });
  el.refused.textContent = format(T.guard_refused, {
    capacity: guard.refused_capacity, proof: guard.refused_proof
  });
  el.given.textContent = format(T.guard_given, { lapsed: guard.reclaimed, cleared: guard.cleared });
  el.unproven.textContent = String(guard.without_sign);
  show(el.raised, guard.price > guard.normal_price);
  el.clear.disabled = !guard.without_sign;
}

function clearPlaces() {
  if (!window.confirm(T.confirm_clear)) return;
  api.request('clear_places', {}, function (res) {
    if (res.ok) { api.setError(''); api.setNotice(format(T.cleared, { n: res.removed })); } else api.setError(api.errorText(res));
  });
}
